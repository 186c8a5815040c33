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

export const loopMissing = (): string | null => (canUseLoop() ? null : 'root and losetup for loop devices');

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

export const QEMU = '/usr/bin/qemu-system-x86_64';

export interface BootResult {
  /** what was on the VGA text screen when the check stopped (80 columns per line) */
  screen: string;
  /** SeaBIOS's debug console output (isa-debugcon on port 0x402) */
  firmware: string;
  /** the expected text appeared on screen */
  reached: boolean;
}

/**
 * Boots `device` (a block device, opened read-only through a throwaway overlay, so the stick is not
 * changed) in QEMU with SeaBIOS, as a PC's BIOS would boot a USB stick, and watches the VGA text screen
 * (read through the QEMU monitor's `pmemsave` of 0xb8000) until `expect` appears, the firmware gives up
 * ("Boot failed" / "No bootable device"), or `timeoutMs` passes.
 */
export async function bootInQemu(device: string, expect: RegExp, dir: string, timeoutMs = 30_000): Promise<BootResult> {
  const { spawn } = await import('node:child_process');
  const net = await import('node:net');
  const fs = await import('node:fs');
  const tag = `${path.basename(device)}-${Date.now()}`;
  const monitor = path.join(dir, `qemu-${tag}.sock`);
  const debugLog = path.join(dir, `seabios-${tag}.log`);
  const vga = path.join(dir, `vga-${tag}.bin`);
  // TCG, not KVM: nested KVM here hits 'emulation failure' in ISOLINUX, and a bootloader needs little CPU
  const accel = ['-accel', process.env.QEMU_ACCEL ?? 'tcg'];
  const qemu = spawn(QEMU, [
    ...accel, '-m', '256', '-nodefaults', '-display', 'none', '-vga', 'std', '-no-reboot',
    '-drive', `file=${device},format=raw,if=ide,snapshot=on`,
    '-boot', 'c',
    '-chardev', `file,id=dbg,path=${debugLog}`, '-device', 'isa-debugcon,iobase=0x402,chardev=dbg',
    '-monitor', `unix:${monitor},server,nowait`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  qemu.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => qemu.once('exit', (code) => r(code)));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const readText = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'latin1') : '');
  const screenText = () => {
    if (!fs.existsSync(vga)) return '';
    const cells = fs.readFileSync(vga);
    let s = '';
    for (let i = 0; i < cells.length; i += 2) {
      const c = cells[i]!;
      s += c >= 32 && c < 127 ? String.fromCharCode(c) : ' ';
      if ((i / 2) % 80 === 79) s += '\n';
    }
    return s;
  };
  let sock: import('node:net').Socket | null = null;
  try {
    const deadline = Date.now() + timeoutMs;
    while (!sock && Date.now() < deadline) {
      if (qemu.exitCode !== null) throw new Error(`qemu exited (${qemu.exitCode}): ${stderr}`);
      sock = await new Promise<import('node:net').Socket | null>((resolve) => {
        const s = net.createConnection(monitor, () => resolve(s));
        s.once('error', () => resolve(null));
      });
      if (!sock) await sleep(100);
    }
    if (!sock) throw new Error(`the QEMU monitor did not come up: ${stderr}`);
    sock.on('data', () => {});
    for (;;) {
      fs.rmSync(vga, { force: true });
      sock.write(`pmemsave 0xb8000 4000 "${vga}"\n`);
      const until = Date.now() + 2000;
      while (!fs.existsSync(vga) || fs.statSync(vga).size < 4000) {
        if (Date.now() > until) break;
        await sleep(20);
      }
      const screen = screenText();
      const firmware = readText(debugLog);
      if (expect.test(screen)) return { screen, firmware, reached: true };
      if (/Boot failed|No bootable device/.test(firmware) || Date.now() > deadline || qemu.exitCode !== null) {
        await sleep(300); // let the firmware finish its line
        return { screen, firmware: readText(debugLog), reached: false };
      }
      await sleep(500);
    }
  } finally {
    sock?.destroy();
    qemu.kill('SIGKILL');
    await exited;
    for (const f of [monitor, debugLog, vga]) fs.rmSync(f, { force: true });
  }
}
