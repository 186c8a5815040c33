import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BlockedReason } from '../../shared/contract/usb';
import { expected } from '../fixtures/lsblk/expected';
import { LARGE_DRIVE_BYTES, LSBLK_COLUMNS, assertSameDrive, devNumbers, isRemovableMount, isSystemMount, parseLsblk, toDrive, transportOf, type DriveFacts, type LsblkNode } from '../../electron/services/usb/drives';

/**
 * The safety rules over lsblk's JSON. `laptop` follows util-linux 2.38's `lsblk --json --bytes` output
 * field for field (booleans, null for unknown, `mountpoints` arrays with null, nested `children`); the last
 * test runs the real lsblk of this machine through the same code.
 */
const laptop = JSON.stringify({
  blockdevices: [
    {
      name: 'sda', path: '/dev/sda', size: 15931539456, type: 'disk', tran: 'usb', rm: true, ro: false, vendor: 'SanDisk ', model: 'Cruzer Blade', serial: '4C530001230906117424',
      mountpoints: [null], fstype: 'iso9660', label: 'nixos-minimal-24.11-x86_64', partlabel: null, hotplug: true, pkname: null, 'maj:min': '8:0',
      children: [
        { name: 'sda1', path: '/dev/sda1', size: 1071644672, type: 'part', tran: null, rm: true, ro: false, vendor: null, model: null, serial: null, mountpoints: ['/run/media/alice/nixos-minimal-24.11-x86_64'], fstype: 'iso9660', label: 'nixos-minimal-24.11-x86_64', partlabel: null, hotplug: true, pkname: 'sda', 'maj:min': '8:1' },
        { name: 'sda2', path: '/dev/sda2', size: 3145728, type: 'part', tran: null, rm: true, ro: false, vendor: null, model: null, serial: null, mountpoints: [null], fstype: 'vfat', label: 'EFIBOOT', partlabel: null, hotplug: true, pkname: 'sda', 'maj:min': '8:2' },
      ],
    },
    {
      name: 'sdb', path: '/dev/sdb', size: 256060514304, type: 'disk', tran: 'usb', rm: false, ro: false, vendor: 'Samsung ', model: 'Portable SSD T7', serial: 'S5SVNG0R123456', mountpoints: [null], fstype: null, label: null, partlabel: null, hotplug: true, pkname: null, 'maj:min': '8:16',
      children: [
        { name: 'sdb1', path: '/dev/sdb1', size: 239998197760, type: 'part', tran: null, rm: false, ro: false, vendor: null, model: null, serial: null, mountpoints: [null], fstype: 'exfat', label: 'Ventoy', partlabel: null, hotplug: true, pkname: 'sdb', 'maj:min': '8:17' },
        { name: 'sdb2', path: '/dev/sdb2', size: 33554432, type: 'part', tran: null, rm: false, ro: false, vendor: null, model: null, serial: null, mountpoints: [null], fstype: 'vfat', label: 'VTOYEFI', partlabel: 'VTOYEFI', hotplug: true, pkname: 'sdb', 'maj:min': '8:18' },
      ],
    },
    {
      name: 'mmcblk0', path: '/dev/mmcblk0', size: 31914983424, type: 'disk', tran: null, rm: false, ro: true, vendor: null, model: null, serial: '0x1234abcd', mountpoints: [null], fstype: null, label: null, partlabel: null, hotplug: false, pkname: null, 'maj:min': '179:0',
    },
    {
      name: 'nvme0n1', path: '/dev/nvme0n1', size: 1024209543168, type: 'disk', tran: 'nvme', rm: false, ro: false, vendor: null, model: 'Samsung SSD 980 PRO 1TB', serial: 'S5GXNX0T123456A', mountpoints: [null], fstype: null, label: null, partlabel: null, hotplug: false, pkname: null, 'maj:min': '259:0',
      children: [
        { name: 'nvme0n1p1', path: '/dev/nvme0n1p1', size: 536870912, type: 'part', tran: 'nvme', rm: false, ro: false, vendor: null, model: null, serial: null, mountpoints: ['/boot'], fstype: 'vfat', label: null, partlabel: null, hotplug: false, pkname: 'nvme0n1', 'maj:min': '259:1' },
        {
          name: 'nvme0n1p2', path: '/dev/nvme0n1p2', size: 1023670581248, type: 'part', tran: 'nvme', rm: false, ro: false, vendor: null, model: null, serial: null, mountpoints: [null], fstype: 'crypto_LUKS', label: null, partlabel: null, hotplug: false, pkname: 'nvme0n1', 'maj:min': '259:2',
          children: [{ name: 'cryptroot', path: '/dev/mapper/cryptroot', size: 1023653804032, type: 'crypt', tran: null, rm: false, ro: false, vendor: null, model: null, serial: null, mountpoints: ['/nix/store', '/'], fstype: 'ext4', label: 'nixos', partlabel: null, hotplug: false, pkname: 'nvme0n1p2', 'maj:min': '254:0' }],
        },
      ],
    },
    {
      name: 'sdc', path: '/dev/sdc', size: 2000398934016, type: 'disk', tran: 'sata', rm: false, ro: false, vendor: 'ATA     ', model: 'ST2000DM008', serial: 'ZFL1ABCD', mountpoints: [null], fstype: null, label: null, partlabel: null, hotplug: false, pkname: null, 'maj:min': '8:32',
      children: [{ name: 'sdc1', path: '/dev/sdc1', size: 2000397868544, type: 'part', tran: null, rm: false, ro: false, vendor: null, model: null, serial: null, mountpoints: ['[SWAP]'], fstype: 'swap', label: null, partlabel: null, hotplug: false, pkname: 'sdc', 'maj:min': '8:33' }],
    },
    { name: 'loop0', path: '/dev/loop0', size: 67108864, type: 'loop', tran: null, rm: false, ro: false, vendor: null, model: null, serial: null, mountpoints: [null], fstype: null, label: null, partlabel: null, hotplug: false, pkname: null, 'maj:min': '7:0' },
  ],
});

const byName = (nodes: LsblkNode[], name: string) => nodes.find((n) => n.name === name)!;

describe('drive rules', () => {
  const nodes = parseLsblk(laptop);
  const facts = { allowLoop: false, imageSize: 1_100_000_000 };

  it('describes a USB stick with its partitions and their mountpoints, trimmed', () => {
    const d = toDrive(byName(nodes, 'sda'), facts);
    expect(d).toMatchObject({ path: '/dev/sda', vendor: 'SanDisk', model: 'Cruzer Blade', serial: '4C530001230906117424', transport: 'usb', removable: true, system: false, blockedReason: null, large: false, ventoy: null });
    expect(d.mountpoints).toEqual(['/run/media/alice/nixos-minimal-24.11-x86_64']);
    expect(d.partitions.map((p) => p.label)).toEqual(['nixos-minimal-24.11-x86_64', 'EFIBOOT']);
  });

  it('recognises a Ventoy stick and warns that a 256 GB drive is large', () => {
    const d = toDrive(byName(nodes, 'sdb'), facts);
    expect(d.ventoy).toMatchObject({ dataPartition: '/dev/sdb1', efiPartition: '/dev/sdb2', fsType: 'exfat' });
    expect(d.large).toBe(true);
    expect(d.size).toBeGreaterThan(LARGE_DRIVE_BYTES);
    expect(d.blockedReason).toBeNull();
  });

  it('blocks the disk holding / and /boot (through LUKS) as the system disk', () => {
    const d = toDrive(byName(nodes, 'nvme0n1'), facts);
    expect(d.system).toBe(true);
    expect(d.blockedReason).toBe('system');
    expect(d.mountpoints).toEqual(expect.arrayContaining(['/boot', '/', '/nix/store']));
    expect(d.blockedMessage).toMatch(/running system/);
  });

  it('blocks a disk with swap on it, a built-in card slot lsblk does not call removable, too-small drives and images held', () => {
    expect(toDrive(byName(nodes, 'sdc'), facts).blockedReason).toBe('system');
    expect(toDrive(byName(nodes, 'mmcblk0'), facts).blockedReason).toBe('built-in');
    expect(toDrive({ ...byName(nodes, 'mmcblk0'), hotplug: true }, facts).blockedReason).toBe('read-only');
    expect(toDrive(byName(nodes, 'sda'), { ...facts, imageSize: 16e9 }).blockedReason).toBe('too-small');
    expect(toDrive(byName(nodes, 'sda'), { ...facts, imageHolders: new Set(['sda']) }).blockedReason).toBe('holds-image');
  });

  it('blocks a non-removable NVMe disk even with nothing mounted, and partitions', () => {
    const bare = { ...byName(nodes, 'nvme0n1'), children: [] };
    expect(toDrive(bare, facts).blockedReason).toBe('built-in');
    expect(toDrive(bare, facts).blockedMessage).toBe('Built-in disk (NVMe) — not offered, to protect your computer’s own drives. Only USB drives and memory cards are.');
    expect(toDrive(byName(nodes, 'sda').children![0]!, facts).blockedReason).toBe('partition');
  });

  it('blocks loop devices unless the host allows them', () => {
    expect(toDrive(byName(nodes, 'loop0'), facts).blockedReason).toBe('loop-not-allowed');
    expect(toDrive(byName(nodes, 'loop0'), { ...facts, allowLoop: true, imageSize: 1000 }).blockedReason).toBeNull();
  });

  it('reads older lsblk output where flags are "0"/"1" strings and sizes strings', () => {
    const old = parseLsblk(JSON.stringify({ blockdevices: [{ name: 'sdd', path: '/dev/sdd', size: '8004304896', type: 'disk', tran: 'usb', rm: '1', ro: '0', hotplug: '1', mountpoint: null }] }));
    const d = toDrive(old[0]!, facts);
    expect(d).toMatchObject({ size: 8004304896, removable: true, readOnly: false, blockedReason: null });
  });

  it('knows which mountpoints belong to the running system', () => {
    for (const m of ['/', '/boot', '/boot/efi', '/efi', '/nix', '/nix/store', '[SWAP]', '/usr', '/var']) expect(isSystemMount(m)).toBe(true);
    for (const m of ['/run/media/alice/STICK', '/mnt', '/home/alice/usb', '/nixos']) expect(isSystemMount(m)).toBe(false);
  });

  it('knows where removable drives are mounted', () => {
    for (const m of ['/media/alice/STICK', '/run/media/alice/STICK', '/mnt', '/mnt/usb', '/media']) expect(isRemovableMount(m)).toBe(true);
    for (const m of ['/home', '/srv/backup', '/mnt2', '/mediafiles', '/run/user/1000/gvfs', '/', '[SWAP]']) expect(isRemovableMount(m)).toBe(false);
  });

  it('refuses a drive whose size, serial or medium changed since it was picked', () => {
    const d = { ...toDrive(byName(nodes, 'sda'), facts), diskseq: 12 };
    expect(() => assertSameDrive(d, { size: d.size, serial: d.serial, diskseq: 12 })).not.toThrow();
    expect(() => assertSameDrive(d, { size: d.size + 512, serial: d.serial })).toThrow(/not the one you picked/);
    expect(() => assertSameDrive(d, { size: d.size, serial: 'OTHER' })).toThrow(/not the one you picked/);
    expect(() => assertSameDrive(d, { size: d.size, serial: d.serial, diskseq: 11 })).toThrow(/not the one you picked/);
  });

  it('splits a stat dev number like glibc', () => {
    expect(devNumbers((8 << 8) | 17)).toBe('8:17');
    expect(devNumbers((259 << 8) | 2)).toBe('259:2');
  });

  it('reads the real lsblk of this machine', (ctx) => {
    let json: string;
    try {
      json = execFileSync('lsblk', ['--json', '--bytes', '-o', LSBLK_COLUMNS], { encoding: 'utf8' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ctx.skip('lsblk (util-linux) is not installed on this machine');
      throw err;
    }
    const real = parseLsblk(json);
    const disks = real.filter((x) => x.type === 'disk');
    expect(disks.length).toBeGreaterThan(0);
    for (const n of disks) {
      const d = toDrive(n, { ...facts, diskNames: new Set(real.map((x) => x.name)) });
      expect(d.path.startsWith('/dev/')).toBe(true);
      if (d.mountpoints.includes('/')) expect(d.blockedReason).toBe('system');
      if (d.transport !== 'usb' && d.transport !== 'mmc') expect(d.blockedReason).not.toBeNull();
    }
  });
});

const FIXTURES = path.join(__dirname, '../fixtures/lsblk');
const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
const loadFixture = (file: string) => parseLsblk(readFileSync(path.join(FIXTURES, file), 'utf8'));
const factsFor = (tree: LsblkNode[], over: Partial<DriveFacts> = {}): DriveFacts => ({ allowLoop: false, diskNames: new Set(tree.map((n) => n.name)), ...over });
const stripMounts = (n: LsblkNode): LsblkNode => ({ ...n, mountpoints: [null], ...(n.children ? { children: n.children.map(stripMounts) } : {}) });

describe('drive rules on recorded machines (tests/fixtures/lsblk)', () => {
  it('has expectations for every fixture file and every device in it', () => {
    expect(fixtureFiles).toEqual(Object.keys(expected).sort());
    for (const file of fixtureFiles) expect(loadFixture(file).map((n) => n.name).sort(), file).toEqual(Object.keys(expected[file]!).sort());
  });

  it('records exactly the columns the app asks lsblk for, in its order', () => {
    const columns = LSBLK_COLUMNS.split(',').map((c) => c.toLowerCase());
    const check = (n: LsblkNode, file: string) => {
      expect(Object.keys(n).filter((k) => k !== 'children'), `${file}: ${n.name}`).toEqual(columns);
      for (const c of n.children ?? []) check(c, file);
    };
    for (const file of fixtureFiles) for (const n of loadFixture(file)) check(n, file);
  });

  for (const file of Object.keys(expected)) {
    it(`${file}: offers only removable media, and says why not for the rest`, () => {
      const tree = loadFixture(file);
      for (const n of tree) {
        const want = expected[file]![n.name]!;
        const d = toDrive(n, factsFor(tree));
        const [reason, kind] = want === null ? [null, undefined] : (want.split(/:(.*)/) as [BlockedReason, string | undefined]);
        expect(d.blockedReason, `${file}: ${n.name}`).toBe(reason);
        if (reason) expect(d.blockedMessage, `${file}: ${n.name}`).toBeTruthy();
        if (kind) expect(d.blockedMessage).toBe(`Built-in disk (${kind}) — not offered, to protect your computer’s own drives. Only USB drives and memory cards are.`);
        if (reason === null) {
          // offered: a USB drive or memory card that lsblk calls removable or hot-pluggable
          expect(['usb', 'mmc']).toContain(transportOf(n));
          expect(n.rm === true || n.hotplug === true).toBe(true);
          expect(d.removable).toBe(true);
        }
        if (reason === 'built-in') {
          expect(d.removable).toBe(false);
          // being built in does not depend on what is mounted
          expect(toDrive(stripMounts(n), factsFor(tree)).blockedReason).toBe('built-in');
        }
      }
    });
  }

  it('refuses built-in disks that held nothing the old rule knew: /home, /srv, /data, Windows, virtio, eMMC', () => {
    const cases: [string, string, string][] = [
      ['sata-home.json', 'sda', '/home'],
      ['desktop-sata-usb.json', 'sdb', '/srv'],
      ['sas-server.json', 'sdc', '/data'],
      ['dual-boot-windows.json', 'sda', 'ntfs'],
      ['virtio-vm.json', 'vdb', ''],
      ['emmc-home-util-linux-2.38.json', 'mmcblk2', '/home'],
    ];
    for (const [file, name, what] of cases) {
      const tree = loadFixture(file);
      const d = toDrive(byName(tree, name), factsFor(tree));
      if (what.startsWith('/')) expect(d.mountpoints).toContain(what);
      if (what === 'ntfs') expect(d.partitions.map((p) => p.fsType)).toContain('ntfs');
      expect(d.system).toBe(false);
      expect(d.blockedReason, `${file}: ${name}`).toBe('built-in');
    }
  });

  it('a system disk that is not removable media stays refused once unmounted', () => {
    for (const [file, name] of [['laptop-nvme.json', 'nvme0n1'], ['desktop-sata-usb.json', 'sda'], ['virtio-vm.json', 'vda'], ['emmc-laptop.json', 'mmcblk0']] as const) {
      const tree = loadFixture(file);
      expect(toDrive(stripMounts(byName(tree, name)), factsFor(tree)).blockedReason, `${file}: ${name}`).toBe('built-in');
    }
    // an SD card that holds the running system is refused for that, and only for that
    const sd = loadFixture('emmc-home-util-linux-2.38.json');
    expect(toDrive(stripMounts(byName(sd, 'mmcblk1')), factsFor(sd)).blockedReason).toBeNull();
  });

  it('tells eMMC from an SD card by its boot areas or the kernel card type, not by HOTPLUG', () => {
    const old = loadFixture('emmc-home-util-linux-2.38.json');
    const emmc = byName(old, 'mmcblk2');
    expect(emmc.hotplug).toBe(true);
    expect(toDrive(emmc, factsFor(old)).blockedMessage).toMatch(/Built-in disk \(eMMC\)/);
    // the same disk, unmounted, without its boot areas in view: HOTPLUG=1 would offer it, the kernel's card type does not
    const bare = stripMounts(emmc);
    expect(toDrive(bare, { allowLoop: false }).blockedReason).toBeNull();
    expect(toDrive(bare, { allowLoop: false, mmcCardType: new Map([['mmcblk2', 'MMC']]) }).blockedReason).toBe('built-in');
    const readers = loadFixture('card-readers.json');
    const card = byName(readers, 'mmcblk0');
    expect(toDrive(card, factsFor(readers, { mmcCardType: new Map([['mmcblk0', 'SDXC']]) })).blockedReason).toBeNull();
    expect(toDrive(card, factsFor(readers, { mmcCardType: new Map([['mmcblk0', 'MMC']]) })).blockedReason).toBe('built-in');
    // a card in a built-in slot that lsblk calls neither removable nor hot-pluggable (util-linux 2.39 on Linux before 6.6)
    expect(toDrive({ ...card, hotplug: false }, factsFor(readers)).blockedMessage).toMatch(/Built-in disk \(MMC, not reported as removable\)/);
  });

  it('names the transport util-linux 2.38 leaves empty from the kernel name, as 2.39 does', () => {
    expect(transportOf({ name: 'mmcblk0', tran: null })).toBe('mmc');
    expect(transportOf({ name: 'vda', tran: null })).toBe('virtio');
    expect(transportOf({ name: 'sda', tran: null })).toBeNull();
    expect(transportOf({ name: 'sda', tran: 'usb' })).toBe('usb');
  });

  it('refuses a removable drive mounted outside /media, /run/media and /mnt, saying where', () => {
    const tree = loadFixture('usb-mounted.json');
    const d = toDrive(byName(tree, 'sdc'), factsFor(tree));
    expect(d.removable).toBe(true);
    expect(d.blockedMessage).toBe('This drive is mounted at /srv/backup, outside /media, /run/media and /mnt, so this computer may be using it. Unmount it yourself first if you really mean to erase it.');
    expect(toDrive(stripMounts(byName(tree, 'sdc')), factsFor(tree)).blockedReason).toBeNull();
    // loop devices, where the host allows them, follow the same mount rule
    const desktop = loadFixture('desktop-sata-usb.json');
    expect(toDrive(byName(desktop, 'loop0'), factsFor(desktop, { allowLoop: true })).blockedReason).toBe('mounted');
  });
});
