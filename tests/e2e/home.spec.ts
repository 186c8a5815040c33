import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
import { startServe, type Served } from './serve';

test.describe('Home dashboard on a NixOS host (real nix profile)', () => {
  let served: Served;
  let host: Record<string, string>;

  test.beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-home-'));
    const made = await makeHost(dir, { generations: 3, running: 2, booted: 2 });
    host = made.host;
    served = await startServe({ hostFile: made.hostFile });
  });
  test.afterAll(async () => served?.stop());

  test('shows the real generations, versions and the running/boot-default warning', async ({ page }) => {
    const status = await served.rpc<{ nixosVersion: string; current: { generation: number }; running: { generation: number } }>('system.status');
    expect(status.current.generation).toBe(3);
    expect(status.running.generation).toBe(2);

    await page.goto(served.appUrl);
    await expect(page.getByTestId('page-home')).toBeVisible();
    await expect(page.getByTestId('nixos-version')).toHaveText(status.nixosVersion);
    await expect(page.getByTestId('current-generation')).toContainText('Generation 3');
    await expect(page.getByTestId('running-generation')).toContainText('Generation 2');
    await expect(page.getByTestId('status-warning').first()).toContainText('boot default is generation 3');
    await expect(page.getByTestId('config-kind')).toHaveText('Channels');
    await expect(page.getByTestId('store-size')).not.toBeEmpty();
    // the token was taken out of the address bar once read
    expect(page.url()).not.toContain('token=');
    expect(host.systemProfile).toContain('profiles/system');
  });

  test('navigates to every area from the sidebar', async ({ page }) => {
    await page.goto(served.appUrl);
    for (const [label, hash] of [
      ['Install media', '#/install'],
      ['System', '#/system'],
      ['Home Manager', '#/home-manager'],
      ['Search', '#/search'],
      ['Learn', '#/learn'],
      ['Home', '#/home'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: label, exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`${hash}$`));
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    }
  });
});

test.describe('Home on a machine that is not NixOS', () => {
  let served: Served;
  test.beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-debian-'));
    writeFileSync(path.join(dir, 'os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n');
    served = await startServe({
      host: {
        osReleaseFile: path.join(dir, 'os-release'),
        nixosMarkerFile: path.join(dir, 'NIXOS'),
        systemProfile: path.join(dir, 'profiles/system'),
        currentSystem: path.join(dir, 'run/current-system'),
        bootedSystem: path.join(dir, 'run/booted-system'),
        nixosConfigDir: path.join(dir, 'etc/nixos'),
        rootChannelsDir: path.join(dir, 'channels'),
        rootChannelsFile: path.join(dir, '.nix-channels'),
        homeManagerProfile: path.join(dir, 'hm/home-manager'),
        stateDir: path.join(dir, 'state'),
        cacheDir: path.join(dir, 'cache'),
        configDir: path.join(dir, 'config'),
      },
    });
  });
  test.afterAll(async () => served?.stop());

  test('says so plainly and leads to the installer wizard', async ({ page }) => {
    await page.goto(served.appUrl);
    await expect(page.getByTestId('not-nixos')).toContainText('running Debian GNU/Linux 12 (bookworm), not NixOS');
    await page.getByRole('button', { name: 'Make a NixOS USB stick' }).click();
    await expect(page).toHaveURL(/#\/install$/);
  });
});
