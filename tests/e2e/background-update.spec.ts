import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { makeSystemHost, NIX_CONFIG, type SystemHost } from '../fixtures/system-host';
import { startServe, type Served } from './serve';

/**
 * Background updates as a person meets them, on the fixture host: turn the setting on in App settings,
 * the app prepares the fixture's next 24.11 release (served on 127.0.0.1 like channels.nixos.org), the
 * Home page shows the Update ready card, and Apply now switches to it after the confirmation. Light and
 * dark screenshots of the setting, the card and the confirmation go to test-results/e2e/background-update.
 */
const releases = JSON.parse(readFileSync(new URL('../fixtures/nix/releases.json', import.meta.url), 'utf8')) as {
  releases: Record<string, { channel: string; suffix: string; kernel: string }>;
  channelServer: Record<string, string>;
};
const next = releases.releases[releases.channelServer['nixos-24.11']!]!;
const nextRelease = `${next.channel}.${next.suffix.replace(/^\./, '')}`;
const shots = path.join('test-results', 'e2e', 'background-update');

let host: SystemHost;
let served: Served;
let server: http.Server;

test.beforeAll(async () => {
  host = await makeSystemHost({ generations: 2 });
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/nixos-24.11') return res.writeHead(302, { location: `${base()}/releases/nixos/24.11/${nextRelease}` }).end();
    if (url.pathname === `/releases/nixos/24.11/${nextRelease}/nixexprs.tar.xz`) return res.writeHead(200).end(readFileSync(path.join(host.dir, 'srv/channels/nixos-24.11/nixexprs.tar.xz')));
    if (url.pathname === `/releases/nixos/24.11/${nextRelease}`) return res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(path.join(host.dir, 'root/.nix-channels'), `${base()}/nixos-24.11 nixos\n`);
  const power = path.join(host.dir, 'sys/class/power_supply/AC');
  mkdirSync(power, { recursive: true });
  writeFileSync(path.join(power, 'type'), 'Mains\n');
  writeFileSync(path.join(power, 'online'), '1\n');
  const hostFile = host.withHost({ allowHttpLoopbackChannels: true, powerSupplyDir: path.dirname(power), updateCheckEverySeconds: 2 }, 'updates');
  // the root helper reads the same host file
  served = await startServe({ hostFile, env: { NIX_CONFIG } });
});
test.afterAll(async () => {
  await served?.stop();
  server?.close();
});

async function screenshots(page: Page, target: Locator, name: string) {
  mkdirSync(shots, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await target.screenshot({ path: path.join(shots, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('turned on in App settings, an update is prepared, shown on Home, and applied only after a yes', async ({ page }) => {
  // the first-run guide and the tray note are said once: this person has seen them
  await page.addInitScript(() => {
    localStorage.setItem('nixos-companion-first-run-done', '1');
    localStorage.setItem('nixos-companion-no-tray-notice-seen', '1');
  });
  await page.goto(`${served.appUrl}#/home/app-settings`);
  const dialog = page.locator('dialog.settings-dialog');
  const toggle = dialog.getByTestId('setting-background-updates');
  await expect(toggle).not.toBeChecked();
  await expect(dialog.getByTestId('setting-update-schedule')).toBeDisabled();
  await toggle.check();
  await expect(dialog.getByTestId('setting-update-schedule')).toBeEnabled();
  await screenshots(page, dialog, 'settings');
  await dialog.getByRole('button', { name: 'Close' }).click();

  const card = page.getByTestId('update-ready');
  await expect(card).toBeVisible({ timeout: 80_000 });
  await expect(card.getByTestId('update-ready-headline')).toHaveText(new RegExp(`^\\d+ packages change, kernel 6\\.6\\.64 → ${next.kernel.replaceAll('.', '\\.')}\\.$`));
  // nothing changed yet
  expect(host.activations()).toEqual([]);
  await card.getByText(/What changes/).click();
  await screenshots(page, card, 'card-home');
  // stop the schedule, so the apply job finds the system free
  await served.rpc('desktop.settings.set', { backgroundUpdates: false });

  await card.getByTestId('update-apply-now').click();
  const confirm = page.getByTestId('confirm-page');
  await expect(confirm.getByRole('heading', { name: 'Apply the update now?' })).toBeVisible();
  await expect(confirm).toContainText("Root's channel is updated first");
  await screenshots(page, confirm, 'confirm');
  const ready = await served.rpc<{ ready: { storePath: string } | null }>('system.updates.status');
  await confirm.getByTestId('confirm-accept').click();
  await expect(confirm.getByText('Done. The change is active.')).toBeVisible({ timeout: 60_000 });
  expect(host.activations()).toEqual([`switch ${ready.ready!.storePath}`]);
  await confirm.getByRole('button', { name: 'Close' }).click();
  await expect(card).toBeHidden();
});
