import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeSystemHost, NIX_CONFIG, type SystemHost } from '../fixtures/system-host';
import { startServe, type Served } from './serve';

/**
 * A failed rebuild on the fixture host, explained: the toy nixpkgs refuses an unfree package as nixpkgs'
 * check-meta.nix does, and an unknown name fails as Nix fails. The explanation's fix buttons are used as a
 * person would: "Allow unfree packages" goes through the previewed, backed-up edit and the next build
 * works; the undefined name offers the closest packages of the (local) package list and opens the line.
 */
let host: SystemHost;
let served: Served;
let original: string;
const shots = path.join('test-results', 'e2e', 'errors-explained');

/** A small packages.json in the channel's shape: real attribute names, enough for "did you mean". */
function packagesJson(file: string) {
  const names = ['firefox', 'firefox-esr', 'firefox-bin', 'thunderbird', 'hello', 'git', 'vim', 'vscode', 'vscodium', 'ripgrep', 'htop', 'curl', 'wget', 'fastfetch'];
  const packages = Object.fromEntries(names.map((n) => [n, { name: `${n}-1.0`, pname: n, version: '1.0', system: 'x86_64-linux', meta: { description: `${n}, a package` } }]));
  writeFileSync(file, JSON.stringify({ version: 2, packages }));
}

test.beforeAll(async () => {
  host = await makeSystemHost({ generations: 1 });
  original = readFileSync(host.configFile, 'utf8');
  const pkgsFile = path.join(host.dir, 'packages.json');
  packagesJson(pkgsFile);
  served = await startServe({ hostFile: host.withHost({ packagesJsonFile: pkgsFile }, 'errors'), env: { NIX_CONFIG } });
});
test.afterAll(async () => {
  await served?.stop();
});
test.afterEach(() => writeFileSync(host.configFile, original));

async function failedBuild(page: Page) {
  await page.goto(`${served.appUrl}#/system/rebuild`);
  await page.getByRole('radio', { name: /^Build/ }).check();
  await page.getByTestId('rebuild-start').click();
  const error = page.getByTestId('nix-error');
  await expect(error).toBeVisible({ timeout: 60_000 });
  return error;
}

async function screenshots(page: Page, error: Locator, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await error.scrollIntoViewIfNeeded();
    await error.screenshot({ path: path.join(shots, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('an unfree package: explained, and "Allow unfree packages" edits configuration.nix with a preview and a backup', async ({ page }) => {
  writeFileSync(host.configFile, original.replace('    fastfetch\n', '    fastfetch\n    vscode\n'));
  const error = await failedBuild(page);
  await expect(error.getByRole('strong').first()).toHaveText('vscode is not free software, and unfree packages are not allowed yet');
  await expect(error.getByTestId('error-explanation')).toContainText('vscode-1.95.3 has an unfree license (unfree)');
  // Nix's own text is kept, under Details
  await expect(error.locator('details')).toContainText('refusing to evaluate');
  await screenshots(page, error, 'unfree');

  await error.getByRole('button', { name: 'Allow unfree packages' }).click();
  const dialog = page.getByRole('dialog', { name: /nixpkgs\.config\.allowUnfree/ });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('add-diff')).toContainText('+  nixpkgs.config.allowUnfree = true;');
  expect(readFileSync(host.configFile, 'utf8')).not.toContain('allowUnfree');
  await dialog.getByRole('button', { name: 'Apply change' }).click();
  await expect(dialog).toContainText('Saved configuration.nix');
  expect(readFileSync(host.configFile, 'utf8')).toContain('nixpkgs.config.allowUnfree = true;');
  await expect(dialog).toContainText('The previous version was kept as');
  await dialog.getByRole('button', { name: 'Rebuild and switch the system' }).click();

  // the same build now works
  await page.getByRole('radio', { name: /^Build/ }).check();
  await page.getByTestId('rebuild-start').click();
  await expect(page.getByTestId('build-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('nix-error')).toHaveCount(0);
});

test('an undefined name: the closest packages, and the button opens the line', async ({ page }) => {
  const text = original.replace('    fastfetch\n', '    fastfetch\n    firefx\n');
  writeFileSync(host.configFile, text);
  const line = text.split('\n').findIndex((l) => l.includes('firefx')) + 1;
  const error = await failedBuild(page);
  await expect(error.getByRole('strong').first()).toHaveText('Nix does not know “firefx”');
  await expect(error.getByTestId('explanation-suggestions')).toContainText('firefox');
  await screenshots(page, error, 'undefined-variable');
  await error.getByRole('button', { name: `Fix it in configuration.nix at line ${line}` }).click();
  await expect(page).toHaveURL(new RegExp(`#/system/config/configuration\\.nix:${line}$`));
  await expect(page.locator('.cm-activeLine')).toContainText('firefx');
});

test('screenshots were written', () => {
  expect(readdirSync(shots).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(4);
});
