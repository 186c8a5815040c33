import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { candidateStableReleases } from '../../electron/services/installer/releases';
import { IPXE_ISO } from '../helpers/install-media';
import { startReleaseServer, type ReleaseServer } from '../helpers/release-server';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
// @ts-expect-error plain ESM fixture script without types
import { dataDir, famous, realAttributeNames, writePackagesJsonBr } from '../fixtures/search/make-packages.mjs';
import { startServe, type Served } from './serve';

/**
 * Accessibility: axe-core (WCAG 2.1 A/AA rules) finds no serious or critical violation on any page or
 * state a person can reach, in light and in dark, on the real app served as `npm run serve` serves it.
 * Keyboard-only steps check focus: tabs with arrow keys, wizard steps, dialogs.
 * SCREENSHOTS=<dir> also saves every audited state, light and dark, at two window sizes.
 */

const [newest] = candidateStableReleases(new Date()) as [string, string];
/** SCREENSHOTS=<dir>: every audited state is also saved, light and dark, at 1280×800 and 900×600 */
const shots = process.env.SCREENSHOTS;

interface Violation {
  state: string;
  scheme: string;
  rule: string;
  impact: string;
  targets: string[];
  summary: string;
}

async function audit(page: Page, state: string): Promise<Violation[]> {
  const found: Violation[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // let a colour transition (if any) and layout settle before contrast is measured
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    if (shots) {
      mkdirSync(shots, { recursive: true });
      for (const [width, height] of [
        [1280, 800],
        [900, 600],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.screenshot({ path: path.join(shots, `${state.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${width}-${scheme}.png`) });
      }
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    for (const v of results.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      found.push({
        state,
        scheme,
        rule: v.id,
        impact: v.impact,
        targets: v.nodes.slice(0, 8).map((n) => `${n.target.join(' ')}${n.any[0]?.message ? ` (${n.any[0].message.slice(0, 140)})` : ''}`),
        summary: `${v.nodes.length} node(s): ${v.help}`,
      });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

const report = (violations: Violation[]) =>
  violations.map((v) => `[${v.state} / ${v.scheme}] ${v.rule} (${v.impact}) ${v.summary}\n    ${v.targets.join('\n    ')}`).join('\n');

/** Waits until nothing on the page is a loading placeholder any more. */
async function settled(page: Page) {
  await expect(page.locator('.skeleton')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
}

test.describe('every page, light and dark', () => {
  let served: Served;
  let plain: Served;
  let releases: ReleaseServer;

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    const work = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-a11y-'));
    const names = realAttributeNames() as string[];
    const subset = [...new Set([...Object.keys(famous).filter((n) => names.includes(n)), ...names.filter((_, i) => i % 20 === 0)])];
    const packagesJsonFile = path.join(work, 'packages.json.br');
    writePackagesJsonBr(packagesJsonFile, { names: subset });
    releases = await startReleaseServer([{ channel: `nixos-${newest}`, fileEdition: 'minimal', arch: 'x86_64', version: `${newest}.2201.8ac1d2e`, data: readFileSync(IPXE_ISO) }]);
    // the boot default differs from the running system (a banner), Home Manager installed, search lists local
    const made = await makeHost(path.join(work, 'host'), { generations: 3, running: 2, booted: 2, homeManager: true });
    const hostFile = path.join(work, 'host.json');
    writeFileSync(
      hostFile,
      JSON.stringify({
        ...made.host,
        privilege: 'direct',
        channelBaseUrl: releases.url,
        releasesBaseUrl: releases.url,
        cacheDir: path.join(work, 'cache'),
        starterConfigDir: path.join(work, 'starter'),
        packagesJsonFile,
        optionsJsonFile: path.join(dataDir, 'nixos-options-unstable-2025-02.json.br'),
        homeManagerOptionsFile: path.join(dataDir, 'home-manager-options.json.br'),
      }),
    );
    // a second machine without Home Manager: its page is the setup wizard
    const bare = await makeHost(path.join(work, 'bare'), { generations: 1 });
    [served, plain] = await Promise.all([startServe({ hostFile }), startServe({ host: { ...bare.host, cacheDir: path.join(work, 'cache-bare') } })]);
  });
  test.afterAll(async () => {
    await served?.stop();
    await plain?.stop();
    await releases?.close();
  });

  test('axe finds no serious or critical violation', async ({ page }) => {
    test.setTimeout(600_000);
    const violations: Violation[] = [];
    const check = async (state: string) => violations.push(...(await audit(page, state)));
    const visit = async (hash: string) => {
      await page.evaluate((h) => (window.location.hash = h), hash);
      await settled(page);
    };

    await page.goto(served.appUrl);
    await settled(page);
    await expect(page.getByTestId('nixos-version')).not.toBeEmpty();
    await check('Home');

    await visit('#/system/generations');
    await expect(page.getByTestId('size-chart').locator('svg[role="img"]')).toBeVisible();
    await check('System / Generations');
    const ticks = page.getByRole('checkbox');
    await ticks.nth(0).check();
    await ticks.nth(1).check();
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect(page.getByTestId('diff-view')).toBeVisible({ timeout: 60_000 });
    await check('System / Generations with changes shown');

    await visit('#/system/rebuild');
    await check('System / Rebuild');
    await visit('#/system/config');
    await expect(page.locator('.cm-editor')).toBeVisible();
    await check('System / Configuration');
    await visit('#/system/channels');
    await check('System / Channels');
    await visit('#/system/cleanup');
    await check('System / Clean up');

    for (const tab of ['overview', 'generations', 'config', 'news']) {
      await visit(`#/home-manager/${tab}`);
      await check(`Home Manager / ${tab}`);
    }

    await visit('#/search');
    const box = page.getByRole('combobox', { name: 'Search' });
    for (const [tab, query] of [
      ['Packages', 'ripgrep'],
      ['NixOS options', 'openssh'],
      ['Home Manager options', 'git'],
    ] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await box.fill(query);
      await expect(page.getByRole('option').first()).toBeVisible({ timeout: 120_000 });
      await expect(page.getByTestId('search-detail')).toBeVisible();
      await check(`Search / ${tab}`);
    }

    await visit('#/learn');
    await check('Learn');

    await visit('#/home/app-settings');
    await expect(page.getByTestId('desktop-settings')).toBeVisible();
    await check('App settings dialog');
    await page.keyboard.press('Escape');

    await page.getByTestId('quick-actions-button').click();
    await expect(page.getByTestId('quick-actions')).toBeVisible();
    await check('Quick actions');
    await page.keyboard.press('Escape');

    await visit('#/install');
    await expect(page.getByTestId(`release-nixos-${newest}`)).toBeVisible();
    await page.getByTestId('edition-minimal').click();
    await expect(page.getByTestId('resolved')).toContainText('nixos-minimal');
    await check('Install media / Choose');
    await page.getByRole('tab', { name: /ISO file I have/ }).click();
    await check('Install media / Choose a file');
    await page.getByRole('tab', { name: /Download/ }).click();
    await page.getByTestId('start-image').click();
    await expect(page.getByTestId('image-ready')).toContainText('Checksum verified', { timeout: 60_000 });
    await check('Install media / Download');
    await page.getByTestId('to-drive').click();
    await expect(page.getByTestId('step-drive')).toBeVisible();
    await check('Install media / Drive');

    await page.goto(`${plain.appUrl}#/home-manager`);
    await expect(page.getByTestId('home-setup')).toBeVisible({ timeout: 60_000 });
    await settled(page);
    await check('Home Manager / setup wizard');

    expect(violations, report(violations)).toEqual([]);
  });

  /** The element that has the keyboard focus, as its test id, role and accessible text. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return { testId: el?.dataset.testid ?? null, role: el?.getAttribute('role') ?? el?.tagName.toLowerCase() ?? null, text: el?.textContent?.trim() ?? '' };
    });

  test('tabs follow the ARIA tabs pattern: one tab stop, arrows, Home and End select and move the focus', async ({ page }) => {
    const tablist = async (name: string) => {
      const list = page.getByRole('tablist', { name, exact: true });
      await expect(list).toBeVisible();
      const names = (await list.getByRole('tab').allTextContents()).map((t) => t.trim());
      expect(names.length).toBeGreaterThan(1);
      return { list, names };
    };
    /** Presses a key on the focused tab and checks that the named tab is focused, selected, the only tab stop, and labels the panel. */
    const press = async (list: ReturnType<Page['getByRole']>, key: string, expected: string) => {
      await page.keyboard.press(key);
      const tab = list.getByRole('tab', { name: expected, exact: true });
      await expect(tab).toBeFocused();
      await expect(tab).toHaveAttribute('aria-selected', 'true');
      await expect(list.locator('[role="tab"][tabindex="0"]')).toHaveCount(1);
      await expect(list.locator('[role="tab"][tabindex="0"]')).toHaveText(expected);
      const panel = page.locator(`#${await tab.getAttribute('aria-controls')}`);
      await expect(panel).toHaveAttribute('role', 'tabpanel');
      await expect(panel).toHaveAttribute('aria-labelledby', (await tab.getAttribute('id'))!);
    };
    const walk = async (name: string, url?: (tab: string) => RegExp) => {
      const { list, names } = await tablist(name);
      // into the tab list from the keyboard: the selected tab is its one tab stop
      await list.getByRole('tab', { selected: true }).focus();
      await press(list, 'ArrowRight', names[1]!);
      if (url) await expect(page).toHaveURL(url(names[1]!));
      await press(list, 'End', names[names.length - 1]!);
      await press(list, 'ArrowRight', names[0]!); // wraps around
      await press(list, 'ArrowLeft', names[names.length - 1]!);
      await press(list, 'Home', names[0]!);
    };

    await page.goto(`${served.appUrl}#/system/generations`);
    await settled(page);
    await walk('System', (t) => (t === 'Rebuild' ? /#\/system\/rebuild$/ : /./));
    await page.goto(`${served.appUrl}#/home-manager/overview`);
    await settled(page);
    await walk('Home Manager');
    await page.goto(`${served.appUrl}#/search`);
    await settled(page);
    await walk('What to search');
    await page.goto(`${served.appUrl}#/install`);
    await settled(page);
    await walk('Where the image comes from');
  });

  test('the search results are a listbox the keyboard reaches after the search box and the tabs', async ({ page }) => {
    await page.goto(`${served.appUrl}#/search`);
    const box = page.getByRole('combobox', { name: 'Search' });
    await expect(box).toBeFocused();
    // one input event, one search: results of a half-typed word cannot arrive after the arrow key
    await box.fill('grep');
    await expect(page.getByRole('option').nth(1)).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('result-count')).toBeVisible();
    await page.keyboard.press('Tab'); // the selected tab
    await expect(page.getByRole('tab', { name: 'Packages' })).toBeFocused();
    await page.keyboard.press('Tab');
    const list = page.getByRole('listbox', { name: 'Results' });
    await expect(list).toBeFocused();
    await expect(list).toHaveAttribute('aria-activedescendant', 'search-result-0');
    await page.keyboard.press('ArrowDown');
    await expect(list).toHaveAttribute('aria-activedescendant', 'search-result-1');
    await expect(page.getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');
  });

  test('Quick actions opens with the focus on its first action', async ({ page }) => {
    await page.goto(served.appUrl);
    await settled(page);
    await page.getByTestId('quick-actions-button').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Quick actions' });
    await expect(dialog).toBeVisible();
    const first = dialog.getByTestId('quick-actions').locator('button:not(:disabled), select:not(:disabled)').first();
    await expect(first).toBeVisible();
    await expect(first).toBeFocused();
    expect((await focused(page)).text).toMatch(/^Roll back to 2\b/);
  });

  test('each Install media step change puts the focus on the new step’s heading', async ({ page }) => {
    await page.goto(`${served.appUrl}#/install`);
    await page.getByTestId('edition-minimal').click();
    await expect(page.getByTestId('resolved')).toContainText('nixos-minimal');
    await page.getByTestId('start-image').focus();
    await page.keyboard.press('Enter');
    const heading = page.getByTestId('install-step-heading');
    await expect(heading).toBeFocused();
    await expect(heading).toHaveText('Step 2 of 5: Download');
    await expect(page.getByTestId('image-ready')).toContainText('Checksum verified', { timeout: 60_000 });
    await page.getByTestId('to-drive').focus();
    await page.keyboard.press('Enter');
    await expect(heading).toBeFocused();
    await expect(heading).toHaveText('Step 3 of 5: Drive');
    await page.getByTestId('stepper-choose').focus();
    await page.keyboard.press('Enter');
    await expect(heading).toBeFocused();
    await expect(heading).toHaveText('Step 1 of 5: Choose');
  });

  test('Home Manager setup: the home.nix choices are one radio group, and saving moves the focus to what was saved', async ({ page }) => {
    await page.goto(`${plain.appUrl}#/home-manager`);
    await expect(page.getByTestId('home-setup')).toBeVisible({ timeout: 60_000 });
    const group = page.getByRole('radiogroup', { name: 'How to make your home.nix' });
    const [fromForm, starter] = [group.getByRole('radio', { name: 'Make one from a few questions' }), group.getByRole('radio', { name: 'Let home-manager write its starter file' })];
    await expect(fromForm).toBeChecked();
    await fromForm.focus();
    // one group: the arrow keys move between the choices and choose
    await page.keyboard.press('ArrowDown');
    await expect(starter).toBeFocused();
    await expect(starter).toBeChecked();
    await page.keyboard.press('ArrowUp');
    await expect(fromForm).toBeChecked();
    const save = page.getByTestId('form-use');
    await expect(save).toBeEnabled({ timeout: 30_000 });
    await save.focus();
    await page.keyboard.press('Enter');
    const saved = page.getByTestId('setup-config-ready');
    await expect(saved).toContainText('Saved to');
    await expect(saved).toBeFocused();
  });
});
