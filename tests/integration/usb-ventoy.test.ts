import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testApp } from '../helpers/app';
import { GRUB_RESCUE_ISO, loopMissing, helperHostFile, makeImage, makeVentoyLoop, sha256, type Loop } from '../helpers/install-media';
import { describeIfAvailable } from '../helpers/skip';

/** A Ventoy-shaped stick on a real loop device: MBR, exFAT "Ventoy" + 32 MiB FAT "VTOYEFI", real mkfs tools. */

const hasTools = (() => {
  try {
    // both print their version and exit non-zero on -V/--help, so look them up on PATH
    execFileSync('sh', ['-c', 'command -v mkfs.exfat && command -v mkfs.vfat && command -v sfdisk && command -v partx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const run = describeIfAvailable(loopMissing() ?? (hasTools ? null : 'mkfs.exfat, mkfs.vfat, sfdisk and partx'));
const MiB = 1024 * 1024;

/** Mount the data partition as the tests' own reader (kernel exfat, else exfat-fuse). */
function withMounted<T>(partition: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync('/tmp/nc-ventoy-check-');
  try {
    try {
      execFileSync('mount', ['-t', 'exfat', '-o', 'ro', partition, dir], { stdio: 'ignore' });
    } catch {
      execFileSync('mount', ['-t', 'exfat-fuse', '-o', 'ro', partition, dir], { stdio: 'ignore' });
    }
    return fn(dir);
  } finally {
    execFileSync('umount', [dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

run('Ventoy sticks', () => {
  let dir: string;
  let stick: Loop;
  let app: Awaited<ReturnType<typeof testApp>>;
  const previousHost = process.env.NIXOS_COMPANION_HOST;

  beforeAll(async () => {
    dir = tempDir('nc-ventoy-');
    const keys = { allowLoopDevices: true, cacheDir: path.join(dir, 'cache') };
    process.env.NIXOS_COMPANION_HOST = helperHostFile(dir, keys);
    app = await testApp(keys);
    stick = makeVentoyLoop(dir);
  });
  afterAll(async () => {
    stick?.detach();
    if (previousHost === undefined) delete process.env.NIXOS_COMPANION_HOST;
    else process.env.NIXOS_COMPANION_HOST = previousHost;
    rmSync(dir, { recursive: true, force: true });
  });

  it('recognises the stick from its partition labels', async () => {
    const { drives } = await app.call('usb.drives', {});
    const d = drives.find((x) => x.path === stick.device)!;
    expect(d.ventoy).toMatchObject({ dataPartition: `${stick.device}p1`, efiPartition: `${stick.device}p2`, fsType: 'exfat' });
    const info = await app.call('usb.ventoyInfo', { device: stick.device });
    expect(info.freeBytes).toBeGreaterThan(150 * MiB);
    expect(info.isos).toEqual([]);
  });

  it('copies the ISO, its checksum and the starter configuration, and verifies the copy from the stick', async () => {
    const image = makeImage(dir, GRUB_RESCUE_ISO, 20 * MiB, 'nixos-minimal-26.11.1.abc-x86_64-linux.iso');
    const drive = (await app.call('usb.drives', {})).drives.find((x) => x.path === stick.device)!;
    const configuration = '{ config, pkgs, ... }:\n{\n  networking.hostName = "testbox";\n}\n';
    const { jobId } = await app.call('usb.copyToVentoy', { image: image.path, device: stick.device, expected: { size: drive.size, serial: drive.serial, diskseq: drive.diskseq }, sha256: image.sha256, configuration });
    const phases: string[] = [];
    const off = app.ctx.events.on((e) => {
      if (e.topic === 'job' && e.jobId === jobId && e.kind === 'phase') phases.push(e.phase);
    });
    const s = await app.ctx.jobs.wait(jobId);
    off();
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    expect(phases).toEqual(expect.arrayContaining(['copy', 'verify']));
    expect(s.result).toMatchObject({ sha256: image.sha256, verified: true, checksumFile: `${path.basename(image.path)}.sha256`, configurationFile: 'configuration.nix' });
    withMounted(`${stick.device}p1`, (mnt) => {
      expect(sha256(readFileSync(path.join(mnt, path.basename(image.path))))).toBe(image.sha256);
      expect(readFileSync(path.join(mnt, `${path.basename(image.path)}.sha256`), 'utf8')).toBe(`${image.sha256}  ${path.basename(image.path)}`);
      expect(readFileSync(path.join(mnt, 'configuration.nix'), 'utf8')).toBe(configuration);
    });
    const info = await app.call('usb.ventoyInfo', { device: stick.device });
    expect(info.isos).toEqual([{ name: path.basename(image.path), size: image.size }]);
    // the app never leaves the stick mounted
    // findmnt exits 1 when the source is mounted nowhere
    expect(() => execFileSync('findmnt', ['-n', '-S', `${stick.device}p1`], { stdio: 'ignore' })).toThrow(/status 1|Command failed/);
  }, 120_000);

  it('refuses an image that does not match its published checksum and leaves nothing on the stick', async () => {
    const image = makeImage(dir, GRUB_RESCUE_ISO, 1 * MiB, 'other.iso');
    const { jobId } = await app.call('usb.copyToVentoy', { image: image.path, device: stick.device, sha256: 'a'.repeat(64) });
    const s = await app.ctx.jobs.wait(jobId);
    expect(s.status).toBe('failed');
    expect(s.error?.message).toMatch(/published checksum/);
    withMounted(`${stick.device}p1`, (mnt) => {
      expect(() => readFileSync(path.join(mnt, 'other.iso'))).toThrow();
      expect(() => readFileSync(path.join(mnt, 'other.iso.part'))).toThrow();
    });
  });

  it('refuses a stick that is not Ventoy', async () => {
    const { makeLoop } = await import('../helpers/install-media');
    const plain = makeLoop(dir, 'plain.img', 64 * MiB);
    try {
      const err = await app.callError('usb.copyToVentoy', { image: GRUB_RESCUE_ISO, device: plain.device });
      expect(err.code).toBe('refused');
      expect(err.message).toMatch(/not a Ventoy stick/);
    } finally {
      plain.detach();
    }
  });
});
