import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { nixEnv } from '../bench/system-closures.mjs';
import { startServe, type Served } from './serve';

/**
 * Flake inputs on the Channels tab in Chromium against the real app: a configuration folder whose
 * flake.lock the real `nix flake lock` made, an input that is a real git repository with a new commit,
 * the check (real `nix flake update` on a copy) and the update written by the real root helper.
 */

test.describe('System: flake inputs', () => {
  let served: Served;
  let dir: string;
  let cfg: string;
  let repo: string;
  let newRev: string;
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.org', '-c', 'user.name=T', ...args], { encoding: 'utf8' }).trim();

  test.beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-flake-'));
    cfg = path.join(dir, 'etc-nixos');
    repo = path.join(dir, 'hm');
    mkdirSync(cfg);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(path.join(repo, 'default.nix'), '{ }\n');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    writeFileSync(path.join(cfg, 'flake.nix'), `{\n  inputs.home-manager = { url = "git+file://${repo}"; flake = false; };\n  outputs = { self, ... }: { };\n}\n`);
    execFileSync('nix', ['--extra-experimental-features', 'nix-command flakes', 'flake', 'lock', cfg], { env: nixEnv, stdio: 'pipe' });
    writeFileSync(path.join(repo, 'default.nix'), '{ x = 1; }\n');
    git('commit', '-q', '-am', 'two');
    newRev = git('rev-parse', 'HEAD');
    served = await startServe({ host: { nixosConfigDir: cfg, rootChannelsFile: path.join(dir, 'root/.nix-channels'), rootChannelsDir: path.join(dir, 'channels'), privilege: 'direct' }, env: { NIX_CONFIG: nixEnv.NIX_CONFIG } });
  });

  test.afterAll(async () => {
    await served?.stop();
  });

  test('checks for newer inputs, shows old and new revisions, and writes flake.lock on Update', async ({ page }) => {
    const lockBefore = readFileSync(path.join(cfg, 'flake.lock'), 'utf8');
    await page.goto(`${served.appUrl}#/system/channels`);
    const card = page.getByTestId('flake-inputs');
    await expect(card).toContainText('Your configuration is a flake');
    await expect(page.getByTestId('flake-input-home-manager')).toBeVisible();
    await expect(page.getByTestId('flake-update')).toBeDisabled();

    await page.getByTestId('flake-check').click();
    const row = page.getByTestId('flake-input-home-manager');
    await expect(row).toContainText('newer version');
    await expect(row).toContainText(newRev.slice(0, 12));
    expect(readFileSync(path.join(cfg, 'flake.lock'), 'utf8')).toBe(lockBefore);

    await page.getByTestId('flake-update').click();
    await expect(page.getByText('flake.lock updated')).toBeVisible();
    await expect(page.getByTestId('flake-rebuild')).toBeVisible();
    expect(JSON.parse(readFileSync(path.join(cfg, 'flake.lock'), 'utf8')).nodes['home-manager'].locked.rev).toBe(newRev);
    expect(readdirSync(path.join(cfg, '.nixos-companion-backups')).length).toBe(1);

    await page.getByTestId('flake-rebuild').click();
    await expect(page).toHaveURL(/#\/system\/rebuild/);
  });
});
