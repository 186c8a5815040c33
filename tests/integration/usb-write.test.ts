import { execFileSync } from 'node:child_process';
import { constants, openSync, closeSync, rmSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../shared/contract';
import { writeImage } from '../../electron/services/usb/image-writer';
import { tempDir, testApp } from '../helpers/app';
import { GRUB_RESCUE_ISO, IPXE_ISO, attachLoop, loopMissing, helperHostFile, makeImage, makeLoop, readDevice, sha256, sh, type Loop } from '../helpers/install-media';
import { describeIfAvailable } from '../helpers/skip';

/**
 * Real writes to real loop devices through the real API (router -> service -> root helper -> O_DIRECT),
 * with real isohybrid images, and the faults a stick can throw at a writer.
 */

const run = describeIfAvailable(loopMissing());
const MiB = 1024 * 1024;

run('usb.write on loop devices', () => {
  let dir: string;
  let app: Awaited<ReturnType<typeof testApp>>;
  const loops: Loop[] = [];
  const previousHost = process.env.NIXOS_COMPANION_HOST;
  let bigImage: { path: string; size: number; sha256: string };

  beforeAll(async () => {
    dir = tempDir('nc-usb-');
    const keys = { allowLoopDevices: true, keepAwake: true, cacheDir: path.join(dir, 'cache') };
    // the helper is spawned as a separate process and reads its host from this file
    process.env.NIXOS_COMPANION_HOST = helperHostFile(dir, keys);
    app = await testApp(keys);
    bigImage = makeImage(dir, GRUB_RESCUE_ISO, 384 * MiB, 'big.iso');
  });
  afterEach(() => {
    while (loops.length) loops.pop()!.detach();
  });
  afterAll(async () => {
    if (previousHost === undefined) delete process.env.NIXOS_COMPANION_HOST;
    else process.env.NIXOS_COMPANION_HOST = previousHost;
    await app?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const loop = (name: string, size: number, opts: { readOnly?: boolean } = {}) => {
    const l = makeLoop(dir, name, size, opts);
    loops.push(l);
    return l;
  };
  const driveOf = async (device: string, image?: string) => {
    const { drives } = await app.call('usb.drives', image ? { image } : {});
    const d = drives.find((x) => x.path === device);
    if (!d) throw new Error(`${device} not listed`);
    return d;
  };
  const write = async (params: { image: string; device: string; verify?: boolean; expected?: { size: number; serial: string | null; diskseq?: number | null } }, during?: (e: { phase?: string; bytesDone?: number }) => void) => {
    const { jobId } = await app.call('usb.write', params);
    const off = app.ctx.events.on((e) => {
      if (e.topic !== 'job' || e.jobId !== jobId) return;
      if (e.kind === 'phase') during?.({ phase: e.phase });
      if (e.kind === 'progress') during?.({ bytesDone: e.progress.bytesDone ?? 0, phase: e.progress.message ?? '' });
    });
    const summary: JobSummary = await app.ctx.jobs.wait(jobId);
    off();
    return summary;
  };

  it('lists loop devices only when the host allows them, with identity and no preselection', async () => {
    const l = loop('list.img', 64 * MiB);
    const d = await driveOf(l.device);
    expect(d.type).toBe('loop');
    expect(d.size).toBe(64 * MiB);
    expect(d.diskseq).toBeTypeOf('number');
    expect(d.blockedReason).toBeNull();
    const strict = await testApp({ allowLoopDevices: false });
    const { drives, loopDevicesShown } = await strict.call('usb.drives', {});
    expect(loopDevicesShown).toBe(false);
    expect(drives.some((x) => x.path === l.device)).toBe(false);
    const root = drives.find((x) => x.mountpoints.includes('/'));
    if (root) {
      expect(root.system).toBe(true);
      expect(root.blockedReason).toBe('system');
    }
  });

  it('announces drives plugged in and out (changed: drives), only on a change', async () => {
    await app.call('usb.drives', {});
    await new Promise((r) => setTimeout(r, 2500));
    let changes = 0;
    const off = app.ctx.events.on((e) => {
      if (e.topic === 'changed' && e.what === 'drives') changes++;
    });
    try {
      await new Promise((r) => setTimeout(r, 2500));
      expect(changes).toBe(0);
      const l = loop('plugged.img', 8 * MiB);
      const deadline = Date.now() + 6000;
      while (changes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(changes).toBeGreaterThan(0);
      const before = changes;
      l.detach();
      while (changes === before && Date.now() < deadline + 6000) await new Promise((r) => setTimeout(r, 100));
      expect(changes).toBeGreaterThan(before);
    } finally {
      off();
    }
  });

  it('writes a real isohybrid image byte for byte, first MiB included, and verifies it', async () => {
    const l = loop('ipxe.img', 16 * MiB);
    const img = readFileSync(IPXE_ISO);
    const d = await driveOf(l.device, IPXE_ISO);
    const phases: string[] = [];
    const s = await write({ image: IPXE_ISO, device: l.device, expected: { size: d.size, serial: d.serial, diskseq: d.diskseq } }, (e) => e.phase && !e.bytesDone && phases.push(e.phase));
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    const r = s.result as { imageSha256: string; deviceSha256: string; verified: boolean; direct: boolean; bytesWritten: number };
    expect(r.verified).toBe(true);
    expect(r.direct).toBe(true);
    expect(r.bytesWritten).toBe(img.length);
    expect(r.imageSha256).toBe(sha256(img));
    expect(r.deviceSha256).toBe(sha256(img));
    expect(readDevice(l.device, img.length).equals(img)).toBe(true);
    expect(phases).toEqual(expect.arrayContaining(['write', 'verify']));
  });

  it('writes an image whose size is not a multiple of a MiB (grub-rescue) without verify when asked', async () => {
    const l = loop('grub.img', 32 * MiB);
    const img = readFileSync(GRUB_RESCUE_ISO);
    const s = await write({ image: GRUB_RESCUE_ISO, device: l.device, verify: false });
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    const r = s.result as { verified: boolean; deviceSha256: string | null };
    expect(r.verified).toBe(false);
    expect(r.deviceSha256).toBeNull();
    expect(readDevice(l.device, img.length).equals(img)).toBe(true);
  });

  it('reports progress with bytes, speed and ETA several times a second', async () => {
    const l = loop('progress.img', 512 * MiB);
    const samples: number[] = [];
    const { jobId } = await app.call('usb.write', { image: bigImage.path, device: l.device });
    const seen: { bytesDone?: number; bytesPerSecond?: number; etaSeconds?: number; t: number }[] = [];
    const off = app.ctx.events.on((e) => {
      if (e.topic === 'job' && e.jobId === jobId && e.kind === 'progress') seen.push({ ...e.progress, t: Date.now() });
    });
    const s = await app.ctx.jobs.wait(jobId);
    off();
    expect(s.status, JSON.stringify(s.error)).toBe('done');
    const writing = seen.filter((p) => (p.bytesDone ?? 0) > 0 && (p.bytesDone ?? 0) < bigImage.size);
    // several times a second: within a phase (write, then verify, where bytesDone starts again) no gap
    // between two reports is long, however fast or slow this machine writes (the fdatasync between the
    // phases is not a phase)
    expect(writing.length).toBeGreaterThanOrEqual(2);
    const gaps = writing.slice(1).flatMap((p, i) => ((p.bytesDone ?? 0) > (writing[i]!.bytesDone ?? 0) ? [p.t - writing[i]!.t] : []));
    expect(Math.max(0, ...gaps), `gaps between progress reports (ms): ${gaps.join(', ')}`).toBeLessThan(700);
    expect(writing.some((p) => (p.bytesPerSecond ?? 0) > 0 && p.etaSeconds !== undefined)).toBe(true);
    samples.push(...writing.map((p) => p.t));
    const r = s.result as { deviceSha256: string };
    expect(r.deviceSha256).toBe(bigImage.sha256);
    expect(sha256(readDevice(l.device, bigImage.size))).toBe(bigImage.sha256);
  });

  describe('refusals', () => {
    it('refuses a drive smaller than the image', async () => {
      const l = loop('small.img', 1 * MiB);
      expect((await driveOf(l.device, GRUB_RESCUE_ISO)).blockedReason).toBe('too-small');
      const err = await app.callError('usb.write', { image: GRUB_RESCUE_ISO, device: l.device });
      expect(err.code).toBe('refused');
      expect(err.message).toMatch(/smaller than the image/);
    });

    it('refuses a file that is not a disk image, even when the page skipped the image step; the stick is untouched', async () => {
      const l = loop('text.img', 16 * MiB);
      const text = path.join(dir, 'notes.txt');
      writeFileSync(text, 'not an image\n'.repeat(200_000));
      const err = await app.callError('usb.write', { image: text, device: l.device });
      expect(err.code).toBe('refused');
      expect(err.message).toMatch(/not a disk image/);
      expect(readDevice(l.device, 4096).every((b) => b === 0)).toBe(true);
    });

    it('refuses a read-only drive', async () => {
      const l = loop('ro.img', 16 * MiB, { readOnly: true });
      expect((await driveOf(l.device)).blockedReason).toBe('read-only');
      expect((await app.callError('usb.write', { image: IPXE_ISO, device: l.device })).message).toMatch(/read-only/);
    });

    it('refuses the drive that holds the image', async () => {
      const l = loop('holder.img', 16 * MiB);
      // the image is the loop device's own backing file
      writeFileSync(path.join(dir, 'holder.img'), readFileSync(IPXE_ISO));
      execFileSync('truncate', ['-s', String(16 * MiB), path.join(dir, 'holder.img')]);
      expect((await driveOf(l.device, path.join(dir, 'holder.img'))).blockedReason).toBe('holds-image');
      expect((await app.callError('usb.write', { image: path.join(dir, 'holder.img'), device: l.device })).message).toMatch(/stored on this drive/);
    });

    it('refuses a partition', async () => {
      const file = path.join(dir, 'parted.img');
      writeFileSync(file, '');
      execFileSync('truncate', ['-s', String(64 * MiB), file]);
      sh('sfdisk', ['--quiet', file], 'label: dos\nstart=2048, type=83\n');
      const l = attachLoop(file, { partitions: true });
      loops.push(l);
      const err = await app.callError('usb.write', { image: IPXE_ISO, device: `${l.device}p1` });
      expect(err.code).toBe('refused');
      expect(err.message).toMatch(/partition, not a whole drive/);
    });

    it('refuses the system disk, and the helper refuses it too when asked directly', async () => {
      const { drives } = await (await testApp({ allowLoopDevices: false })).call('usb.drives', {});
      const system = drives.find((d) => d.system);
      if (!system) return; // a machine whose root is not on a listed disk (container): nothing to try
      expect((await app.callError('usb.write', { image: IPXE_ISO, device: system.path })).message).toMatch(/running system/);
      await expect(app.ctx.privileged.run('write-image', { image: IPXE_ISO, device: system.path, verify: true, expected: { size: system.size, serial: system.serial } })).rejects.toThrow(/running system/);
    });

    it('refuses loop devices when the host does not allow them, in the service and in the helper', async () => {
      const l = loop('noloop.img', 16 * MiB);
      const strict = await testApp({ allowLoopDevices: false });
      expect((await strict.callError('usb.write', { image: IPXE_ISO, device: l.device })).message).toMatch(/loop devices are not offered/i);
      const hostFile = process.env.NIXOS_COMPANION_HOST;
      process.env.NIXOS_COMPANION_HOST = helperHostFile(path.join(dir), { allowLoopDevices: false });
      try {
        await expect(app.ctx.privileged.run('write-image', { image: IPXE_ISO, device: l.device, verify: true, expected: { size: 16 * MiB, serial: null } })).rejects.toThrow(/loop devices are not offered/i);
      } finally {
        process.env.NIXOS_COMPANION_HOST = helperHostFile(dir, { allowLoopDevices: true, cacheDir: path.join(dir, 'cache') });
        void hostFile;
      }
    });

    it('refuses a device swapped behind the same path (identity re-check)', async () => {
      const l = loop('first.img', 16 * MiB);
      const picked = await driveOf(l.device);
      // unplug, and plug another stick of the same size in: the kernel gives it the same name
      execFileSync('losetup', ['-d', l.device]);
      const other = path.join(dir, 'second.img');
      writeFileSync(other, '');
      execFileSync('truncate', ['-s', String(16 * MiB), other]);
      execFileSync('losetup', [l.device, other]);
      const err = await app.callError('usb.write', { image: IPXE_ISO, device: l.device, expected: { size: picked.size, serial: picked.serial, diskseq: picked.diskseq } });
      expect(err.code).toBe('conflict');
      expect(err.message).toMatch(/not the one you picked/);
      // and the helper checks again by itself
      await expect(app.ctx.privileged.run('write-image', { image: IPXE_ISO, device: l.device, verify: true, expected: { size: picked.size, serial: picked.serial, diskseq: picked.diskseq } })).rejects.toThrow(/not the one you picked/);
      expect(readDevice(l.device, 4096).every((b) => b === 0)).toBe(true);
    });

    it('refuses a helper call whose image is not a regular file', async () => {
      const l = loop('devimage.img', 16 * MiB);
      await expect(app.ctx.privileged.run('write-image', { image: '/dev/zero', device: l.device, verify: true, expected: { size: 16 * MiB, serial: null } })).rejects.toThrow(/not a regular file/);
    });
  });

  describe('faults', () => {
    const midWrite = (fault: () => void, at = 48 * MiB) => {
      let done = false;
      return (e: { bytesDone?: number }) => {
        if (!done && (e.bytesDone ?? 0) >= at) {
          done = true;
          fault();
        }
      };
    };

    it('fails clearly when the drive becomes read-only mid-write', async () => {
      const l = loop('setro.img', 512 * MiB);
      const s = await write({ image: bigImage.path, device: l.device }, midWrite(() => execFileSync('blockdev', ['--setro', l.device])));
      execFileSync('blockdev', ['--setrw', l.device]);
      expect(s.status).toBe('failed');
      expect(s.error?.message).toMatch(/read-only/);
    });

    it('fails clearly when the drive is detached mid-write', async () => {
      const l = loop('detach.img', 512 * MiB);
      const s = await write({ image: bigImage.path, device: l.device }, midWrite(() => execFileSync('losetup', ['-d', l.device])));
      expect(s.status).toBe('failed');
      expect(s.error?.message).toMatch(/disconnected|disappeared|unplugged/);
    });

    it('fails clearly when the backing storage shrinks mid-write', async () => {
      const l = loop('shrink.img', 512 * MiB);
      const s = await write({ image: bigImage.path, device: l.device }, midWrite(() => {
        truncateSync(l.file, 100 * MiB);
        execFileSync('losetup', ['-c', l.device]);
      }));
      expect(s.status).toBe('failed');
      expect(s.error?.message).toMatch(/changed size|shrank|less room/);
    });

    it('fails clearly when the backing file shrinks without the device noticing (verify or the size watch catches it)', async () => {
      const l = loop('shrink2.img', 512 * MiB);
      const s = await write({ image: bigImage.path, device: l.device }, midWrite(() => truncateSync(l.file, 40 * MiB), 96 * MiB));
      expect(s.status).toBe('failed');
      expect(s.error?.message).toMatch(/shrank|Verification failed/);
    });

    it('fails clearly when another program holds the drive open exclusively', async () => {
      const l = loop('busy.img', 16 * MiB);
      const fd = openSync(l.device, constants.O_RDONLY | constants.O_EXCL);
      try {
        const s = await write({ image: IPXE_ISO, device: l.device });
        expect(s.status).toBe('failed');
        expect(s.error?.code).toBe('busy');
        expect(s.error?.message).toMatch(/in use by another program/);
      } finally {
        closeSync(fd);
      }
    });

    it('verify fails when the copy is damaged between the write and the read-back', async () => {
      const l = loop('corrupt.img', 16 * MiB);
      const image = makeImage(dir, IPXE_ISO, 4 * MiB, 'corrupt-src.iso');
      await expect(
        writeImage({
          image: image.path,
          device: l.device,
          verify: true,
          beforeVerify: async () => {
            const fd = openSync(l.file, 'r+');
            const junk = Buffer.alloc(4096, 0xa5);
            const { writeSync, fsyncSync } = await import('node:fs');
            writeSync(fd, junk, 0, junk.length, 3 * MiB);
            fsyncSync(fd);
            closeSync(fd);
          },
        }),
      ).rejects.toThrow(/Verification failed/);
    });

    it('can be cancelled mid-write, and says the stick is not usable', async () => {
      const l = loop('cancel.img', 512 * MiB);
      let jobId = '';
      const s = await (async () => {
        const started = await app.call('usb.write', { image: bigImage.path, device: l.device });
        jobId = started.jobId;
        const off = app.ctx.events.on((e) => {
          if (e.topic === 'job' && e.jobId === jobId && e.kind === 'progress' && (e.progress.bytesDone ?? 0) > 32 * MiB) void app.call('jobs.cancel', { jobId }).catch(() => {});
        });
        const r = await app.ctx.jobs.wait(jobId);
        off();
        return r;
      })();
      expect(s.status).toBe('cancelled');
    });
  });

  it('ejects a loop drive: flushed, unmounted, not powered off', async () => {
    const l = loop('eject.img', 16 * MiB);
    const r = await app.call('usb.eject', { device: l.device });
    expect(r.poweredOff).toBe(false);
    expect(r.message).toMatch(/unplug/);
  });
});
