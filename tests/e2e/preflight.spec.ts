import { expect, test } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
import { addToConfig, NIX_CONFIG } from '../fixtures/system-host';
import { startServe, type Served } from './serve';

/**
 * The pre-flight as a person meets it: /boot is a real 16 MiB ext2 file system (mount -o loop), nearly
 * full of the fixture host's boot files and filler. A switch with a new kernel is refused before anything
 * starts, with the numbers in words and one button that makes room; after it the switch goes through.
 * Rollback and Clean up show the same card.
 */

const KiB = 1024;
let root: string;
let bootDir: string;
let dir: string;
let host: { systemProfile: string; nixosConfigDir: string };
let original: string;
let served: Served;

const canMount = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v mkfs.ext2 && command -v mount']).status === 0;
const activations = () => (existsSync(path.join(dir, 'activation.log')) ? readFileSync(path.join(dir, 'activation.log'), 'utf8').split('\n').filter(Boolean) : []);
const currentGeneration = () => Number(/-(\d+)-link$/.exec(readlinkSync(host.systemProfile))![1]);
const freeBlocks = () => {
  const s = statfsSync(bootDir);
  return (s.bavail * s.bsize) / KiB;
};
function fillTo(blocks: number, name: string) {
  const filler = path.join(bootDir, `${name}-filler`);
  mkdirSync(filler, { recursive: true });
  const big = freeBlocks() - blocks - 64;
  if (big > 0) writeFileSync(path.join(filler, 'big'), Buffer.alloc((big - 8) * KiB));
  for (let i = 0; freeBlocks() > blocks; i++) writeFileSync(path.join(filler, `small-${i}`), 'x');
}

test.skip(!canMount, 'needs root, mkfs.ext2 and mount -o loop');

test.beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-preflight-'));
  bootDir = path.join(root, 'boot');
  mkdirSync(bootDir);
  const image = path.join(root, 'boot.img');
  execFileSync('truncate', ['-s', '16M', image]);
  execFileSync('mkfs.ext2', ['-q', '-F', '-b', '1024', '-m', '0', image]);
  execFileSync('mount', ['-o', 'loop', image, bootDir]);
  const made = (await makeHost(path.join(root, 'host'), { generations: 3, bootDir })) as { dir: string; hostFile: string; host: typeof host };
  ({ dir, host } = made);
  original = readFileSync(path.join(host.nixosConfigDir, 'configuration.nix'), 'utf8');
  fillTo(3, 'switch');
  served = await startServe({ hostFile: made.hostFile, env: { NIX_CONFIG } });
  await served.rpc('system.settings.set', { previewBeforeSwitch: false });
});
test.afterAll(async () => {
  await served?.stop();
  if (bootDir) spawnSync('umount', [bootDir]);
  if (root) rmSync(root, { recursive: true, force: true });
});

test('Clean up says what removing the old boot entries frees, with the boot menu rebuild in the same click', async ({ page }) => {
  await page.goto(`${served.appUrl}#/system/cleanup`);
  await page.getByRole('spinbutton', { name: 'Days', exact: true }).fill('1');
  await page.getByTestId('preview-cleanup').click();
  const card = page.getByTestId('cleanup-preflight');
  await expect(card).toContainText('Rebuild the boot menu after deleting');
  await expect(card).toContainText(`Removing 1 old boot entry frees 3.1 kB on ${bootDir}.`);
  await expect(card.getByTestId('preflight-fix')).toHaveText('Delete generations older than 1 day, then rebuild the boot menu');
  await card.screenshot({ path: 'test-results/e2e/preflight-cleanup.png' });
});

test('a switch whose new kernel does not fit on /boot is refused before it starts; the one fix makes room and the switch goes through', async ({ page }) => {
  const before = activations();
  writeFileSync(path.join(host.nixosConfigDir, 'configuration.nix'), addToConfig(original, '  boot.kernelPackages = pkgs.linuxPackages_latest;'));
  await page.goto(`${served.appUrl}#/system/rebuild`);
  await page.getByRole('radio', { name: /Switch/ }).check();
  await page.getByTestId('rebuild-start').click();
  const card = page.getByTestId('preflight-card');
  await expect(card).toContainText(`Not enough space on ${bootDir} for the new kernel`);
  await expect(card.getByTestId('preflight-boot-space')).toHaveText(new RegExp(`^${bootDir} has 3\\.1 kB free; the new kernel needs (about )?5\\.1 kB\\. Removing 1 old boot entry frees 3\\.1 kB\\.$`));
  await page.screenshot({ path: 'test-results/e2e/preflight-rebuild.png' });
  expect(activations()).toEqual(before);
  expect(currentGeneration()).toBe(3);

  await card.getByTestId('preflight-fix').click();
  await expect(page.getByTestId('preflight-fixed')).toContainText(`Deleted generation 1. The boot menu was rebuilt. 3.1 kB freed on ${bootDir}.`);
  expect(readdirSync(path.join(bootDir, 'loader/entries'))).not.toContain('nixos-generation-1.conf');
  await page.getByTestId('preflight-start-again').click();
  await expect.poll(currentGeneration, { timeout: 60_000 }).toBe(4);
  await expect(page.getByTestId('preflight-card')).toHaveCount(0);
  expect(activations().at(-1)).toMatch(/^switch \/nix\/store\/.*-nixos-system-nixbox-/);
});

test('the rollback dialog shows the card and waits for the fix when the target’s kernel cannot fit', async ({ page }) => {
  // generation 3's kernel and initrd gone from /boot (as a boot entry limit prunes them), and no room to copy them back
  const nixosDir = path.join(bootDir, 'EFI/nixos');
  for (const f of readdirSync(nixosDir).filter((n) => n.includes('linux-6.6.64'))) unlinkSync(path.join(nixosDir, f));
  fillTo(1, 'rollback');
  await page.goto(`${served.appUrl}#/system/generations`);
  await page.getByTestId('generation-actions-3').getByTestId('rollback-button').click();
  const dialog = page.getByTestId('activation-dialog');
  const card = dialog.getByTestId('preflight-card');
  await expect(card.getByTestId('preflight-boot-space')).toHaveText(`${bootDir} has 1 kB free; the kernel of generation 3 needs 3.1 kB. Removing 2 old boot entries frees 4.1 kB.`);
  await expect(dialog.getByTestId('activation-confirm')).toBeDisabled();
  await dialog.screenshot({ path: 'test-results/e2e/preflight-rollback.png' });
  const before = activations();
  await card.getByTestId('preflight-fix').click();
  await expect(card.getByTestId('preflight-fixed')).toContainText('Deleted generation 2.');
  expect(activations()).toEqual([...before, expect.stringMatching(/^boot /)]);
  await expect(dialog.getByTestId('activation-confirm')).toBeEnabled();
  await dialog.getByTestId('activation-confirm').click();
  await expect.poll(currentGeneration, { timeout: 60_000 }).toBe(3);
  expect(readdirSync(nixosDir).filter((n) => n.includes('linux-6.6.64'))).toHaveLength(2);
});
