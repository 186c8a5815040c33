import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors';

/**
 * A file's text, or null when there is no such file. Any other failure is thrown, not taken for "absent"
 * (a caller that took an unreadable file for a missing one would write over it): a file it may not read
 * in words, others (EISDIR, EIO) as they are.
 */
export async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'EACCES' || code === 'EPERM') throw new AppError('not-authorized', `${file} is there, but your account may not read it.`, String((err as Error).message));
    throw err;
  }
}

export interface AtomicWriteOptions {
  /** permission bits of the new file (default 0o644 less the umask) */
  mode?: number;
  /** make the folder first */
  mkdir?: boolean;
  /** fsync the file and its folder, for files that must survive a power cut (configuration, a stick) */
  durable?: boolean;
}

/**
 * Writes `file` so that a reader sees the old text or the new one, never half: a temporary file in the
 * same folder, renamed over it. The temporary file is removed when anything fails.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  if (opts.mkdir) await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(temp, 'wx', opts.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      if (opts.durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  if (opts.durable) {
    const dh = await open(dir, 'r');
    await dh.sync().catch(() => {});
    await dh.close();
  }
}

/** `<name>.<ISO time with - for : and .>`: a backup's name that sorts by time and says when. */
export function timestampedName(name: string, date = new Date()): string {
  return `${name}.${date.toISOString().replace(/[:.]/g, '-')}`;
}
