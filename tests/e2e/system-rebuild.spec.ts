import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addToConfig, makeSystemHost, NIX_CONFIG, type SystemHost } from '../fixtures/system-host';
import { startServe, type Served } from './serve';

/** The write side of the System page driven as a person would, on the fixture host with real nix generations. */
let host: SystemHost;
let served: Served;
let original: string;

test.beforeAll(async () => {
  host = await makeSystemHost({ generations: 3 });
  original = readFileSync(host.configFile, 'utf8');
  served = await startServe({ hostFile: host.hostFile, env: { NIX_CONFIG } });
});
test.afterAll(async () => {
  await served?.stop();
});

test('rebuild with visible progress, a preview, and the new generation active', async ({ page }) => {
  writeFileSync(host.configFile, addToConfig(original, '  boot.kernelPackages = pkgs.linuxPackages_latest;'));
  await page.goto(`${served.appUrl}#/system/rebuild`);
  await page.getByRole('radio', { name: /Switch/ }).check();
  await page.getByTestId('rebuild-start').click();
  const progress = page.getByTestId('build-progress');
  await expect(progress).toBeVisible();
  // real builds counted from nix's internal-json: at least the configuration check and the toplevel
  // (the kernel and the links to it too, the first time this machine builds them)
  await expect(page.getByTestId('counter-builds')).toContainText(/([2-9])\s*\/\s*\1/);
  const dialog = page.getByTestId('preview-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('The kernel changes');
  await expect(dialog).toContainText('6.6.64 → 6.12.4');
  await dialog.getByRole('button', { name: 'Activate', exact: true }).click();
  await expect(page.getByTestId('rebuild-outcome')).toContainText('Switched to generation 4: it is running and starts at boot.');
  await expect(progress).toHaveAttribute('data-status', 'done');
  expect(host.currentGeneration()).toBe(4);
  // the log is searchable
  await page.getByRole('searchbox', { name: /Search the log/ }).fill('checking the NixOS configuration');
  await expect(page.getByTestId('job-log-count')).toContainText(/^1 of \d+ lines/);
  await expect(page.getByTestId('job-log')).toContainText('nixos-configuration-check> checking the NixOS configuration of nixbox');
  await page.getByRole('searchbox', { name: /Search the log/ }).fill('activating the configuration');
  await expect(page.getByTestId('job-log-count')).toContainText(/^1 of \d+ lines/);
});

test('a broken configuration shows the Nix error with a link that opens the editor at that line', async ({ page }) => {
  const file = host.configFile;
  const before = readFileSync(file, 'utf8');
  writeFileSync(file, '{ config, pkgs, ... }:\n{\n  networking.hostName = "broken";\n  time.timeZone = "UTC"\n  environment.systemPackages = [ ];\n}\n');
  await page.goto(`${served.appUrl}#/system/rebuild`);
  await page.getByRole('radio', { name: /^Build/ }).check();
  await page.getByTestId('rebuild-start').click();
  const error = page.getByTestId('nix-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText("syntax error, unexpected '='");
  // Nix stops at line 5's `=`; the `;` is missing at the end of line 4, and that is where the link goes
  await expect(error).toContainText('a `;` is missing at the end of a line (configuration.nix, line 4)');
  const link = page.getByTestId('nix-error-link');
  await expect(link).toContainText(`${file}:4:24`);
  await link.click();
  await expect(page).toHaveURL(/#\/system\/config\/configuration\.nix:4$/);
  await expect(page.getByTestId('nix-editor')).toBeVisible();
  await expect(page.locator('.cm-activeLine')).toContainText('time.timeZone = "UTC"');
  // the same error inline, from nix-instantiate --parse
  await expect(page.getByTestId('parse-errors')).toContainText('Line 4 is missing a ; at its end (Nix stopped at = on line 5).');
  writeFileSync(file, before);
});

test('roll back from the generation list, after a confirmation that warns about the kernel', async ({ page }) => {
  await page.goto(`${served.appUrl}#/system/generations`);
  const actions = page.getByTestId('generation-actions-3');
  await expect(actions).toBeVisible();
  await actions.getByTestId('rollback-button').click();
  const dialog = page.getByTestId('activation-dialog');
  await expect(dialog).toContainText('Roll back to generation 3?');
  await expect(dialog.getByTestId('kernel-warning')).toContainText('Running 6.12.4, generation 3 has 6.6.64');
  await dialog.getByTestId('activation-confirm').click();
  await expect(page).toHaveURL(/#\/system\/rebuild$/);
  await expect(page.getByTestId('build-progress')).toHaveAttribute('data-status', 'done');
  expect(host.currentGeneration()).toBe(3);
  expect(host.activations().at(-1)).toBe(`switch ${host.generationPath(3)}`);
});

test('the Rebuild form keeps the chosen action and options after leaving the tab', async ({ page }) => {
  await page.goto(`${served.appUrl}#/system/rebuild`);
  await page.getByRole('radio', { name: /^Boot/ }).check();
  await page.getByRole('checkbox', { name: 'Detailed error traces' }).check();
  await page.getByRole('tab', { name: 'Generations' }).click();
  await expect(page.getByTestId('generation-row-1')).toBeVisible();
  await page.getByRole('tab', { name: 'Rebuild' }).click();
  await expect(page.getByRole('radio', { name: /^Boot/ })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Detailed error traces' })).toBeChecked();
  await expect(page.getByTestId('rebuild-start')).toHaveText(/Boot/);
});

test('a million-line build log streams without freezing the window, stays searchable, and counts every line', async ({ page }) => {
  test.setTimeout(240_000);
  const lines = Number(process.env.E2E_LOG_LINES ?? 1_000_000);
  // the fixture's configuration check prints this many lines: a real nix build log, through nix's internal-json
  const big = await startServe({ hostFile: host.hostFile, env: { NIX_CONFIG, FIXTURE_BUILD_LOG_LINES: String(lines) } });
  try {
    writeFileSync(host.configFile, addToConfig(original, '  users.motd = "a long log";'));
    await page.goto(`${big.appUrl}#/system/rebuild`);
    await page.getByRole('radio', { name: /^Build/ }).check();
    // a watchdog in the page: the longest time the main thread did not get to run a 50 ms timer
    await page.evaluate(() => {
      const w = window as unknown as { longestStall: number };
      w.longestStall = 0;
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        w.longestStall = Math.max(w.longestStall, now - last - 50);
        last = now;
      }, 50);
    });
    const t0 = Date.now();
    await page.getByTestId('rebuild-start').click();
    const count = page.getByTestId('job-log-count');
    const numberIn = async () => Number(((await count.textContent()) ?? '').split(' ')[0]!.replace(/\D/g, '') || 0);
    await expect.poll(numberIn, { timeout: 120_000, intervals: [250] }).toBeGreaterThan(lines / 10);
    console.log(`${(lines / 10).toLocaleString('en')} lines shown after ${Date.now() - t0} ms`);
    // while it streams, another tab answers a click, and the log comes back with at least as many lines
    const streaming = await numberIn();
    const clicked = Date.now();
    await page.getByRole('tab', { name: 'Generations' }).click();
    await expect(page.getByTestId('generation-row-1')).toBeVisible({ timeout: 5_000 });
    console.log(`another tab answered in ${Date.now() - clicked} ms while ${streaming.toLocaleString('en')} lines were shown`);
    await page.getByRole('tab', { name: 'Rebuild' }).click();
    await expect(page.getByTestId('job-log')).toBeVisible({ timeout: 5_000 });
    expect(await numberIn()).toBeGreaterThanOrEqual(streaming);
    // the build ends, and the count is every line the job logged (the window keeps the newest 200,000)
    const progress = page.getByTestId('build-progress');
    await expect(progress).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
    console.log(`${lines.toLocaleString('en')} lines: build done after ${Date.now() - t0} ms`);
    const jobs = await big.rpc<{ jobs: { id: string; logLines: number }[] }>('jobs.list');
    const total = jobs.jobs[0]!.logLines;
    expect(total).toBeGreaterThan(lines);
    await expect.poll(numberIn, { timeout: 15_000 }).toBe(total);
    // the window keeps the newest 200,000 to 250,000 lines (it drops the oldest in chunks)
    if (total > 250_000) await expect(count).toContainText(/\(showing the newest 2[0-4]\d,\d{3}\)|\(showing the newest 250,000\)/);
    // only a window of rows is in the page
    expect(await page.locator('.job-log-line').count()).toBeLessThan(200);
    // a line that arrived late is found, and shown
    const late = lines - 1234;
    await page.getByRole('searchbox', { name: /Search the log/ }).fill(`checked item ${late} of ${lines}`);
    await expect(count).toContainText(new RegExp(`^1 of ${total.toLocaleString('en')} lines`), { timeout: 10_000 });
    await expect(page.getByTestId('job-log')).toContainText(`nixos-configuration-check>   checked item ${late} of ${lines}`);
    const stall = await page.evaluate(() => (window as unknown as { longestStall: number }).longestStall);
    console.log(`longest main-thread stall while the log streamed: ${Math.round(stall)} ms`);
    expect(stall).toBeLessThan(2_000);
  } finally {
    await big.stop();
  }
});

test('a flake in a dotfiles checkout: "Update flake inputs first", and a file git does not track is explained with a link into the checkout', async ({ page }) => {
  test.setTimeout(180_000);
  const flakeHost = await makeSystemHost({ generations: 1, flake: true });
  const etc = flakeHost.host.nixosConfigDir;
  const dotfiles = path.join(flakeHost.dir, 'home/alice/dotfiles');
  mkdirSync(dotfiles, { recursive: true });
  for (const f of ['flake.nix', 'flake.lock', 'configuration.nix', 'hardware-configuration.nix']) renameSync(path.join(etc, f), path.join(dotfiles, f));
  symlinkSync(path.join(dotfiles, 'flake.nix'), path.join(etc, 'flake.nix'));
  const git = (...args: string[]) => execFileSync('git', ['-C', dotfiles, '-c', 'user.email=alice@example.org', '-c', 'user.name=Alice', ...args]);
  execFileSync('git', ['init', '-q', '-b', 'main', dotfiles]);
  git('add', '.');
  git('commit', '-q', '-m', 'my system');
  // a new module, imported but not yet added to git
  writeFileSync(path.join(dotfiles, 'extra.nix'), '{ ... }: { users.motd = "extra"; }\n');
  const config = path.join(dotfiles, 'configuration.nix');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/imports =\s*\[/, 'imports = [ ./extra.nix'));
  const flakeServed = await startServe({ hostFile: flakeHost.hostFile, env: { NIX_CONFIG } });
  try {
    await page.goto(`${flakeServed.appUrl}#/system/rebuild`);
    await expect(page.getByRole('checkbox', { name: 'Update flake inputs first' })).toBeVisible();
    await expect(page.getByRole('checkbox', { name: 'Update channels first' })).toHaveCount(0);
    await page.getByRole('radio', { name: /^Build/ }).check();
    await page.getByTestId('rebuild-start').click();
    const error = page.getByTestId('nix-error');
    await expect(error).toBeVisible({ timeout: 60_000 });
    await expect(error).toContainText('extra.nix is not known to git, so Nix cannot see it');
    await expect(error).toContainText(`Run "git add extra.nix" in ${dotfiles}`);
    // the link opens the file Nix could not see, in the checkout (not in /etc/nixos, not in the store)
    const link = page.getByTestId('nix-error-link');
    await expect(link).toContainText(path.join(dotfiles, 'extra.nix'));
    await link.click();
    await expect(page).toHaveURL(/#\/system\/config\/extra\.nix:1$/);
    await expect(page.getByTestId('nix-editor')).toContainText('users.motd = "extra"');
  } finally {
    await flakeServed.stop();
  }
});

test('a configuration without a flake offers "Update channels first"', async ({ page }) => {
  await page.goto(`${served.appUrl}#/system/rebuild`);
  await expect(page.getByRole('checkbox', { name: 'Update channels first' })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Update flake inputs first' })).toHaveCount(0);
});
