import { test, expect } from '@playwright/test';
import { copyFileSync, mkdtempSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServe, type Served } from './serve';
// @ts-expect-error plain JS fixture
import { makeHost } from '../fixtures/make-host.mjs';
// @ts-expect-error plain JS fixture
import { startChannelServer } from '../fixtures/search/channel-server.mjs';
// @ts-expect-error plain JS fixture
import { dataDir, famous, realAttributeNames, writePackagesJsonBr } from '../fixtures/search/make-packages.mjs';

let served: Served;
let channels: { url: string; close(): Promise<void> };
let configFile: string;
let work: string;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  work = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-search-'));
  const made = await makeHost(path.join(work, 'host'), { generations: 1 });
  configFile = path.join(made.host.nixosConfigDir, 'configuration.nix');
  const names = realAttributeNames() as string[];
  const subset = [...new Set([...Object.keys(famous).filter((n) => names.includes(n)), ...names.filter((_, i) => i % 10 === 0)])];
  mkdirSync(path.join(work, 'srv'), { recursive: true });
  writePackagesJsonBr(path.join(work, 'srv/packages.json.br'), { names: subset });
  copyFileSync(path.join(dataDir, 'nixos-options-unstable-2025-02.json.br'), path.join(work, 'srv/options.json.br'));
  channels = await startChannelServer({
    'nixos-24.11': { release: 'nixos-24.11.712431.cbd8ec4de446', revision: 'cbd8ec4de4469333c82ff40d057350c30e9f7d36', files: { 'packages.json.br': path.join(work, 'srv/packages.json.br'), 'options.json.br': path.join(work, 'srv/options.json.br') } },
  });
  const recorder = path.join(work, 'xdg-open');
  // STAND-IN for xdg-open (no desktop session here): records the address instead of starting a browser
  writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${path.join(work, 'opened.txt')}'\n`, { mode: 0o755 });
  const host = {
    ...made.host,
    privilege: 'direct',
    channelBaseUrl: channels.url,
    cacheDir: path.join(work, 'cache'),
    homeManagerOptionsFile: path.join(dataDir, 'home-manager-options.json.br'),
    commands: { ...(made.host.commands ?? {}), 'xdg-open': recorder },
  };
  const hostFile = path.join(work, 'host.json');
  writeFileSync(hostFile, JSON.stringify(host));
  served = await startServe({ hostFile });
});

test.afterAll(async () => {
  await served?.stop();
  await channels?.close();
});

test('downloads the lists, searches as you type, opens a result and adds a package with the diff shown', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(`${served.appUrl}#/search`);
  // first visit: the lists are missing, so the page refreshes them itself
  await expect(page.getByTestId('source-line')).toContainText('nixos-24.11.712431', { timeout: 180_000 });

  const box = page.getByRole('combobox', { name: 'Search' });
  await box.pressSequentially('rg', { delay: 40 });
  const first = page.getByRole('option').first();
  await expect(first).toContainText('ripgrep');
  await expect(page.getByTestId('search-detail')).toContainText('rg');

  await box.fill('');
  await box.pressSequentially('ripgrep', { delay: 30 });
  await expect(page.getByRole('option').first()).toContainText('ripgrep');
  // results of the last letters may still arrive while the key is pressed: press until the second row is selected
  await expect(async () => {
    await box.press('ArrowDown');
    await expect(page.getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await box.press('ArrowUp');
  await box.press('Enter');
  await expect(page.getByLabel('Details')).toBeFocused();
  await expect(page.getByTestId('search-detail')).toContainText('Utility that combines the usability of The Silver Searcher');

  // the homepage opens through the allow-list (the package's exact homepage)
  await page.getByTestId('search-detail').getByRole('link', { name: /github.com\/BurntSushi\/ripgrep/ }).click();
  await expect.poll(() => { try { return readFileSync(path.join(work, 'opened.txt'), 'utf8'); } catch { return ''; } }).toContain('https://github.com/BurntSushi/ripgrep');

  // add a package that is not in the configuration yet
  await box.fill('fd');
  await expect(page.getByRole('option').first()).toContainText('fd');
  await page.getByRole('button', { name: 'Add to system' }).click();
  const dialog = page.getByRole('dialog');
  // the change in words, the raw diff only under Details
  await expect(dialog.getByTestId('add-change')).toContainText(/^This line will be added at line \d+ of configuration\.nix/);
  await expect(dialog.getByTestId('add-lines')).toHaveText('fd');
  await expect(dialog.getByTestId('add-diff')).toBeHidden();
  await expect(dialog.getByTestId('add-diff')).toContainText('+    fd');
  expect(readFileSync(configFile, 'utf8')).not.toMatch(/^\s+fd$/m);
  await dialog.getByRole('button', { name: 'Apply change' }).click();
  await expect(dialog).toContainText('Saved configuration.nix');
  expect(readFileSync(configFile, 'utf8')).toMatch(/^ {4}fd$/m);
  await dialog.getByRole('button', { name: 'Rebuild and switch the system' }).click();
  await expect(page).toHaveURL(/#\/system\/rebuild/);
});

test('options: the service switch first, rendered description and defaults as Nix, Home Manager tab', async ({ page }) => {
  await page.goto(`${served.appUrl}#/search`);
  await page.getByRole('tab', { name: 'NixOS options' }).click();
  const box = page.getByRole('combobox', { name: 'Search' });
  await box.fill('ssh server');
  await expect(page.getByRole('option').first()).toContainText('services.openssh.enable');
  const detail = page.getByTestId('search-detail');
  await expect(detail).toContainText('Whether to enable the OpenSSH secure shell daemon');
  await expect(detail.locator('pre.code')).toContainText('false');
  await expect(detail.getByRole('link', { name: 'nixos/modules/services/networking/ssh/sshd.nix' })).toHaveAttribute('href', /github\.com\/NixOS\/nixpkgs\/blob\/cbd8ec4de4469333c82ff40d057350c30e9f7d36\//);
  await page.getByRole('tab', { name: 'Home Manager options' }).click();
  await box.fill('git');
  await expect(page.getByRole('option').first()).toContainText('programs.git.enable');
});

test('learn: an entry opens from its address and resources open through the allow-list', async ({ page }) => {
  await page.goto(`${served.appUrl}#/learn/generations`);
  await expect(page.getByTestId('learn-generations')).toContainText('Each rebuild makes a new numbered generation');
  await expect(page.getByTestId('learn-generations')).toContainText('The boot menu lists your generations');
  await page.getByRole('link', { name: 'Nix Pills' }).click();
  await expect.poll(() => { try { return readFileSync(path.join(work, 'opened.txt'), 'utf8'); } catch { return ''; } }).toContain('https://nixos.org/guides/nix-pills/');
});

test('a long result list stays small in the page, keeps keyboard navigation, and a click picks the row under the pointer', async ({ page }) => {
  await page.goto(`${served.appUrl}#/search`);
  const box = page.getByRole('combobox', { name: 'Search' });
  await box.fill('python');
  await expect(page.getByTestId('result-count')).toContainText(/\d,\d{3} results/);
  const list = page.getByRole('listbox', { name: 'Results' });
  // scroll to the end a few times: more pages load, yet only the rows in view are in the page
  await expect.poll(async () => {
    await list.evaluate((el) => el.parentElement!.scrollTo({ top: el.parentElement!.scrollHeight }));
    return list.evaluate((el) => el.parentElement!.scrollHeight);
  }).toBeGreaterThan(52 * 120);
  expect(await page.getByRole('option').count()).toBeLessThan(60);
  await list.evaluate((el) => el.parentElement!.scrollTo({ top: 0 }));

  // arrow keys move the selection past the rows first shown; the combobox points at the selected row
  for (let i = 0; i < 25; i++) await box.press('ArrowDown');
  const selected = page.locator('[role=option][aria-selected=true]');
  await expect(selected).toHaveAttribute('aria-posinset', '26');
  // scrolled into the list's visible area
  await expect.poll(() => selected.evaluate((row) => {
    const r = row.getBoundingClientRect();
    const box = row.closest('.results')!.getBoundingClientRect();
    return r.top >= box.top - 1 && r.bottom <= box.bottom + 1 ? true : `${r.top}-${r.bottom} in ${box.top}-${box.bottom}`;
  })).toBe(true);
  await expect(box).toHaveAttribute('aria-activedescendant', 'search-result-25');

  // a click picks exactly that row, and the detail pane follows
  await list.evaluate((el) => el.parentElement!.scrollTo({ top: 0 }));
  const name = (await page.locator('#search-result-2 .result-name').textContent())!;
  await page.locator('#search-result-2').click();
  await expect(page.locator('#search-result-2')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('search-detail')).toContainText(name);
});
