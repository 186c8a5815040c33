import { test, expect, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { candidateStableReleases } from '../../electron/services/installer/releases';
import { GRUB_RESCUE_ISO, IPXE_ISO, canUseLoop, makeLoop, makeVentoyLoop, readDevice, type Loop } from '../helpers/install-media';
import { deadUrl, startReleaseServer, type ReleaseServer } from '../helpers/release-server';
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
  // drives are named as people know them: never by a bus id like the virtio disk's vendor "0x1af4"
  await expect(page.locator('.drive-title').first()).toBeVisible();
  await expect(page.locator('.drive-title').filter({ hasText: /0x[0-9a-f]{4}/i })).toHaveCount(0);
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
  // written for the release on the stick: its stateVersion, and option names as that release knows them
  await expect(page.getByTestId('starter-preview')).toContainText(`system.stateVersion = "${newest}";`);
  await expect(page.getByTestId('starter-preview')).toContainText(Number(newest.replace('.', '')) >= 2511 ? 'services.desktopManager.gnome.enable = true;' : 'services.xserver.desktopManager.gnome.enable = true;');
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

test('an ISO file I have: a wrong checksum is refused, then the write and read-back show their progress', async ({ page }) => {
  test.setTimeout(240_000);
  // big enough that writing and verifying take seconds on a loop device: the real ISO, then zeros (sparse)
  const local = path.join(dir, 'my-nixos.iso');
  const { writeFileSync, truncateSync, openSync, readSync, closeSync } = await import('node:fs');
  writeFileSync(local, grub);
  const size = 1024 * 1024 * 1024;
  truncateSync(local, size);
  const hash = createHash('sha256');
  {
    const fd = openSync(local, 'r');
    const buf = Buffer.alloc(8 * 1024 * 1024);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
    closeSync(fd);
  }
  const localSha = hash.digest('hex');
  const stick = makeLoop(dir, 'big-stick.img', size + 64 * 1024 * 1024);
  loops.push(stick);
  await page.goto(`${served.appUrl}#/install`);
  await page.getByRole('tab', { name: 'Use an ISO file I have' }).click();
  await page.getByTestId('local-path').fill(local);
  await page.getByTestId('local-sha256').fill('0'.repeat(64));
  await page.getByTestId('start-image').click();
  await expect(page.getByRole('alert')).toContainText('does not match the checksum you gave', { timeout: 60_000 });
  await expect(page.getByTestId('to-drive')).toHaveCount(0);
  await shot(page, '2-local-mismatch');
  await page.getByTestId('stepper-choose').click();
  await page.getByTestId('local-sha256').fill(`${localSha}  my-nixos.iso`);
  await page.getByTestId('start-image').click();
  await expect(page.getByTestId('image-ready')).toContainText('Checksum verified', { timeout: 60_000 });
  await shot(page, '2-local-ready');
  await page.getByTestId('to-drive').click();
  await page.getByTestId(`drive-${stick.name}`).click();

  // every state the progress display goes through, recorded in the page so none is missed between polls
  await page.evaluate(() => {
    const seen: { phase: string; bytes: string; speed: string; eta: string; pct: string }[] = [];
    (window as unknown as { seen: typeof seen }).seen = seen;
    const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="flash-progress"]');
      if (el) seen.push({ phase: el.getAttribute('data-phase') ?? '', bytes: text('flash-bytes'), speed: text('flash-speed'), eta: text('flash-eta'), pct: text('flash-percent') });
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.getByTestId('write-button').click();
  await page.getByTestId('confirm-write').getByTestId('confirm-write-button').click();
  await expect(page.getByTestId('flash-progress')).toBeVisible();
  if (shots) {
    await expect(page.getByTestId('flash-speed')).not.toHaveText('—');
    await shot(page, '4-write');
  }
  await expect(page.getByTestId('step-done')).toBeVisible({ timeout: 180_000 });
  const seen = await page.evaluate(() => (window as unknown as { seen: { phase: string; bytes: string; speed: string; eta: string; pct: string }[] }).seen);
  const writing = seen.filter((x) => x.phase === 'write' && /of 1\.0 GiB/.test(x.bytes));
  const verifying = seen.filter((x) => x.phase === 'verify-write' && /of 1\.0 GiB/.test(x.bytes));
  expect(writing.some((x) => /\/s$/.test(x.speed) && /\d s$/.test(x.eta) && /%$/.test(x.pct)), JSON.stringify(seen.slice(0, 20))).toBe(true);
  expect(verifying.length, JSON.stringify(seen.slice(-20))).toBeGreaterThan(0);
  await expect(page.getByTestId('summary')).toContainText('ready and verified');
  await expect(page.getByTestId('checksums')).toContainText('SHA-256 you gave');
  await expect(page.getByTestId('checksums').locator('.badge.ok')).toHaveCount(2);
  expect(readDevice(stick.device, grub.length).equals(grub)).toBe(true);
});

test('an ISO file I have: a text file is refused in one sentence, a real ISO is accepted, a missing file asks for another', async ({ page }) => {
  const NOT_AN_IMAGE = 'This file is not a disk image (it has no ISO 9660, MBR or GPT signature). Choose the .iso file you downloaded.';
  const text = path.join(dir, 'hostname');
  writeFileSync(text, 'nc\n');
  await page.goto(`${served.appUrl}#/install`);
  await page.getByRole('tab', { name: 'Use an ISO file I have' }).click();
  // a browser cannot hand over a path: no file picker, and the page says why
  await expect(page.getByTestId('local-path')).toBeVisible();
  await expect(page.getByTestId('pick-image')).toHaveCount(0);
  await expect(page.getByTestId('local-path-hint')).toContainText('a browser does not tell the app where a file is saved');
  await shot(page, '1-local');

  // a file dropped on the window: its name is known, its place is not, and the page says so
  const dropped = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['not really an iso'], 'nixos-minimal-25.11-x86_64-linux.iso'));
    return dt;
  });
  await page.getByTestId('local-file').dispatchEvent('drop', { dataTransfer: dropped });
  await expect(page.getByTestId('dropped-in-browser')).toContainText('Type or paste its full path in the box above, for example /home/you/Downloads/nixos-minimal-25.11-x86_64-linux.iso');
  await expect(page.getByTestId('step-choose')).toBeVisible();
  await shot(page, '1-local-dropped');

  // 3 bytes of text: refused before anything else, with no way on to the drives
  await page.getByTestId('local-path').fill(text);
  await page.getByTestId('start-image').click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(NOT_AN_IMAGE);
  await expect(page.getByTestId('image-ready')).toHaveCount(0);
  await expect(page.getByTestId('to-drive')).toHaveCount(0);
  await expect(page.getByTestId('stepper-drive')).toBeDisabled();
  await expect(alert.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  await shot(page, '2-local-refused');

  // a real isohybrid ISO goes through
  await page.getByTestId('choose-another-file').click();
  await page.getByTestId('local-path').fill(IPXE_ISO);
  await page.getByTestId('start-image').click();
  const ready = page.getByTestId('image-ready');
  await expect(ready).toContainText('ipxe.iso', { timeout: 30_000 });
  await expect(ready).toContainText(`Your file: ${IPXE_ISO}`);
  await expect(ready).not.toContainText('not a hybrid ISO');
  await expect(page.getByTestId('to-drive')).toBeEnabled();
  await shot(page, '2-local-ipxe');

  // a file that is not there: choose another, not "try again"
  await page.getByTestId('stepper-choose').click();
  const missing = path.join(dir, 'Downloads', 'nixos.iso');
  await page.getByTestId('local-path').fill(missing);
  await page.getByTestId('start-image').click();
  await expect(alert).toContainText(`There is no file at ${missing}.`);
  await expect(page.getByTestId('choose-another-file')).toHaveText('Choose another file');
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  await expect(page.getByTestId('to-drive')).toHaveCount(0);
  await shot(page, '2-local-missing');
  await page.getByTestId('choose-another-file').click();
  await expect(page.getByTestId('local-path')).toHaveValue(missing);
});

test('offline: one empty state says the release list could not be fetched, why, and offers a file I have', async ({ page }) => {
  const offline = await startServe({ host: { channelBaseUrl: await deadUrl(), cacheDir: path.join(dir, 'offline-cache'), privilege: 'direct' } });
  try {
    await page.goto(`${offline.appUrl}#/install`);
    const empty = page.getByTestId('catalog-unavailable');
    await expect(empty).toContainText('The list of NixOS releases could not be fetched');
    await expect(empty.locator('.catalog-reason')).toHaveText(/^Could not reach 127\.0\.0\.1:\d+: nothing answered there \(the connection was refused\)\./);
    // no empty Release, Edition or Architecture cards, no dead Download button
    await expect(page.getByRole('radiogroup')).toHaveCount(0);
    await expect(page.locator('.card-title')).toHaveCount(0);
    await expect(page.getByTestId('start-image')).toHaveCount(0);
    // the raw error is there for who wants it, under Details
    await expect(empty.locator('pre')).toBeHidden();
    await empty.getByText('Details').click();
    await expect(empty.locator('pre')).toContainText('ECONNREFUSED');
    await shot(page, '1-offline');
    await empty.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByTestId('catalog-unavailable')).toContainText('could not be fetched');
    await page.getByTestId('catalog-use-local').click();
    await expect(page.getByTestId('local-path')).toBeVisible();
    await expect(page.getByRole('tab', { name: 'Use an ISO file I have' })).toHaveAttribute('aria-selected', 'true');
  } finally {
    await offline.stop();
  }
});

/**
 * The desktop window's side of "an ISO file I have", which needs the Electron preload (no Electron binary
 * runs here). A STAND-IN for electron/preload.ts's `window.companion` is put in the page before the app
 * loads: `call` and `on` go over the same loopback transport the browser uses, and `pathForFile` plays
 * Electron 39's webUtils.getPathForFile (the path of a File from disk; '' for a File made in the page),
 * here answering for the one file the test drops.
 */
test('in the desktop window: a file picker button, and a dropped file fills in its path', async ({ page }) => {
  await page.addInitScript((isoPath) => {
    const token = new URL(location.href).searchParams.get('token') ?? sessionStorage.getItem('standin-token') ?? '';
    sessionStorage.setItem('standin-token', token);
    const listeners = new Set<(e: unknown) => void>();
    const ws = new WebSocket(`ws://${location.host}/events?token=${encodeURIComponent(token)}`);
    ws.onopen = () => listeners.forEach((l) => l({ topic: 'connection', state: 'open' }));
    ws.onmessage = (m) => listeners.forEach((l) => l(JSON.parse(String(m.data))));
    (window as unknown as { companion: unknown }).companion = {
      call: async (method: string, params: unknown) =>
        (await fetch('/rpc', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ method, params }) })).json(),
      on: (l: (e: unknown) => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      pathForFile: (file: File) => (file.name === 'ipxe.iso' ? isoPath : ''),
    };
  }, IPXE_ISO);
  await page.goto(`${served.appUrl}#/install`);
  await page.getByRole('tab', { name: 'Use an ISO file I have' }).click();
  await expect(page.getByTestId('pick-image')).toHaveText('Choose file…');
  await expect(page.getByTestId('local-path-hint')).toContainText('Choose the file, drop it on this window, or type its full path');
  const drop = async (name: string) => {
    const dt = await page.evaluateHandle((n) => {
      const d = new DataTransfer();
      d.items.add(new File(['x'], n));
      return d;
    }, name);
    await page.getByTestId('local-file').dispatchEvent('drop', { dataTransfer: dt });
  };
  await drop('ipxe.iso');
  await expect(page.getByTestId('local-path')).toHaveValue(IPXE_ISO);
  await expect(page.getByTestId('dropped-in-browser')).toHaveCount(0);
  await shot(page, '1-local-desktop');
  await page.getByTestId('start-image').click();
  await expect(page.getByTestId('image-ready')).toContainText('ipxe.iso', { timeout: 30_000 });
  await expect(page.getByTestId('to-drive')).toBeEnabled();
});
