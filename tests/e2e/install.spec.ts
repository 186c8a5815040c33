import { test, expect, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { candidateStableReleases } from '../../electron/services/installer/releases';
import { GRUB_RESCUE_ISO, IPXE_ISO, canUseLoop, makeLoop, makeVentoyLoop, readDevice, type Loop } from '../helpers/install-media';
import { startReleaseServer, type ReleaseServer } from '../helpers/release-server';
import { startServe, type Served } from './serve';

/**
 * The whole wizard in Chromium, as a newcomer walks it: pick a release, download and verify it from a
 * local release server, pick a loop device (never preselected), confirm, write, verify, read the summary.
 * Then the bytes on the device are compared with the image. SCREENSHOTS=<dir> also saves each step.
 */

const [newest, previous] = candidateStableReleases(new Date()) as [string, string];
const grub = readFileSync(GRUB_RESCUE_ISO);
const image = Buffer.concat([grub, Buffer.alloc(24 * 1024 * 1024, 0x5a)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test.skip(!canUseLoop(), 'needs root for loop devices');

let server: ReleaseServer;
let served: Served;
let dir: string;
const loops: Loop[] = [];
const shots = process.env.SCREENSHOTS;

async function shot(page: Page, name: string) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  // the page scrolls inside .main: let it grow so a full-page shot shows all of it
  const style = await page.addStyleTag({ content: '.shell { height: auto !important; min-height: 100%; } .main { overflow: visible !important; }' });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [w, h] of [
      [1280, 800],
      [900, 600],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: path.join(shots, `${name}-${w}-${scheme}.png`), fullPage: true });
    }
  }
  await style.evaluate((el) => (el as unknown as { remove(): void }).remove());
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nc-e2e-install-'));
  server = await startReleaseServer([
    { channel: `nixos-${newest}`, fileEdition: 'minimal', arch: 'x86_64', version: `${newest}.2201.8ac1d2e`, data: image },
    { channel: `nixos-${newest}`, fileEdition: 'graphical', arch: 'x86_64', version: `${newest}.2201.8ac1d2e`, data: readFileSync(IPXE_ISO) },
    { channel: `nixos-${previous}`, fileEdition: 'minimal', arch: 'x86_64', version: `${previous}.4410.0c9f3b1`, data: readFileSync(IPXE_ISO) },
    { channel: 'nixos-unstable', fileEdition: 'minimal', arch: 'x86_64', version: '27.05pre901234.1f2e3d4', data: readFileSync(IPXE_ISO) },
  ]);
  server.faults.bytesPerSecond = 12 * 1024 * 1024;
  served = await startServe({
    host: { channelBaseUrl: server.url, cacheDir: path.join(dir, 'cache'), starterConfigDir: path.join(dir, 'starter'), allowLoopDevices: true, privilege: 'direct' },
  });
});

test.afterAll(async () => {
  await served?.stop();
  await server?.close();
  for (const l of loops) l.detach();
  rmSync(dir, { recursive: true, force: true });
});

test('the whole wizard: choose, download and verify, pick a drive, confirm, write, verify, done', async ({ page }) => {
  test.setTimeout(180_000);
  const stick = makeLoop(dir, 'stick.img', 64 * 1024 * 1024);
  loops.push(stick);
  await page.goto(`${served.appUrl}#/install`);

  // 1. choose: releases come from the channel server, named by their redirect targets
  await expect(page.getByTestId(`release-nixos-${newest}`)).toContainText(`${newest}.2201.8ac1d2e`);
  await expect(page.getByTestId('release-nixos-unstable')).toBeVisible();
  await expect(page.getByTestId('arch-x86_64')).toContainText('This computer');
  await page.getByTestId('edition-minimal').click();
  await expect(page.getByTestId('resolved')).toContainText(`nixos-minimal-${newest}.2201.8ac1d2e-x86_64-linux.iso`);
  await shot(page, '1-choose');
  await page.getByTestId('start-image').click();

  // 2. download with the big progress display, then the verified checksum
  await expect(page.getByTestId('flash-progress')).toBeVisible();
  await expect(page.getByTestId('flash-speed')).not.toHaveText('—', { timeout: 15_000 });
  await shot(page, '2-download');
  await expect(page.getByTestId('image-ready')).toContainText('Checksum verified', { timeout: 60_000 });
  await expect(page.getByTestId('image-ready')).toContainText(sha(image));
  await shot(page, '2-ready');
  await page.getByTestId('to-drive').click();

  // 3. drives: the loop device is listed, nothing is preselected, the system disk is greyed out
  const row = page.getByTestId(`drive-${stick.name}`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId('write-button')).toBeDisabled();
  await expect(page.locator('input[name="drive"]:checked')).toHaveCount(0);
  await row.click();
  await shot(page, '3-drive');
  await page.getByTestId('write-button').click();
  const dialog = page.getByTestId('confirm-write');
  await expect(dialog).toContainText('Everything on this drive will be erased.');
  await expect(dialog).toContainText(stick.device);
  await expect(dialog).toContainText('67 MB');
  await shot(page, '3-confirm');
  await dialog.getByTestId('confirm-write-button').click();

  // 4-5. write, verify, summary with checksums
  await expect(page.getByTestId('step-done')).toBeVisible({ timeout: 90_000 });
  const summary = page.getByTestId('summary');
  await expect(summary).toContainText('ready and verified');
  await expect(page.getByTestId('checksums')).toContainText('SHA-256 read back from the stick');
  await expect(page.getByTestId('checksums').locator('.badge.ok')).toHaveCount(2);
  await expect(page.getByTestId('after-writing')).toContainText('nixos-generate-config');
  await page.getByTestId('starter-user').fill('alice');
  await expect(page.getByTestId('starter-preview')).toContainText('users.users.alice', { timeout: 15_000 });
  await expect(page.getByTestId('starter-config')).toContainText('Checked with nix-instantiate --parse');
  await shot(page, '5-done');
  await page.getByTestId('eject').click();
  await expect(summary).toContainText('You can unplug it now');

  // the bytes on the device are the image, byte for byte
  expect(readDevice(stick.device, image.length).equals(image)).toBe(true);
});

test('a Ventoy stick gets the ISO copied next to its others, with the warning said plainly', async ({ page }) => {
  test.setTimeout(180_000);
  const stick = makeVentoyLoop(dir);
  loops.push(stick);
  await page.goto(`${served.appUrl}#/install`);
  await page.getByTestId('edition-minimal').click();
  await expect(page.getByTestId('resolved')).toContainText('nixos-minimal');
  await page.getByTestId('start-image').click();
  await expect(page.getByTestId('image-ready')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('to-drive').click();
  await page.getByTestId(`drive-${stick.name}`).click();
  await page.getByTestId('mode-ventoy').click();
  await expect(page.getByText('known to be unreliable')).toBeVisible();
  await expect(page.getByTestId('ventoy-info')).toContainText('free on the stick');
  await shot(page, '3-ventoy');
  await page.getByTestId('write-button').click();
  await page.getByTestId('confirm-write').getByTestId('confirm-write-button').click();
  await expect(page.getByTestId('step-done')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('summary')).toContainText('on your Ventoy stick');
  await expect(page.getByTestId('summary')).toContainText('known to be unreliable');
});

test('a failed write says what happened and offers another drive, never "done"', async ({ page }) => {
  test.setTimeout(120_000);
  const stick = makeLoop(dir, 'ro.img', 64 * 1024 * 1024);
  loops.push(stick);
  await page.goto(`${served.appUrl}#/install`);
  await page.getByTestId('edition-minimal').click();
  await expect(page.getByTestId('resolved')).toBeVisible();
  await page.getByTestId('start-image').click();
  await expect(page.getByTestId('image-ready')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('to-drive').click();
  await page.getByTestId(`drive-${stick.name}`).click();
  // someone flips the stick's write-protect switch after it was picked
  const { execFileSync } = await import('node:child_process');
  execFileSync('blockdev', ['--setro', stick.device]);
  await page.getByTestId('write-button').click();
  await page.getByTestId('confirm-write').getByTestId('confirm-write-button').click();
  await expect(page.getByRole('alert')).toContainText(/read-only/, { timeout: 30_000 });
  await expect(page.getByTestId('step-done')).toHaveCount(0);
  await shot(page, '4-failed');
  await page.getByTestId('back-to-drives').click();
  await expect(page.getByTestId(`drive-${stick.name}`)).toContainText('read-only');
  execFileSync('blockdev', ['--setrw', stick.device]);
});
