import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Real block devices and real images for the install-media tests: loop devices (root only) over sparse
 * files, and the isohybrid ISOs Debian ships (ipxe, grub-rescue-pc), optionally with a payload appended so
 * a write lasts long enough to break it halfway (the ISO part stays bootable: firmware reads only its start).
 */

export const IPXE_ISO = '/usr/lib/ipxe/ipxe.iso';
export const GRUB_RESCUE_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

export const canUseLoop = () => process.getuid?.() === 0 && (() => {
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export interface Loop {
  device: string;
  name: string;
  file: string;
  detach(): void;
}

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function attachLoop(file: string, opts: { readOnly?: boolean; partitions?: boolean } = {}): Loop {
  const device = sh('losetup', ['-f', '--show', ...(opts.readOnly ? ['-r'] : []), ...(opts.partitions ? ['-P'] : []), file]).trim();
  if (opts.partitions) sh('partx', ['-a', device]);
  let attached = true;
  return {
    device,
    name: path.basename(device),
    file,
    detach() {
      if (!attached) return;
      attached = false;
      try {
        execFileSync('losetup', ['-d', device], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    },
  };
}

export function makeLoop(dir: string, name: string, size: number, opts: { readOnly?: boolean } = {}): Loop {
  const file = path.join(dir, name);
  writeFileSync(file, '');
  execFileSync('truncate', ['-s', String(size), file]);
  return attachLoop(file, opts);
}

/** A Ventoy-shaped stick: MBR, partition 1 exFAT "Ventoy", partition 2 FAT "VTOYEFI" of 32 MiB. */
export function makeVentoyLoop(dir: string, size = 256 * 1024 * 1024): Loop {
  const file = path.join(dir, 'ventoy.img');
  writeFileSync(file, '');
  execFileSync('truncate', ['-s', String(size), file]);
  const sectors = size / 512;
  const efiSectors = (32 * 1024 * 1024) / 512;
  const dataSectors = sectors - 2048 - efiSectors - 2048;
  sh('sfdisk', ['--quiet', file], `label: dos\nstart=2048, size=${dataSectors}, type=7\nstart=${2048 + dataSectors}, size=${efiSectors}, type=ef\n`);
  const loop = attachLoop(file, { partitions: true });
  sh('mkfs.exfat', ['-L', 'Ventoy', `${loop.device}p1`]);
  sh('mkfs.vfat', ['-n', 'VTOYEFI', `${loop.device}p2`]);
  return loop;
}

/** A real isohybrid ISO followed by `extra` bytes of payload (deterministic), written to `dir`. */
export function makeImage(dir: string, base: string, extra = 0, name = 'test.iso'): { path: string; size: number; sha256: string } {
  const iso = readFileSync(base);
  const file = path.join(dir, name);
  const payload = Buffer.alloc(extra);
  for (let off = 0; off < extra; off += 1024 * 1024) randomBytes(Math.min(1024 * 1024, extra - off)).copy(payload, off);
  const data = Buffer.concat([iso, payload]);
  writeFileSync(file, data);
  return { path: file, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

export function readDevice(device: string, length: number, offset = 0): Buffer {
  const fd = openSync(device, 'r');
  try {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A host file the spawned root helper reads (it takes its host from NIXOS_COMPANION_HOST when run directly). */
export function helperHostFile(dir: string, keys: Record<string, unknown>): string {
  const file = path.join(dir, 'host.json');
  writeFileSync(file, JSON.stringify(keys));
  return file;
}
