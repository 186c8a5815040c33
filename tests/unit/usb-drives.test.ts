import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LARGE_DRIVE_BYTES, LSBLK_COLUMNS, assertSameDrive, devNumbers, isSystemMount, parseLsblk, toDrive, type LsblkNode } from '../../electron/services/usb/drives';

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

  it('blocks a disk with swap on it, a read-only card, too-small drives and images held', () => {
    expect(toDrive(byName(nodes, 'sdc'), facts).blockedReason).toBe('system');
    expect(toDrive(byName(nodes, 'mmcblk0'), facts).blockedReason).toBe('read-only');
    expect(toDrive(byName(nodes, 'sda'), { ...facts, imageSize: 16e9 }).blockedReason).toBe('too-small');
    expect(toDrive(byName(nodes, 'sda'), { ...facts, imageHolders: new Set(['sda']) }).blockedReason).toBe('holds-image');
  });

  it('blocks a non-removable NVMe disk even with nothing mounted, and partitions', () => {
    const bare = { ...byName(nodes, 'nvme0n1'), children: [] };
    expect(toDrive(bare, facts).blockedReason).toBe('system');
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

  it('reads the real lsblk of this machine', () => {
    let json: string;
    try {
      json = execFileSync('lsblk', ['--json', '--bytes', '-o', LSBLK_COLUMNS], { encoding: 'utf8' });
    } catch {
      return; // no lsblk here
    }
    const real = parseLsblk(json);
    for (const n of real.filter((x) => x.type === 'disk')) {
      const d = toDrive(n, facts);
      expect(d.path.startsWith('/dev/')).toBe(true);
      if (d.mountpoints.includes('/')) expect(d.blockedReason).toBe('system');
    }
  });
});
