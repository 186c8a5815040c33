import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
// @ts-expect-error plain ESM fixture script without types
import { writePackagesJsonBr } from '../fixtures/search/make-packages.mjs';
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
    // Search reads its package list from a file here: a local source
    const packagesJsonFile = path.join(work, 'packages.json.br');
    writePackagesJsonBr(packagesJsonFile, { names: ['ripgrep', 'hello', 'fd', 'jq', 'htop'] });
    served = await startServe({ host: { ...host.host, packagesJsonFile, cacheDir: path.join(work, 'cache') } });
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

  test('Compare marks only what the configuration lists; jargon has a "?" that opens Learn', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/generations`);
    await expect(page.getByTestId('compare-button')).toHaveText('Compare');
    await page.getByLabel('Select generation 1 for comparison').check();
    await page.getByLabel('Select generation 8 for comparison').check();
    await page.getByTestId('compare-button').click();
    const diff = page.getByTestId('diff-view');
    const row = (name: string) => diff.locator('tbody tr').filter({ has: page.locator('td:first-child .mono', { hasText: new RegExp(`^${name}$`) }) });
    // firefox is in environment.systemPackages; bash, nix and systemd are in the system path, but nobody listed them
    await expect(row('firefox')).toContainText('in your configuration');
    for (const name of ['bash', 'nix', 'systemd']) {
      await expect(row(name)).toHaveCount(1);
      await expect(row(name)).not.toContainText('in your configuration');
      await expect(row(name)).toHaveAttribute('data-requested', 'false');
    }
    await expect(diff).not.toContainText('you asked for it');
    await screenshots(page, 'system-compare', () => diff.scrollIntoViewIfNeeded());

    await page.getByTestId('term-specialisations').click();
    await expect(page).toHaveURL(/#\/learn\/specialisations$/);
    await expect(page.getByTestId('learn-specialisations')).toContainText('A specialisation is a variant of a generation');
    await page.goto(`${served.appUrl}#/system/rebuild`);
    await page.getByTestId('term-dry-build').first().click();
    await expect(page.getByTestId('learn-dry-build')).toContainText('Dry build only evaluates your configuration');
  });

  test('a roll back ends in words, with Undo and the log on request, and no empty build counters', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/generations`);
    await page.getByTestId('generation-row-7').getByTestId('rollback-button').click();
    const dialog = page.getByTestId('activation-dialog');
    // generations 7 and 8 run the same NixOS: said as such, not "24.11.x → 24.11.x"
    await expect(dialog.getByTestId('activation-facts')).toContainText('No change (NixOS 24.11)');
    await expect(dialog.getByRole('columnheader')).toHaveText(['Package', 'Before', 'After']);
    await dialog.getByTestId('activation-confirm').click();
    await expect(page).toHaveURL(/#\/system\/rebuild$/);
    const outcome = page.getByTestId('rebuild-outcome');
    await expect(outcome).toContainText('Rolled back to generation 7. No restart needed.', { timeout: 60_000 });
    await expect(page.getByTestId('rebuild-job')).not.toContainText('/nix/store/');
    // nothing was built or downloaded: no "Builds 0 / 0"
    await expect(page.getByTestId('counter-builds')).toHaveCount(0);
    await expect(page.getByTestId('counter-downloads')).toHaveCount(0);
    await expect(page.getByTestId('job-log-count')).toHaveCount(0);
    await screenshots(page, 'rollback-outcome', () => outcome.scrollIntoViewIfNeeded());
    await outcome.getByTestId('rebuild-view-log').click();
    await expect(page.getByTestId('job-log-count')).toBeVisible();

    // Undo opens the same confirmation, for the generation that ran before
    await outcome.getByTestId('rebuild-undo').click();
    const undo = page.getByTestId('activation-dialog');
    await expect(undo.getByRole('heading')).toHaveText('Switch to generation 8?');
    await undo.getByTestId('activation-confirm').click();
    await expect(page.getByTestId('rebuild-outcome')).toContainText('Switched to generation 8. No restart needed.', { timeout: 60_000 });
    expect(readlinkSync(path.join(host.dir, 'nix/var/nix/profiles/system'))).toBe('system-8-link');

    // a later session: the last job is one line that says when, not the whole of it
    await page.reload();
    const earlier = page.getByTestId('rebuild-earlier');
    await expect(earlier).toContainText(/^Last change, (just now|1 minute ago): finished/);
    await expect(page.getByTestId('rebuild-outcome')).toHaveCount(0);
    await earlier.getByTestId('rebuild-earlier-show').click();
    await expect(page.getByTestId('rebuild-outcome')).toContainText('Switched to generation 8.');
  });

  test('safe switch with nothing changed says so, and no countdown starts', async ({ page }) => {
    test.setTimeout(180_000);
    await page.goto(`${served.appUrl}#/system/rebuild`);
    await page.getByTestId('safe-switch-start').click();
    await expect(page.getByTestId('rebuild-outcome')).toContainText('Nothing changed: your system is already this configuration.', { timeout: 150_000 });
    await expect(page.getByTestId('safe-switch-banner')).toHaveCount(0);
    expect((await served.rpc<{ state: string }>('system.safeSwitch.status')).state).toBe('idle');
  });

  test('Search says where its list comes from in words, without timings; Add shows the line it adds', async ({ page }) => {
    await page.goto(`${served.appUrl}#/search`);
    await expect(page.getByTestId('source-line')).toContainText(/^From your file, changed (just now|\d+ minutes? ago)/, { timeout: 60_000 });
    await expect(page.getByTestId('source-line')).not.toContainText('published');
    await page.getByRole('combobox', { name: 'Search' }).fill('fd');
    await expect(page.getByTestId('result-count')).toHaveText(/^\d+ results?$/);
    await page.getByRole('button', { name: 'Add to system' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByTestId('add-change')).toContainText(/This line will be added at line \d+ of configuration\.nix/);
    await expect(dialog.getByTestId('add-lines')).toHaveText('fd');
    await expect(dialog.getByTestId('add-diff')).toBeHidden();
    await dialog.getByText('Details: the change as a diff').click();
    await expect(dialog.getByTestId('add-diff')).toContainText('+    fd');
    await screenshots(page, 'search-add');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('900x600: generations stack, Roll back and Switch stay in sight; the brand and addresses fit', async ({ page }) => {
    await page.setViewportSize({ width: 900, height: 600 });
    await page.goto(`${served.appUrl}#/system/generations`);
    const row = page.getByTestId('generation-row-7');
    const rollback = row.getByTestId('rollback-button');
    await rollback.scrollIntoViewIfNeeded();
    const box = (await rollback.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(900);
    const wrap = await page.locator('.sr-table-wrap').evaluate((e) => e.scrollWidth - e.clientWidth);
    expect(wrap).toBeLessThanOrEqual(1);
    const brand = await page.locator('.sidebar').evaluate((s) => ({ sidebar: s.getBoundingClientRect().right, name: s.querySelector('.brand-name')!.getBoundingClientRect().right }));
    expect(brand.name).toBeLessThanOrEqual(brand.sidebar);
    await screenshots(page, 'generations-small', () => rollback.scrollIntoViewIfNeeded());

    // a channel address breaks only after a "/": every line of it ends at a slash, or is its last part
    await page.goto(`${served.appUrl}#/system/channels`);
    const url = page.locator('td .url').first();
    await expect(url).toBeVisible();
    const lines = await url.evaluate((el) => {
      const text = el.textContent ?? '';
      const range = document.createRange();
      const node = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE);
      const rows = new Map<number, string>();
      for (const t of node) {
        for (let i = 0; i < (t.textContent ?? '').length; i++) {
          range.setStart(t, i);
          range.setEnd(t, i + 1);
          const top = Math.round(range.getBoundingClientRect().top);
          rows.set(top, (rows.get(top) ?? '') + t.textContent![i]);
        }
      }
      return { text, rows: [...rows.entries()].sort((a, b) => a[0] - b[0]).map((r) => r[1]) };
    });
    expect(lines.rows.join('')).toBe(lines.text);
    for (const l of lines.rows.slice(0, -1)) expect(l).toMatch(/\/$/);
    await screenshots(page, 'channels-small');
  });
});

test.describe('the first launch', () => {
  let served: Served;
  test.beforeAll(async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-first-run-'));
    const made = await makeHost(path.join(work, 'host'), { generations: 3 });
    served = await startServe({ hostFile: made.hostFile });
  });
  test.afterAll(async () => served?.stop());

  test('a three-step guide, shown once, skippable and reachable again; the tray note is one small line', async ({ page }) => {
    await page.goto(`${served.appUrl}#/home`);
    const guide = page.getByTestId('first-run');
    await expect(guide.getByTestId('first-run-step-1')).toContainText('This is your system');
    await expect(guide.getByTestId('first-run-release')).toHaveText(/^You run NixOS 24\.11 Vicuna, as generation 3, made 1 hour ago\.$/);
    // the tray note is one line, smaller than the page's headline
    const note = page.getByTestId('no-tray-notice');
    await expect(note).toBeVisible();
    const noteBox = (await note.boundingBox())!;
    expect(noteBox.height).toBeLessThan(40);
    await screenshots(page, 'first-run-1');
    // it does not block the page: the rest works while it is open
    await expect(page.getByTestId('store-size')).not.toBeEmpty();
    await guide.getByTestId('first-run-next').click();
    await expect(guide.getByTestId('first-run-step-2')).toContainText('Here is how to undo');
    await expect(guide.getByTestId('first-run-step-2')).toContainText('the previous generation (2)');
    await screenshots(page, 'first-run-2');
    await guide.getByTestId('first-run-next').click();
    await expect(guide.getByTestId('first-run-step-3')).toContainText('Find software');
    await guide.getByTestId('first-run-done').click();
    await expect(guide).toBeHidden();
    await screenshots(page, 'home-after-first-run');

    // remembered: not shown again by itself
    await page.reload();
    await expect(page.getByTestId('page-home')).toBeVisible();
    await expect(page.getByTestId('first-run')).toBeHidden();
    // from the sidebar whenever asked, and Skip closes it
    await page.getByTestId('first-run-button').click();
    await expect(page.getByTestId('first-run-step-1')).toBeVisible();
    await page.getByTestId('first-run-skip').click();
    await expect(page.getByTestId('first-run')).toBeHidden();
  });
});

test.describe('on a computer that is not NixOS', () => {
  let served: Served;
  test.beforeAll(async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-not-nixos-'));
    const made = await makeHost(path.join(work, 'host'), { generations: 1 });
    const osRelease = path.join(work, 'os-release');
    writeFileSync(osRelease, 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n');
    served = await startServe({ host: { ...made.host, nixosMarkerFile: path.join(work, 'no-NIXOS'), osReleaseFile: osRelease, cacheDir: path.join(work, 'cache') } });
  });
  test.afterAll(async () => served?.stop());

  test('System says in one sentence that it is for NixOS and points to Install media; the guide starts there too', async ({ page }) => {
    await page.goto(`${served.appUrl}#/home`);
    await expect(page.getByTestId('first-run-step-1')).toContainText('this computer runs Debian GNU/Linux 12 (bookworm)');
    await page.getByTestId('first-run-skip').click();
    await page.getByRole('button', { name: 'System' }).click();
    const notice = page.getByTestId('not-nixos-notice');
    await expect(notice).toContainText('This page shows and changes a NixOS system, and this computer runs Debian GNU/Linux 12 (bookworm). To try NixOS, make a USB stick with Install media.');
    await screenshots(page, 'not-nixos-system');
    await notice.getByRole('button', { name: 'Open Install media' }).click();
    await expect(page).toHaveURL(/#\/install$/);
  });
});
