import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
import { startServe, type Served } from './serve';

/**
 * What kept the app in "late beta" for a newcomer, driven in Chromium against the served app on the
 * fixture host (tests/fixtures/make-host.mjs, real nix profiles): one Home Manager status, words instead
 * of developer output, one date format, one confirmation, job outcomes in words, a guided first run,
 * safe switch without changes, jargon explained, and a small window. Light and dark screenshots at
 * 1280x800 and 900x600 go to test-results/newcomer-finish.
 */

const shots = path.resolve(import.meta.dirname, '../../test-results/newcomer-finish');
mkdirSync(shots, { recursive: true });
const sizes = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '900x600', width: 900, height: 600 },
] as const;

/** `show` puts the page into the state worth looking at (after each resize and colour change). */
async function screenshots(page: Page, name: string, show: () => Promise<void> = async () => {}) {
  for (const size of sizes) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme: scheme });
      await show();
      await page.screenshot({ path: path.join(shots, `${name}-${size.name}-${scheme}.png`) });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The first-run guide and the tray note are said once: a test about something else has seen them. */
async function seenFirstRun(page: Page) {
  await page.addInitScript(() => {
    localStorage.setItem('nixos-companion-first-run-done', '1');
    localStorage.setItem('nixos-companion-no-tray-notice-seen', '1');
  });
}

test.describe('on a NixOS fixture host with Home Manager generations but no home-manager command', () => {
  let served: Served;
  let host: { dir: string; hostFile: string; host: Record<string, string> };

  test.beforeAll(async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-finish-'));
    host = await makeHost(path.join(work, 'host'), { generations: 8, homeManager: true });
    served = await startServe({ hostFile: host.hostFile });
  });
  test.afterAll(async () => served?.stop());
  test.beforeEach(async ({ page }) => seenFirstRun(page));

  test('Home Manager has one status: every tab says the command is missing, with the fix, and none says "not installed"', async ({ page }) => {
    await page.goto(`${served.appUrl}#/home-manager`);
    await expect(page.getByTestId('home-current')).toHaveText('2');
    const missing = page.getByTestId('home-command-missing');
    await expect(missing).toContainText('The home-manager command cannot be found.');
    await expect(missing).toContainText('generation 2, Home Manager 24.11');
    await expect(missing.getByTestId('home-install-command')).toBeVisible();
    await expect(missing.getByTestId('home-command-fix')).toHaveText("nix-shell '<home-manager>' -A install");
    await expect(page.getByTestId('switch-start')).toBeDisabled();
    await expect(page.getByText(/not installed/i)).toHaveCount(0);
    await screenshots(page, 'hm-command-missing', () => missing.scrollIntoViewIfNeeded());

    await page.getByTestId('home-tab-news').click();
    await expect(page.getByTestId('home-news').getByTestId('home-command-missing')).toBeVisible();
    await expect(page.getByText(/not installed/i)).toHaveCount(0);
  });

  test('Home Manager roll back shows the system’s preview and confirmation, and warns when the release differs', async ({ page }) => {
    const profile = path.join(host.dir, 'home/alice/.local/state/nix/profiles/home-manager');
    await page.goto(`${served.appUrl}#/home-manager/generations`);
    await page.getByTestId('home-rollback').click();
    const dialog = page.getByTestId('home-activation-dialog');
    await expect(dialog).toContainText('Roll back to generation 1?');
    await expect(dialog.getByTestId('home-release-mismatch')).toContainText('Generation 1 was made by Home Manager 24.05, but your system is on 24.11.');
    await expect(dialog.getByTestId('side-before')).toContainText('Generation 2 (now)');
    await expect(dialog.getByTestId('side-after')).toContainText('Home Manager 24.05');
    // tmux came with generation 2: going back removes it
    await expect(dialog.getByTestId('home-activation-changes').getByRole('row', { name: /tmux/ })).toHaveText(/^tmux\s*\S+\s*—$/);
    await screenshots(page, 'hm-rollback-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    // nothing ran: the profile still points at generation 2
    expect(readlinkSync(profile)).toBe('home-manager-2-link');

    // compare and remove are two selections: ticking two to compare arms Compare only
    await page.getByTestId('home-gen-1').getByRole('checkbox').check();
    await page.getByTestId('home-gen-2').getByRole('checkbox').check();
    await expect(page.getByTestId('home-compare')).toHaveText('Compare 1 with 2');
    await page.getByTestId('home-compare').click();
    await expect(page.getByTestId('home-diff').getByRole('columnheader')).toHaveText(['Package', 'Before', 'After']);
    await page.getByTestId('home-remove').click();
    const remove = page.getByTestId('home-remove-dialog');
    await expect(remove.getByTestId('home-remove-confirm')).toBeDisabled();
    await expect(remove.getByTestId('home-remove-pick-2')).toHaveCount(0);
    await remove.getByRole('button', { name: 'Cancel' }).click();
  });
});
