import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
// @ts-expect-error plain JS fixture without declarations
import { makeHost, nixConfig } from '../fixtures/make-host.mjs';
import { startServe, type Served } from './serve';

/**
 * The confirmation window a tray action opens (`#/confirm/<id>?window=1`), in Chromium against the
 * real app (`npm run serve`) on the fixture NixOS host: real nix profile and generations, the real
 * root helper (direct: the tests are root) and the fixture's nixos-rebuild stand-in that builds with
 * real nix. Also the job route a clicked notification opens (`#/<area>/job/<id>`).
 */

test.describe('confirmation window and job routes', () => {
  let served: Served;
  let host: { systemProfile: string; currentSystem: string; nixosConfigDir: string; autostartDir: string };
  let hostDir: string;
  const generation = () => Number(/-(\d+)-link$/.exec(readlinkSync(host.systemProfile))![1]);
  const nixEnv = (args: string[]) => execFileSync('nix-env', ['-p', host.systemProfile, ...args], { env: { ...process.env, NIX_CONFIG: nixConfig as string }, stdio: 'pipe' });
  const activations = () => (existsSync(path.join(hostDir, 'activation.log')) ? readFileSync(path.join(hostDir, 'activation.log'), 'utf8').split('\n').filter(Boolean) : []);
  /** the action a tray menu entry carries (the numbers it shows), as the tray hands it over */
  const menuAction = async (id: string) => {
    const menu = await served.rpc<{ items: { type: string; id?: string; action?: unknown }[] }>('tray.menu', {});
    return menu.items.find((e) => e.id === id)!.action;
  };

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    const made = (await makeHost(path.join(mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-confirm-')), 'host'), { generations: 3 })) as { dir: string; hostFile: string; host: typeof host };
    host = made.host;
    hostDir = made.dir;
    served = await startServe({ hostFile: made.hostFile, env: { NIX_CONFIG: nixConfig as string } });
    // the window's own setting says "no preview": the tray's rebuild asks anyway
    await served.rpc('system.settings.set', { previewBeforeSwitch: false });
  });

  test.afterAll(async () => {
    await served?.stop();
  });

  test('a tray rollback whose profile moved since the menu was drawn: the window says so, and there is nothing to confirm', async ({ page }) => {
    const action = await menuAction('system-rollback');
    expect(action).toEqual({ kind: 'rollback', profile: 'system', target: 2, expectedCurrent: 3 });
    const { confirmationId } = await served.rpc<{ confirmationId: string }>('desktop.action.request', { action });
    nixEnv(['--switch-generation', '1']);
    try {
      await page.goto(`${served.appUrl}#/confirm/${confirmationId}?window=1`);
      const confirm = page.getByTestId('confirm-page');
      await expect(confirm).toContainText('The system changed since you looked: generation 1 is now current. Look again.');
      await expect(page.getByTestId('confirm-accept')).toHaveCount(0);
      await expect(confirm.getByRole('button', { name: 'Close' })).toBeVisible();
      expect(generation()).toBe(1);
      expect(activations()).toEqual([]);
    } finally {
      nixEnv(['--switch-generation', '3']);
    }
  });

  test('a tray rollback: the window shows the diff, confirming really moves the profile; its job route shows the log', async ({ page }) => {
    const { confirmationId } = await served.rpc<{ confirmationId: string }>('desktop.action.request', { action: await menuAction('system-rollback') });
    await page.goto(`${served.appUrl}#/confirm/${confirmationId}?window=1`);
    const confirm = page.getByTestId('confirm-page');
    await expect(confirm.getByRole('heading', { level: 1 })).toHaveText('Roll back the system to generation 2?');
    // the sidebar is not there: this is the small window
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await expect(confirm).toContainText('Generation 3');
    await expect(confirm).toContainText('Generation 2');
    // the fixture's generation 3 upgraded git and firefox over generation 2: the diff names them
    const diff = page.getByTestId('confirm-diff');
    const expected = await served.rpc<{ changes: { name: string }[] }>('system.diff', { from: 3, to: 2 });
    expect(expected.changes.length).toBeGreaterThan(0);
    await expect(diff.locator('tbody tr')).toHaveCount(expected.changes.length);
    await expect(diff.getByRole('columnheader')).toHaveText(['Package', 'Before', 'After']);
    for (const c of expected.changes.slice(0, 5)) await expect(diff).toContainText(c.name);
    await expect(confirm).toContainText('Going back changes the boot default too');
    expect(generation()).toBe(3);

    await page.getByTestId('confirm-accept').click();
    await expect(confirm.getByText('Done. The change is active.')).toBeVisible({ timeout: 60_000 });
    expect(generation()).toBe(2);
    expect(realpathSync(host.currentSystem)).toBe(realpathSync(`${host.systemProfile}-2-link`));

    // the notification's route for this job (the shell's notifier makes `#/system/job/<id>`)
    const { jobs } = await served.rpc<{ jobs: { id: string; method: string; logLines: number }[] }>('jobs.list', {});
    const job = jobs.find((j) => j.method === 'system.rollback')!;
    expect(job.logLines).toBeGreaterThan(0);
    // a fresh page, as after a click on the notification: nothing known but the route
    await page.goto(`${served.appUrl}#/system/job/${job.id}`);
    const routed = page.getByTestId('routed-job');
    await expect(routed).toContainText('Roll back to generation 2');
    await expect(routed).toContainText('Finished');
    // how it ended in words (generation 2 has an older kernel), not a store path
    const ended = routed.getByRole('status').filter({ hasText: 'Rolled back' });
    await expect(ended).toContainText('Rolled back to generation 2. Restart the computer to use kernel 6.6.63');
    await expect(ended).not.toContainText('/nix/store/');
    await expect(routed.getByTestId('job-log-count')).toHaveText(`${job.logLines} lines`);
    // the System page is still there underneath, and Close leaves the job
    await expect(page.getByTestId('page-system')).toBeVisible();
    await routed.getByRole('button', { name: 'Close' }).click();
    await expect(routed).toHaveCount(0);
    expect(page.url()).toMatch(/#\/system$/);
  });

  test('an unknown job route says the app no longer remembers it', async ({ page }) => {
    await page.goto(`${served.appUrl}#/install/job/0123456789abcdef`);
    await expect(page.getByTestId('routed-job')).toContainText('no longer remembers this job');
  });

  test('a tray rebuild: builds, shows what the new system changes, activates only on the second yes', async ({ page }) => {
    test.setTimeout(180_000);
    const config = path.join(host.nixosConfigDir, 'configuration.nix');
    writeFileSync(config, readFileSync(config, 'utf8').replace('    fastfetch\n', '    fastfetch\n    tree\n'));
    const before = generation();
    const running = realpathSync(host.currentSystem);
    const { confirmationId } = await served.rpc<{ confirmationId: string }>('desktop.action.request', { action: { kind: 'rebuild' } });
    await page.goto(`${served.appUrl}#/confirm/${confirmationId}?window=1`);
    const confirm = page.getByTestId('confirm-page');
    await expect(confirm.getByRole('heading', { level: 1 })).toHaveText('Rebuild and switch now?');
    await page.getByTestId('confirm-accept').click();

    const built = page.getByTestId('confirm-built');
    await expect(built).toBeVisible({ timeout: 120_000 });
    await expect(built.getByTestId('preview-summary')).toContainText('tree');
    await expect(page.getByTestId('job-log')).toBeVisible();
    // built, not activated
    expect(generation()).toBe(before);
    expect(realpathSync(host.currentSystem)).toBe(running);
    await page.screenshot({ path: path.join('test-results', 'e2e', 'confirm-rebuild-built.png') });

    await page.getByTestId('confirm-activate').click();
    await expect(confirm.getByText('Done. The change is active.')).toBeVisible({ timeout: 60_000 });
    // the rollback left 3 in the list: the new system is generation 4
    expect(before).toBe(2);
    expect(generation()).toBe(4);
    expect(realpathSync(host.currentSystem)).toBe(realpathSync(host.systemProfile));
    expect(realpathSync(host.currentSystem)).not.toBe(running);
  });

  test('app settings: start at login writes the XDG autostart entry; close-to-tray says why it is off in a browser', async ({ page }) => {
    const entry = path.join(host.autostartDir, 'org.nixos.companion.desktop');
    await page.goto(`${served.appUrl}#/home`);
    await page.getByTestId('settings-button').click();
    expect(page.url()).toMatch(/#\/home\/app-settings$/);
    const settings = page.getByTestId('desktop-settings');
    const closeToTray = settings.getByRole('checkbox', { name: /Keep running in the tray/ });
    await expect(closeToTray).toBeDisabled();
    await expect(settings).toContainText('in a browser there is no tray');
    const startAtLogin = settings.getByRole('checkbox', { name: /Start at login/ });
    await expect(startAtLogin).not.toBeChecked();
    await startAtLogin.check();
    await expect(startAtLogin).toBeChecked();
    await expect(settings).toContainText(entry);
    // the box follows the click at once; the entry appears when the app has written it
    await expect.poll(() => existsSync(entry)).toBe(true);
    const text = readFileSync(entry, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]$/m);
    expect(text).toMatch(/^Exec=.* --hidden$/m);
    await startAtLogin.uncheck();
    await expect(startAtLogin).not.toBeChecked();
    await expect.poll(() => existsSync(entry)).toBe(false);
    await expect(startAtLogin).not.toBeChecked();
    await page.getByRole('button', { name: 'Close' }).click();
    await expect(settings).toHaveCount(0);
    expect(page.url()).toMatch(/#\/home$/);
  });
});
