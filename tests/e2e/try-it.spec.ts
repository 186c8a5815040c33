import { expect, test, type Locator, type Page } from '@playwright/test';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeSystemHost, NIX_CONFIG, type SystemHost } from '../fixtures/system-host';
import { startServe, type Served } from './serve';

/**
 * "Try it" in a package's details, where no terminal can be found (the served app's PATH holds only
 * Nix): the app says so, shows the command to run by hand, and Copy puts it on the clipboard. Light and
 * dark screenshots go to test-results/e2e/try-it. (The terminal itself is tested for real with a
 * stand-in in tests/integration/desktop-try-it.test.ts.)
 */
let host: SystemHost;
let served: Served;
const shots = path.join('test-results', 'e2e', 'try-it');
const nixBin = path.dirname(realpathSync(process.env.PATH!.split(':').map((d) => path.join(d, 'nix-shell')).find(existsSync)!));

test.beforeAll(async () => {
  host = await makeSystemHost({ generations: 1 });
  const pkgsFile = path.join(host.dir, 'packages.json');
  const meta = (description: string, mainProgram?: string) => ({ description, ...(mainProgram ? { mainProgram } : {}), license: { spdxId: 'GPL-3.0-or-later', free: true } });
  writeFileSync(
    pkgsFile,
    JSON.stringify({
      version: 2,
      packages: {
        hello: { name: 'hello-2.12.1', pname: 'hello', version: '2.12.1', system: 'x86_64-linux', meta: meta('A program that produces a familiar, friendly greeting', 'hello') },
        ripgrep: { name: 'ripgrep-14.1.1', pname: 'ripgrep', version: '14.1.1', system: 'x86_64-linux', meta: meta('Utility that combines the usability of The Silver Searcher with the raw speed of grep', 'rg') },
      },
    }),
  );
  served = await startServe({ hostFile: host.withHost({ packagesJsonFile: pkgsFile }, 'try'), env: { NIX_CONFIG, PATH: nixBin, TERMINAL: '' } });
});
test.afterAll(async () => {
  await served?.stop();
});

async function screenshots(page: Page, target: Locator, name: string) {
  mkdirSync(shots, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await target.screenshot({ path: path.join(shots, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('no terminal: the command to run by hand, with a Copy button', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.addInitScript(() => {
    localStorage.setItem('nixos-companion-first-run-done', '1');
    localStorage.setItem('nixos-companion-no-tray-notice-seen', '1');
  });
  await page.goto(`${served.appUrl}#/search`);
  await page.getByRole('combobox', { name: 'Search' }).fill('hello');
  await page.getByRole('option').first().click();
  const detail = page.getByTestId('search-detail');
  await expect(detail.getByTestId('try-run')).toHaveText('Run hello');
  await detail.getByTestId('try-shell').click();
  await expect(detail.getByTestId('try-message')).toContainText('No terminal program was found');
  await expect(detail.getByTestId('try-command')).toHaveText('nix-shell -p hello');
  await detail.getByTestId('try-copy').click();
  await expect(detail.getByTestId('try-copy')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('nix-shell -p hello');
  await screenshots(page, detail, 'no-terminal');
});
