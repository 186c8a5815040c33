import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { driveName } from '../../renderer/pages/install/drive-name';

/** Drive names as the Install media page shows them: what a person knows the drive by, never a bus id. */

const base = { path: '/dev/sdb', transport: 'usb', type: 'disk' as const, removable: true };

describe('driveName', () => {
  it('names a stick by its maker and model', () => {
    expect(driveName({ ...base, vendor: 'SanDisk ', model: 'Cruzer Blade' })).toBe('SanDisk Cruzer Blade');
    expect(driveName({ ...base, vendor: 'Kingston', model: 'Kingston DataTraveler 3.0' })).toBe('Kingston DataTraveler 3.0');
  });

  it('never shows a vendor id or a placeholder vendor as a name', () => {
    // lsblk on a virtio disk: VENDOR "0x1af4", no MODEL
    expect(driveName({ path: '/dev/vda', transport: null, type: 'disk', removable: false, vendor: '0x1af4', model: null })).toBe('Disk');
    expect(driveName({ ...base, vendor: '0x0781', model: null })).toBe('USB drive');
    expect(driveName({ ...base, vendor: 'Generic', model: 'Flash Disk' })).toBe('Flash Disk');
    expect(driveName({ ...base, vendor: 'ATA', model: 'Samsung SSD 870' })).toBe('Samsung SSD 870');
  });

  it('falls back to the maker and the kind, then the kind', () => {
    expect(driveName({ ...base, vendor: 'Verbatim', model: null })).toBe('Verbatim USB drive');
    expect(driveName({ ...base, vendor: null, model: '  ' })).toBe('USB drive');
    expect(driveName({ path: '/dev/mmcblk0', transport: null, type: 'disk', removable: true, vendor: null, model: null })).toBe('Memory card');
    expect(driveName({ path: '/dev/sdc', transport: 'mmc', type: 'disk', removable: true, vendor: 'Generic-', model: null })).toBe('Memory card');
    expect(driveName({ path: '/dev/loop3', transport: null, type: 'loop', removable: false, vendor: null, model: null })).toBe('Loop device');
  });

  it('gives every disk lsblk reports on this machine a name without a bus id', () => {
    const out = JSON.parse(execFileSync('lsblk', ['-d', '-J', '-o', 'PATH,VENDOR,MODEL,TRAN,RM,TYPE'], { encoding: 'utf8' })) as { blockdevices: { path: string; vendor: string | null; model: string | null; tran: string | null; rm: boolean; type: string }[] };
    const disks = out.blockdevices.filter((d) => d.type === 'disk');
    expect(disks.length).toBeGreaterThan(0);
    for (const d of disks) {
      const name = driveName({ path: d.path, vendor: d.vendor, model: d.model, transport: d.tran, type: 'disk', removable: d.rm });
      expect(name, JSON.stringify(d)).not.toMatch(/0x[0-9a-f]{4}/i);
      expect(name.trim()).not.toBe('');
    }
  });
});
