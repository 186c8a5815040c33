import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sha256File } from './hash';
import { every, RateMeter } from './meter';
import { AppError } from '../errors';
import type { Exec } from './drives';

/**
 * A Ventoy stick keeps ISOs as plain files on its data partition (labelled "Ventoy", usually exFAT) and
 * boots them from its own 32 MiB VTOYEFI partition. Copying is a file copy; verifying means reading the
 * copy back from the medium, not from the page cache, so the partition is unmounted and mounted again
 * before the read-back.
 */

export const VENTOY_WARNING =
  'Booting NixOS installer ISOs through Ventoy is known to be unreliable (the installer may fail to find its root filesystem). A raw write to a stick is the safe default; use Ventoy only if you know it works on your machine.';

const FUSE_FALLBACK: Record<string, string[]> = {
  exfat: ['exfat', 'exfat-fuse'],
  vfat: ['vfat'],
  ntfs: ['ntfs3', 'ntfs-3g', 'ntfs'],
  ext4: ['ext4'],
};

/** Mounts a partition on a fresh private folder, trying the kernel driver first and then FUSE. */
export async function mountPrivately(exec: Exec, partition: string, fsType: string | null, readOnly: boolean): Promise<string> {
  const base = process.getuid?.() === 0 ? '/run' : os.tmpdir();
  const dir = await fsp.mkdtemp(path.join(base, 'nixos-companion-ventoy-'));
  const types = FUSE_FALLBACK[fsType ?? ''] ?? [fsType ?? 'auto'];
  const errors: string[] = [];
  for (const t of types) {
    try {
      await exec('mount', ['-t', t, '-o', `${readOnly ? 'ro' : 'rw'},nosuid,nodev,noexec`, '--', partition, dir]);
      return dir;
    } catch (err) {
      errors.push(`${t}: ${(err as AppError).detail ?? (err as Error).message}`);
    }
  }
  await fsp.rmdir(dir).catch(() => {});
  throw new AppError(
    'unsupported',
    `The Ventoy partition ${partition} (${fsType ?? 'unknown filesystem'}) could not be opened on this system. For exFAT, the kernel's exfat driver or exfat-fuse is needed.`,
    errors.join('\n'),
  );
}

export async function unmountPrivately(exec: Exec, dir: string): Promise<void> {
  await exec('umount', ['--', dir]).catch(async () => {
    await new Promise((r) => setTimeout(r, 500));
    await exec('umount', ['--', dir]);
  });
  await fsp.rmdir(dir).catch(() => {});
}

export async function listIsos(dir: string): Promise<{ name: string; size: number }[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: { name: string; size: number }[] = [];
  for (const e of entries) {
    if (!e.isFile() || !/\.iso$/i.test(e.name)) continue;
    const st = await fsp.stat(path.join(dir, e.name)).catch(() => null);
    if (st) out.push({ name: e.name, size: st.size });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function freeBytes(dir: string): Promise<{ free: number; size: number }> {
  const s = await fsp.statfs(dir);
  return { free: s.bavail * s.bsize, size: s.blocks * s.bsize };
}

export interface CopyProgress {
  phase: 'copy' | 'verify';
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
  etaSeconds: number | undefined;
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Copies `image` (already opened by the caller with the right permissions) to `<dir>/<name>.part`,
 * hashing on the way, fsyncs, renames into place and fsyncs the folder.
 */
export async function copyInto(
  source: fsp.FileHandle,
  dir: string,
  name: string,
  opts: { signal?: AbortSignal; onProgress?: (p: CopyProgress) => void },
): Promise<{ destination: string; bytes: number; sha256: string }> {
  const size = (await source.stat()).size;
  const { free } = await freeBytes(dir);
  const existing = await fsp.stat(path.join(dir, name)).then((s) => s.size, () => 0);
  if (free + existing < size) {
    throw new AppError('disk-full', `The Ventoy stick has ${(free / 1e9).toFixed(2)} GB free, but the image needs ${(size / 1e9).toFixed(2)} GB. Delete an ISO from it, or use a bigger stick.`);
  }
  const destination = path.join(dir, name);
  const temp = `${destination}.part`;
  const out = await fsp.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  const hash = createHash('sha256');
  const meter = new RateMeter(size);
  const due = every(150);
  let pos = 0;
  try {
    const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let i = 0;
    let n = (await source.read(bufs[0]!, 0, CHUNK, 0)).bytesRead;
    while (n > 0) {
      if (opts.signal?.aborted) throw new AppError('cancelled', 'Cancelled. The partial copy was removed.');
      const cur = bufs[i]!;
      const nxt = bufs[1 - i]!;
      const writing = out.write(cur, 0, n, pos);
      const reading = source.read(nxt, 0, CHUNK, pos + n);
      hash.update(cur.subarray(0, n));
      const [, r] = await Promise.all([writing, reading]);
      pos += n;
      n = r.bytesRead;
      i = 1 - i;
      if (due()) opts.onProgress?.({ phase: 'copy', bytesDone: pos, bytesTotal: size, ...meter.sample(pos) });
    }
    if (pos !== size) throw new AppError('command-failed', 'The image changed size while it was being copied.');
    await out.sync();
  } catch (err) {
    await out.close().catch(() => {});
    await fsp.unlink(temp).catch(() => {});
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new AppError('disk-full', 'The Ventoy stick ran out of space during the copy. The partial copy was removed.');
    if (code === 'EIO' || code === 'ENODEV' || code === 'ENXIO') throw new AppError('command-failed', 'The Ventoy stick stopped accepting data (input/output error). Was it unplugged?', String(err));
    throw err;
  }
  await out.close();
  await fsp.rename(temp, destination);
  const dh = await fsp.open(dir, constants.O_RDONLY);
  await dh.sync().catch(() => {});
  await dh.close();
  opts.onProgress?.({ phase: 'copy', bytesDone: pos, bytesTotal: size, ...meter.sample(pos) });
  return { destination, bytes: pos, sha256: hash.digest('hex') };
}

export async function writeSmallFile(dir: string, name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  const fh = await fsp.open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  return file;
}

/** Read a file back and hash it, with progress. */
export async function verifyCopy(file: string, expected: string, opts: { signal?: AbortSignal; onProgress?: (p: CopyProgress) => void }): Promise<void> {
  const size = (await fsp.stat(file)).size;
  const meter = new RateMeter(size);
  const due = every(150);
  const { sha256: got } = await sha256File(file, { onBytes: (n) => due() && opts.onProgress?.({ phase: 'verify', bytesDone: n, bytesTotal: size, ...meter.sample(n) }), signal: opts.signal });
  opts.onProgress?.({ phase: 'verify', bytesDone: size, bytesTotal: size, ...meter.sample(size) });
  if (got !== expected) {
    throw new AppError('command-failed', 'The copy on the Ventoy stick does not match the image (read back from the stick). The stick may be faulty; try another one.', `image ${expected}\ncopy  ${got}`);
  }
}
