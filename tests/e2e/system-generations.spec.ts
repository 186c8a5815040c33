import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { buildSystems, nixEnv } from '../bench/system-closures.mjs';
// @ts-expect-error plain ESM fixture script without types
import { makeHost, nixConfig as fixtureNixConfig } from '../fixtures/make-host.mjs';
import { startServe, type Served } from './serve';

/**
 * The System page's read side in Chromium against the real app (`npm run serve`), real nix profiles
 * (nix-env --set), the real root helper (run directly, the tests are root) and a channel server on 127.0.0.1.
 */

test.describe('System: generations, diff, cleanup, channels', () => {
  let served: Served;
  let dir: string;
  let profile: string;
  let server: http.Server;
  let base: string;

  test.beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-sysgen-'));
    const toplevels = buildSystems(path.join(dir, 'build'), { packages: 300, variants: 3, generations: 6, host: `e2e${process.pid}x${Date.now() % 100000}` });
    mkdirSync(path.join(dir, 'profiles'));
    profile = path.join(dir, 'profiles/system');
    for (const t of toplevels) execFileSync('nix-env', ['-p', profile, '--set', t], { env: nixEnv });
    symlinkSync(toplevels[4]!, path.join(dir, 'current-system'));
    symlinkSync(toplevels[3]!, path.join(dir, 'booted-system'));
    // only the profile keeps these systems alive, so deleting generations frees space
    rmSync(path.join(dir, 'build/roots'));

    // A channel server like channels.nixos.org: the channel redirects to its current release.
    const src = path.join(dir, 'src/nixos-24.11.716.abc1234');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'default.nix'), '{ ... }: { }\n');
    writeFileSync(path.join(src, '.version'), '24.11');
    writeFileSync(path.join(src, '.version-suffix'), '.716.abc1234');
    execFileSync('tar', ['-cJf', path.join(dir, 'nixexprs.tar.xz'), '-C', path.join(dir, 'src'), 'nixos-24.11.716.abc1234']);
    const tarball = readFileSync(path.join(dir, 'nixexprs.tar.xz'));
    server = http.createServer((req, res) => {
      if (req.url === '/nixos-24.11') return res.writeHead(302, { location: `${base}/releases/nixos-24.11.716.abc1234` }).end();
      if (req.url === '/releases/nixos-24.11.716.abc1234') return res.writeHead(200).end('release');
      if (req.url === '/releases/nixos-24.11.716.abc1234/nixexprs.tar.xz') return res.writeHead(200).end(tarball);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    mkdirSync(path.join(dir, 'root'));
    served = await startServe({
      host: {
        systemProfile: profile,
        currentSystem: path.join(dir, 'current-system'),
        bootedSystem: path.join(dir, 'booted-system'),
        rootChannelsFile: path.join(dir, 'root/.nix-channels'),
        rootChannelsDir: path.join(dir, 'channel-profiles/channels'),
        allowHttpLoopbackChannels: true,
        privilege: 'direct',
      },
      env: { NIX_CONFIG: `${nixEnv.NIX_CONFIG}\ntarball-ttl = 0` },
    });
  });

  test.afterAll(async () => {
    await served?.stop();
    server?.close();
  });

  test('lists generations with their state and compares two of them', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/generations`);
    const table = page.getByTestId('generations-table');
    await expect(table.locator('tbody tr')).toHaveCount(6);
    await expect(page.getByTestId('generation-row-6')).toContainText('boot default');
    await expect(page.getByTestId('generation-row-5')).toContainText('running');
    await expect(page.getByTestId('generation-row-4')).toContainText('booted');
    await expect(page.getByText('The boot default is generation 6, but generation 5 is running')).toBeVisible();
    await expect(page.getByTestId('generation-row-2')).toContainText('c0ffee1234');
    await expect(page.getByTestId('generation-row-1')).toContainText('no-gui');
    // closure sizes arrive, and the chart draws one bar per generation
    await expect(page.getByTestId('size-bar-6')).toBeVisible();
    await expect(page.getByTestId('generation-row-6').locator('td').nth(6)).toContainText(/KiB|MiB/);

    await page.getByLabel('Select generation 1 for comparison').check();
    await page.getByLabel('Select generation 2 for comparison').check();
    await page.getByTestId('compare-button').click();
    const diff = page.getByTestId('diff-view');
    await expect(diff).toContainText('Generation 1 → Generation 2');
    await expect(page.getByTestId('diff-highlight-kernel')).toContainText('6.6.1 → 6.6.9');
    await expect(page.getByTestId('diff-highlight-nixos-version')).toContainText('24.11.0.bench → 24.11.1.bench');

    // every row the table shows agrees with nix store diff-closures
    const peer = execFileSync('nix', ['store', 'diff-closures', `${profile}-1-link`, `${profile}-2-link`], { env: nixEnv, encoding: 'utf8' }).replace(/\x1b\[[0-9;]*m/g, '');
    const peerNames = peer.trim().split('\n').map((l) => l.slice(0, l.indexOf(':')));
    const rows = diff.locator('tbody tr');
    await expect(rows).toHaveCount(peerNames.length);
    const upgraded = diff.getByTestId('diff-section-upgraded');
    await expect(upgraded).toBeVisible();

    const requested = await diff.locator('tbody tr[data-requested="true"]').count();
    await diff.getByLabel(/Only what your configuration lists/).check();
    await expect(rows).toHaveCount(requested);
    await diff.getByLabel(/Only what your configuration lists/).uncheck();
    await diff.getByLabel('Filter packages').fill('linux');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('kernel');
  });

  test('previews a cleanup, deletes for real, and never offers the protected generations', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/cleanup`);
    await page.getByLabel('All but the newest').check();
    await page.getByLabel('Generations to keep').fill('2');
    await page.getByTestId('preview-cleanup').click();
    const preview = page.getByTestId('cleanup-preview');
    await expect(preview).toContainText('3 generations would be deleted');
    await expect(preview).toContainText('1, 2, 3');
    await expect(preview).toContainText('Kept anyway: 4');
    await expect(page.getByTestId('freeable')).not.toHaveText('0 B');
    const before = execFileSync('nix-env', ['-p', profile, '--list-generations'], { env: nixEnv, encoding: 'utf8' });
    expect(before.trim().split('\n')).toHaveLength(6);

    await page.getByTestId('confirm-cleanup').click();
    await expect(page.getByText('Deleted generations 1, 2, 3')).toBeVisible();
    const after = execFileSync('nix-env', ['-p', profile, '--list-generations'], { env: nixEnv, encoding: 'utf8' });
    expect(after.trim().split('\n').map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([4, 5, 6]);

    await page.goto(`${served.appUrl}#/system/generations`);
    await expect(page.getByTestId('generations-table').locator('tbody tr')).toHaveCount(3);
  });

  test('adds, checks and updates a channel', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/channels`);
    await expect(page.getByText('No channels')).toBeVisible();
    await page.getByLabel('Name').fill('nixos');
    await page.getByLabel('Address').fill(`${base}/nixos-24.11`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const row = page.getByTestId('channel-row-nixos');
    await expect(row).toContainText('not downloaded yet');

    await row.getByRole('button', { name: 'Update' }).click();
    await expect(row).toContainText('24.11.716.abc1234', { timeout: 60_000 });
    await page.getByTestId('check-updates').click();
    await expect(row).toContainText('up to date');
    expect(readFileSync(path.join(dir, 'root/.nix-channels'), 'utf8').trim()).toBe(`${base}/nixos-24.11 nixos`);
  });
});

/**
 * On the fixture NixOS host (make-host.mjs: real generations with the specialisation on-the-go, the
 * toy switch-to-configuration recording each activation): a running specialisation, and generation
 * actions that act on the generations their preview showed.
 */
test.describe('System: a running specialisation, and actions that carry their generation numbers', () => {
  let served: Served;
  let host: { systemProfile: string; currentSystem: string };
  let hostDir: string;
  const activations = () => (existsSync(path.join(hostDir, 'activation.log')) ? readFileSync(path.join(hostDir, 'activation.log'), 'utf8').split('\n').filter(Boolean) : []);
  const current = () => Number(/-(\d+)-link$/.exec(readlinkSync(host.systemProfile))![1]);
  const nixEnvOnProfile = (args: string[]) => execFileSync('nix-env', ['-p', host.systemProfile, ...args], { env: { ...process.env, NIX_CONFIG: fixtureNixConfig as string }, stdio: 'pipe' });
  const specialisationOf = (n: number) => realpathSync(`${host.systemProfile}-${n}-link/specialisation/on-the-go`);

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    // generations 2 and 3 have on-the-go; 3 is the boot default and was booted; the machine switched to 2's on-the-go since
    const made = (await makeHost(path.join(mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-spec-')), 'host'), { generations: 3, running: 2, runningSpecialisation: 'on-the-go' })) as {
      dir: string;
      hostFile: string;
      host: typeof host;
    };
    host = made.host;
    hostDir = made.dir;
    served = await startServe({ hostFile: made.hostFile, env: { NIX_CONFIG: fixtureNixConfig as string } });
  });

  test.afterAll(async () => {
    await served?.stop();
  });

  test('the running specialisation is its generation: badge, and the actions it offers', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/generations`);
    const row2 = page.getByTestId('generation-row-2');
    await expect(row2).toContainText('running on-the-go');
    await expect(page.getByTestId('generation-row-3')).toContainText('boot default');
    await expect(page.getByTestId('generation-row-3')).toContainText('booted');
    await expect(page.getByTestId('generation-row-3')).not.toContainText('running');
    // 2 runs its on-the-go already: no button for that; 3 offers its own
    await expect(row2.getByTestId('specialisation-button-on-the-go')).toHaveCount(0);
    await expect(page.getByTestId('generation-row-3').getByRole('button', { name: 'Switch to specialisation on-the-go' })).toBeVisible();
    await expect(page.getByTestId('generation-row-1').getByRole('button', { name: /specialisation/ })).toHaveCount(0);
    // everything fits: no action is cut off at the table's edge
    const wrap = page.locator('.sr-table-wrap');
    expect(await wrap.evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(1);
    await page.getByTestId('generations-table').screenshot({ path: path.join('test-results', 'e2e', 'generations-running-specialisation.png') });
  });

  test('a rollback whose preview went stale is refused in words, and nothing is activated', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/generations`);
    await page.getByTestId('generation-actions-2').getByTestId('rollback-button').click();
    const dialog = page.getByTestId('activation-dialog');
    await expect(dialog.getByTestId('side-before')).toContainText('Generation 3');
    const before = activations().length;
    nixEnvOnProfile(['--switch-generation', '1']);
    try {
      await dialog.getByTestId('activation-confirm').click();
      await expect(dialog).toContainText('The system changed since you looked: generation 1 is now current. Look again.');
      expect(current()).toBe(1);
      expect(activations().length).toBe(before);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      nixEnvOnProfile(['--switch-generation', '3']);
    }
  });

  test('switch to a specialisation: its own switch-to-configuration switch, the boot default unchanged', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/generations`);
    await page.getByTestId('generation-row-3').getByRole('button', { name: 'Switch to specialisation on-the-go' }).click();
    const dialog = page.getByTestId('activation-dialog');
    await expect(dialog.getByRole('heading')).toHaveText('Switch to specialisation on-the-go of generation 3?');
    await expect(dialog).toContainText('The boot default does not change: it stays generation 3.');
    await dialog.getByTestId('activation-confirm').click();
    await expect(page).toHaveURL(/#\/system\/rebuild$/);
    await expect(page.getByTestId('build-progress')).toHaveAttribute('data-status', 'done');
    expect(activations().at(-1)).toBe(`switch ${specialisationOf(3)}`);
    expect(realpathSync(host.currentSystem)).toBe(specialisationOf(3));
    expect(current()).toBe(3);
    await page.getByRole('tab', { name: 'Generations' }).click();
    await expect(page.getByTestId('generation-row-3')).toContainText('running on-the-go');
  });

  test('roll back from the list: the preview’s numbers travel with the action', async ({ page }) => {
    await page.goto(`${served.appUrl}#/system/generations`);
    await page.getByTestId('generation-actions-2').getByTestId('rollback-button').click();
    const dialog = page.getByTestId('activation-dialog');
    await expect(dialog.getByRole('heading')).toHaveText('Roll back to generation 2?');
    await dialog.getByTestId('activation-confirm').click();
    await expect(page).toHaveURL(/#\/system\/rebuild$/);
    await expect(page.getByTestId('build-progress')).toHaveAttribute('data-status', 'done');
    expect(current()).toBe(2);
    expect(activations().at(-1)).toBe(`switch ${realpathSync(`${host.systemProfile}-2-link`)}`);
  });
});
