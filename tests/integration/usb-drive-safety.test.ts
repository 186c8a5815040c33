import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImageAsCaller } from '../../electron/helper/operations/usb';
import { writeImage } from '../../electron/services/usb/image-writer';
import type { LsblkNode } from '../../electron/services/usb/drives';
import { expected } from '../fixtures/lsblk/expected';
import { tempDir, testApp } from '../helpers/app';
import { IPXE_ISO, canUseLoop, makeLoop, readDevice, type Loop } from '../helpers/install-media';

/**
 * Built-in disks are never written: the real `usb.drives` service and the real root helper, run on the
 * machines recorded in tests/fixtures/lsblk through a stand-in lsblk (tests/fixtures/lsblk/lsblk-standin.mjs,
 * set as `commands.lsblk`). Where the helper is asked to write, the fixture's disk is pointed at a loop
 * device (its `path` only; name, transport and flags stay as recorded), so even a failed check could only
 * ever write to a scratch file.
 */

const FIXTURES = path.join(__dirname, '../fixtures/lsblk');
const STANDIN = path.join(FIXTURES, 'lsblk-standin.mjs');
const MiB = 1024 * 1024;

/** A host whose lsblk prints `current.json` in `dir`; blkid knows nothing (a recorded machine's partitions are not here to probe). */
function standinHost(dir: string): { hostFile: string; keys: { allowLoopDevices: boolean; commands: Record<string, string> } } {
  const wrapper = path.join(dir, 'lsblk');
  writeFileSync(wrapper, `#!/bin/sh\n# stand-in for util-linux lsblk: prints ${path.join(dir, 'current.json')}\nexec "${process.execPath}" "${STANDIN}" "${path.join(dir, 'current.json')}" "$@"\n`, { mode: 0o755 });
  const keys = { allowLoopDevices: false, cacheDir: path.join(dir, 'cache'), commands: { lsblk: wrapper, blkid: '/bin/true' } };
  const hostFile = path.join(dir, 'host.json');
  writeFileSync(hostFile, JSON.stringify(keys));
  return { hostFile, keys };
}

const fixture = (file: string): { blockdevices: LsblkNode[] } => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));

describe('usb.drives on recorded machines', () => {
  let dir: string;
  let host: ReturnType<typeof standinHost>;
  beforeAll(() => {
    dir = tempDir('nc-lsblk-');
    host = standinHost(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const file of Object.keys(expected)) {
    it(`${file}: offers only the removable media, and greys out the rest with the reason`, async () => {
      writeFileSync(path.join(dir, 'current.json'), readFileSync(path.join(FIXTURES, file)));
      const app = await testApp(host.keys);
      try {
        const { drives } = await app.call('usb.drives', {});
        const want = expected[file]!;
        // what the scanner lists: whole disks, without zram swap; loop devices only where the host allows them
        const listed = fixture(file).blockdevices.filter((d) => d.type === 'disk' && !d.name.startsWith('zram')).map((d) => d.name);
        expect(drives.map((d) => d.name).sort()).toEqual(listed.sort());
        for (const d of drives) {
          const w = want[d.name];
          const reason = w ? w.split(':')[0] : null;
          expect(d.blockedReason, `${file}: ${d.name}`).toBe(reason);
          if (reason) expect(d.blockedMessage).toBeTruthy();
          if (reason === 'built-in') expect(d.blockedMessage).toMatch(/^Built-in disk \(.+\) — not offered, to protect your computer’s own drives/);
          if (!reason) expect(d.removable && (d.transport === 'usb' || d.transport === 'mmc')).toBe(true);
        }
      } finally {
        await app.dispose();
      }
    });
  }
});

const haveLoop = canUseLoop();

describe('the root helper on recorded machines', () => {
  if (!haveLoop) {
    it('needs root and losetup (loop devices as scratch targets)', (ctx) => ctx.skip('needs root and losetup for loop devices'));
    return;
  }
  let dir: string;
  let host: ReturnType<typeof standinHost>;
  let app: Awaited<ReturnType<typeof testApp>>;
  let scratch: Loop;
  const previousHost = process.env.NIXOS_COMPANION_HOST;

  beforeAll(async () => {
    dir = tempDir('nc-lsblk-helper-');
    host = standinHost(dir);
    // the helper is a separate process and reads its host (and so the stand-in lsblk) from this file
    process.env.NIXOS_COMPANION_HOST = host.hostFile;
    app = await testApp(host.keys);
    scratch = makeLoop(dir, 'scratch.img', 16 * MiB);
  });
  afterAll(async () => {
    if (previousHost === undefined) delete process.env.NIXOS_COMPANION_HOST;
    else process.env.NIXOS_COMPANION_HOST = previousHost;
    scratch?.detach();
    await app?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The fixture with disk `name` found at the scratch loop device (and its size), everything else as recorded. */
  function pointAtScratch(file: string, name: string): LsblkNode {
    const tree = fixture(file);
    // a recorded loop device that happens to have the scratch device's name is not part of the question
    tree.blockdevices = tree.blockdevices.filter((d) => d.name === name || d.path !== scratch.device);
    const disk = tree.blockdevices.find((d) => d.name === name)!;
    disk.path = scratch.device;
    disk.size = 16 * MiB;
    writeFileSync(path.join(dir, 'current.json'), JSON.stringify(tree));
    return disk;
  }
  const untouched = () => readDevice(scratch.device, 1 * MiB).every((b) => b === 0);

  const refused = Object.entries(expected).flatMap(([file, disks]) =>
    Object.entries(disks)
      .filter(([, want]) => want && /^(built-in|system|mounted)/.test(want))
      .map(([name, want]) => [file, name, want!.split(':')[0]!] as const),
  );

  for (const [file, name, reason] of refused) {
    it(`${file}: ${name} (${reason}) is refused by the service, and by the helper at write and eject time`, async () => {
      const disk = pointAtScratch(file, name);
      const words = reason === 'built-in' ? /built-in disk \(.+\) — not offered/i : reason === 'system' ? /running system/ : /is mounted at .*outside \/media/;
      const err = await app.callError('usb.write', { image: IPXE_ISO, device: scratch.device });
      expect(err.code).toBe('refused');
      expect(err.message).toMatch(words);
      // asked directly, with the identity the fixture reports, the helper checks again from its own lsblk
      const identity = { size: 16 * MiB, serial: disk.serial ?? null };
      await expect(app.ctx.privileged.run('write-image', { image: IPXE_ISO, device: scratch.device, verify: false, expected: identity })).rejects.toThrow(words);
      await expect(app.ctx.privileged.run('eject', { device: scratch.device })).rejects.toThrow(words);
      expect(untouched()).toBe(true);
    });
  }

  it('writes to a USB stick the same way (the stand-in route reaches the write)', async () => {
    pointAtScratch('desktop-sata-usb.json', 'sdc');
    const { drives } = await app.call('usb.drives', {});
    expect(drives.find((d) => d.path === scratch.device)).toMatchObject({ name: 'sdc', transport: 'usb', removable: true, blockedReason: null });
    const result = await app.ctx.privileged.run('write-image', { image: IPXE_ISO, device: scratch.device, verify: false, expected: { size: 16 * MiB, serial: '4C530001230906117424' } });
    const image = readFileSync(IPXE_ISO);
    expect(result.bytesWritten).toBe(image.length);
    expect(readDevice(scratch.device, image.length).equals(image)).toBe(true);
  });
});

describe('the helper reads the image as the caller', () => {
  if (!haveLoop) {
    it('needs root (to switch to another user) and losetup', (ctx) => ctx.skip('needs root and losetup'));
    return;
  }
  let dir: string;
  let scratch: Loop;
  const previous = process.env.PKEXEC_UID;
  const groups = process.getgroups!();

  beforeAll(() => {
    dir = tempDir('nc-caller-');
    chmodSync(dir, 0o755);
    mkdirSync(path.join(dir, 'dev'));
    scratch = makeLoop(path.join(dir, 'dev'), 'stick.img', 16 * MiB);
    // root's supplementary groups, as pkexec leaves them, include root's own group
    process.setgroups!([0]);
    process.env.PKEXEC_UID = '65534';
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.PKEXEC_UID;
    else process.env.PKEXEC_UID = previous;
    process.setgroups!(groups);
    scratch?.detach();
    rmSync(dir, { recursive: true, force: true });
  });

  const secret = (mode: number) => {
    const file = path.join(dir, `secret-${mode.toString(8)}.img`);
    writeFileSync(file, Buffer.alloc(64 * 1024, 0x5a));
    chownSync(file, 0, 0);
    chmodSync(file, mode);
    return file;
  };

  it('cannot read a 0640 root:root file through root’s group, so it cannot copy it to a stick', async () => {
    const file = secret(0o640);
    await expect(openImageAsCaller(file)).rejects.toThrow(/You are not allowed to read/);
    await expect(writeImage({ image: file, device: scratch.device, verify: false, openImage: openImageAsCaller })).rejects.toThrow(/You are not allowed to read/);
    expect(readDevice(scratch.device, 64 * 1024).every((b) => b === 0)).toBe(true);
    // and is root again afterwards, groups included
    expect(process.geteuid!()).toBe(0);
    expect(process.getegid!()).toBe(0);
    expect(process.getgroups!()).toEqual([0]);
  });

  it('still reads a file the caller may read', async () => {
    const file = secret(0o644);
    const fh = await openImageAsCaller(file);
    try {
      expect((await fh.readFile()).length).toBe(64 * 1024);
    } finally {
      await fh.close();
    }
  });
});
