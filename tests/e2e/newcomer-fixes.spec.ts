import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
// @ts-expect-error plain JS fixture
import { dataDir } from '../fixtures/search/make-packages.mjs';
import { makeSystemHost, NIX_CONFIG, type SystemHost } from '../fixtures/system-host';
import config from './playwright.config';
import { startServe, type Served } from './serve';

/**
 * What a newcomer met in a walkthrough, driven as they would in Chromium against the served app on the
 * fixture host: the configuration editor after a syntax error, where a missing `;` is reported, and how the
 * inline error reads; Search on a computer without a network; the restart notice after a switch; in light
 * and dark, at a laptop's size and a small window's.
 */

const shots = path.resolve(import.meta.dirname, '../../test-results/newcomer-fixes');
mkdirSync(shots, { recursive: true });

const sizes = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '900x600', width: 900, height: 600 },
] as const;
const schemes = ['light', 'dark'] as const;

/** `show` puts the page into the state worth looking at (after each resize and colour change). */
async function screenshots(page: Page, name: string, show: () => Promise<void>) {
  for (const size of sizes) {
    for (const scheme of schemes) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme: scheme });
      await show();
      await page.screenshot({ path: path.join(shots, `${name}-${size.name}-${scheme}.png`) });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}

test.describe('the configuration editor', () => {
  let host: SystemHost;
  let served: Served;
  let original: string;

  test.beforeAll(async () => {
    host = await makeSystemHost({ generations: 1 });
    original = readFileSync(host.configFile, 'utf8');
    served = await startServe({ hostFile: host.hostFile, env: { NIX_CONFIG } });
  });
  test.afterAll(async () => served?.stop());
  test.afterEach(() => writeFileSync(host.configFile, original));

  /** How far the editor's text is scrolled sideways, and whether anything is wider than the editor. */
  const scroller = (page: Page) =>
    page.locator('.cm-scroller').evaluate((s) => ({ left: s.scrollLeft, top: s.scrollTop, hiddenWidth: s.scrollWidth - s.clientWidth }));

  test('after a syntax error and Undo changes, every line shows from its first character', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/config`);
    await page.locator('.cm-line', { hasText: 'networking.networkmanager.enable' }).click();
    await page.keyboard.press('End');
    // a long mistake typed at the end of a line (no `;`): the line grows past the editor's right edge
    await page.keyboard.type(' services.foo = "a long value that reaches well past the right edge of the editor here"');
    await expect(page.getByTestId('parse-errors')).toBeVisible();
    // long lines wrap: nothing is hidden to the right, so nothing scrolls sideways
    expect((await scroller(page)).hiddenWidth).toBeLessThanOrEqual(1);

    await page.getByRole('button', { name: 'Undo changes' }).click();
    await expect(page.getByTestId('parse-errors')).toBeHidden();
    await page.locator('.cm-line', { hasText: 'boot.loader.systemd-boot.enable' }).click({ position: { x: 20, y: 5 } });
    const after = await scroller(page);
    expect(after.left).toBe(0);
    expect(after.hiddenWidth).toBeLessThanOrEqual(1);
    // the first character of a line at the left edge is on screen, right of the line numbers
    const gutter = (await page.locator('.cm-gutters').boundingBox())!;
    const brace = (await page.locator('.cm-line').filter({ hasText: /^\{$/ }).first().boundingBox())!;
    expect(brace.x).toBeGreaterThanOrEqual(gutter.x + gutter.width - 1);
    await expect(page.locator('.cm-content')).toContainText('{ config, lib, pkgs, ... }:');
  });

  test('a missing `;` is reported at the end of the line that lacks it, in a tooltip that reads well', async ({ page }) => {
    // line 17 lost its `;`; Nix stops at the `=` of line 18
    writeFileSync(host.configFile, original.replace('networking.hostName = "nixbox"; #', 'networking.hostName = "nixbox" #'));
    await page.goto(`${served.appUrl}#/system/config`);
    const errors = page.getByTestId('parse-errors');
    await expect(errors).toHaveText('Line 17 is missing a ; at its end (Nix stopped at = on line 18).');
    await expect(errors.locator('code').first()).toHaveText(';');

    // the mark sits on line 17, on the last character before the comment
    const line17 = page.locator('.cm-line').nth(16);
    await expect(line17).toContainText('networking.hostName = "nixbox" # Define your hostname.');
    const mark = line17.locator('.cm-lintRange-error');
    await expect(mark).toHaveText('"');
    await expect(page.locator('.cm-line').nth(17).locator('.cm-lintRange-error')).toHaveCount(0);

    // the error list takes the cursor there
    await errors.getByRole('button').click();
    await expect(page.locator('.cm-activeLine')).toContainText('networking.hostName = "nixbox"');

    const tooltip = page.locator('.cm-tooltip-lint');
    const hover = async () => {
      await page.mouse.move(0, 0);
      await mark.scrollIntoViewIfNeeded();
      await mark.hover();
      await expect(tooltip).toBeVisible();
    };
    await hover();
    await expect(tooltip).toHaveText('Line 17 is missing a ; at its end (Nix stopped at = on line 18).');
    // the app's padding, font and width, not CodeMirror's bare default
    const look = await tooltip.locator('.cm-diagnostic').evaluate((d) => {
      const s = getComputedStyle(d);
      return { padding: s.paddingLeft, font: s.fontFamily, width: d.getBoundingClientRect().width };
    });
    expect(look.padding).toBe('12px');
    expect(look.font).not.toMatch(/mono/i);
    expect(look.width).toBeLessThanOrEqual(440);
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme });
      await hover();
      const colours = await tooltip.locator('.cm-diagnostic').evaluate((d) => ({ fg: getComputedStyle(d).color, bg: getComputedStyle(d).backgroundColor }));
      // dark text on a light ground in light mode, light on dark in dark mode
      const lum = (c: string) => { const [r, g, b] = c.match(/\d+/g)!.map(Number); return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!; };
      if (scheme === 'dark') expect(lum(colours.fg)).toBeGreaterThan(lum(colours.bg) + 100);
      else expect(lum(colours.bg)).toBeGreaterThan(lum(colours.fg) + 100);
    }
    await screenshots(page, 'editor-missing-semicolon', hover);
  });
});

/**
 * The served app and Chromium in a network namespace of their own with only loopback: a computer without a
 * network, for real (the name lookup of channels.nixos.org fails at once, and nothing leaves this machine).
 */
async function startOffline(hostFile: string): Promise<{ appUrl: string; browser: Browser; stop(): Promise<void> }> {
  const root = path.resolve(import.meta.dirname, '../..');
  const child: ChildProcess = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, path.join(root, 'dist/electron/serve.mjs')], {
    env: { ...process.env, NIXOS_COMPANION_HOST: hostFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr.join('\n')}`)));
    setTimeout(() => reject(new Error(`serve did not start in time: ${stderr.join('\n')}`)), 30_000);
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  // Chromium joins the app's namespace (unshare and sh exec, so the pid is the app's)
  const wrapper = path.join(mkdtempSync(path.join(os.tmpdir(), 'nc-offline-')), 'chromium');
  const chromiumPath = config.use?.launchOptions?.executablePath ?? '/usr/bin/chromium';
  writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/proc/${child.pid}/ns/net ${chromiumPath} "$@"\n`, { mode: 0o755 });
  const browser = await chromium.launch({ ...config.use?.launchOptions, executablePath: wrapper });
  return {
    appUrl: `${url}/?token=${token}`,
    browser,
    async stop() {
      await browser.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

test.describe('Search on a computer without a network', () => {
  let offline: Awaited<ReturnType<typeof startOffline>>;

  test.beforeAll(async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-offline-search-'));
    const made = await makeHost(path.join(work, 'host'), { generations: 1 });
    // the channel's lists come from channels.nixos.org (the default); NixOS and Home Manager options from files on disk
    const { channelBaseUrl: _default, ...host } = made.host;
    const hostFile = path.join(work, 'host.json');
    writeFileSync(hostFile, JSON.stringify({
      ...host,
      cacheDir: path.join(work, 'cache'),
      optionsJsonFile: path.join(dataDir, 'nixos-options-unstable-2025-02.json.br'),
      homeManagerOptionsFile: path.join(dataDir, 'home-manager-options.json.br'),
    }));
    offline = await startOffline(hostFile);
  });
  test.afterAll(async () => offline?.stop());

  test('Packages offers the download as its one big action, says why it failed, and points to the tabs that have results', async () => {
    test.setTimeout(120_000);
    const page = await offline.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const rpcMethods: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/rpc')) rpcMethods.push((JSON.parse(r.postData() ?? '{}') as { method?: string }).method ?? '');
    });
    await page.goto(`${offline.appUrl}#/search`);
    const missing = page.getByTestId('missing-list');
    await expect(missing.getByRole('heading')).toHaveText('The package list is not on this computer yet');
    // the first visit downloads by itself; without a network that fails, and the reason stays on screen
    const error = missing.getByTestId('download-error');
    await expect(error).toContainText('Could not download the package list from channels.nixos.org: no network connection.');
    await error.getByText('Details').click();
    await expect(error.locator('pre')).toContainText('https://channels.nixos.org/nixos-24.11/packages.json.br');
    await expect(error.locator('pre')).toContainText('EAI_AGAIN');

    // the big button downloads again (it does not re-run the search), and the error is still there after it
    const before = rpcMethods.filter((m) => m === 'search.refresh').length;
    await missing.getByTestId('download-list').click();
    await expect.poll(() => rpcMethods.filter((m) => m === 'search.refresh').length).toBe(before + 1);
    await expect(missing.getByTestId('download-list')).toHaveText('Try downloading the package list again');
    await expect(error).toContainText('no network connection');

    // typing on this tab searches nothing and shows no error per keystroke: the offer stays
    await page.getByRole('combobox', { name: 'Search' }).fill('openssh');
    await page.waitForTimeout(300);
    await expect(missing).toBeVisible();
    await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
    expect(rpcMethods).not.toContain('search.packages');

    await screenshots(page, 'search-offline-packages', async () => {
      await missing.getByTestId('tabs-with-results').scrollIntoViewIfNeeded();
      await expect(missing).toBeVisible();
    });

    // the tabs that do have results, from files on this computer
    const others = missing.getByTestId('tabs-with-results');
    await expect(others).toContainText('Search NixOS options (from a local file)');
    await expect(others).toContainText('Search Home Manager options (from a local file)');
    await others.getByRole('button', { name: /Search NixOS options/ }).click();
    await expect(page.getByRole('tab', { name: 'NixOS options' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('option').first()).toContainText('services.openssh', { timeout: 60_000 });

    // "Refresh lists" on a tab with results says why the package list could not be downloaded, in words
    await page.getByRole('button', { name: 'Refresh lists' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Could not download the package list from channels.nixos.org: no network connection.' })).toBeVisible();
    await page.close();
  });
});

test.describe('the restart notice after a switch', () => {
  let served: Served;
  let host: { systemProfile: string; bootedSystem: string };

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    // six real generations: 1-2 on kernel 6.6.56 with systemd 255.9, 3-4 on 6.6.63, 5-6 on 6.6.64 (both systemd 256.8);
    // neighbours differ in packages only. Generation 6 runs and is the boot default.
    const made = await makeHost(mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-restart-')) + '/host', { generations: 6, booted: 5 });
    host = made.host;
    served = await startServe({ hostFile: made.hostFile, env: { NIX_CONFIG } });
  });
  test.afterAll(async () => served?.stop());

  /** The machine booted generation g (as it would have, had it started from it). */
  const bootedFrom = (g: number) => {
    rmSync(host.bootedSystem);
    symlinkSync(readlinkSync(`${host.systemProfile}-${g}-link`), host.bootedSystem);
  };

  test('running and booted differ only in packages: nothing to restart, nothing said', async ({ page }) => {
    bootedFrom(5);
    await page.goto(served.appUrl);
    await expect(page.getByTestId('running-generation')).toContainText('Generation 6');
    await expect(page.getByTestId('booted-generation')).toHaveText(/^Generation 5\s*$/);
    await expect(page.getByTestId('card-nixos')).toBeVisible();
    await expect(page.getByTestId('restart-title')).toHaveCount(0);
    await expect(page.getByTestId('status-warning')).toHaveCount(0);
    await expect(page.getByText(/reboot/i)).toHaveCount(0);
    await page.goto(`${served.appUrl}#/system/generations`);
    await expect(page.getByTestId('generation-row-5')).toContainText('booted');
    await expect(page.getByTestId('restart-title')).toHaveCount(0);
    await expect(page.getByText(/reboot/i)).toHaveCount(0);
  });

  test('a new kernel: a calm "Restart to use kernel 6.6.64", on Home and on the System page', async ({ page }) => {
    bootedFrom(4);
    await page.goto(served.appUrl);
    const title = page.getByTestId('restart-title');
    await expect(title).toHaveText('Restart to use kernel 6.6.64');
    await expect(page.getByTestId('restart-message')).toHaveText(
      'The computer started with generation 4; generation 6 runs now. Its programs and services are already in use, but the kernel (6.6.63 → 6.6.64) changes only when you restart the computer.',
    );
    // an information, not a warning
    await expect(page.locator('.banner', { has: title })).toHaveClass(/\binfo\b/);
    await expect(page.getByTestId('booted-generation')).toContainText('restart to finish');
    await expect(page.getByTestId('status-warning')).toHaveCount(0);
    await screenshots(page, 'restart-kernel-home', async () => {
      await expect(title).toBeVisible();
    });
    await page.goto(`${served.appUrl}#/system/generations`);
    await expect(page.getByTestId('restart-title')).toHaveText('Restart to use kernel 6.6.64');
    await expect(page.getByText(/Some changes wait for a reboot/)).toHaveCount(0);
  });

  test('a new kernel and systemd: "Restart to finish the update", naming both', async ({ page }) => {
    bootedFrom(2);
    await page.goto(`${served.appUrl}#/system/generations`);
    await expect(page.getByTestId('restart-title')).toHaveText('Restart to finish the update: the kernel and systemd changed');
    await expect(page.getByTestId('restart-message')).toContainText('but the kernel (6.6.56 → 6.6.64) and systemd (255.9 → 256.8) change only when you restart the computer.');
    await screenshots(page, 'restart-kernel-systemd-system', async () => {
      await expect(page.getByTestId('restart-title')).toBeVisible();
    });
  });
});
