import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readFile, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import { timestampedName, writeFileAtomic } from './fs';
import { sha256 } from './hash';

/**
 * Files of the NixOS configuration folder (and of Home Manager's), written atomically with a timestamped
 * backup under a lock. The root helper writes /etc/nixos with it; the app writes a user's own files with it.
 */

/** a relative path of plain segments, no "..", ending in a file a NixOS config dir holds */
export const relativeConfigPath = z
  .string()
  .max(200)
  .regex(/^(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)*[A-Za-z0-9_][A-Za-z0-9._-]*\.(?:nix|lock)$/, 'must be a relative .nix or .lock path inside the configuration folder')
  .refine((p) => !p.split('/').includes('..'), 'must not leave the configuration folder');

/** `<relPath with / as __>.<ISO time with - for : and .>`, as atomicWriteWithBackup names a backup */
export const backupNamePattern = /^([A-Za-z0-9_][A-Za-z0-9._-]*)\.(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)$/;

export const BACKUP_DIR_NAME = '.nixos-companion-backups';
/** Held (created with O_EXCL) while one write checks, backs up and replaces a file; inside the backups folder, which git commits leave out. */
const LOCK_FILE_NAME = '.write.lock';
/** A lock older than this is left over: a write holds it for a second at most. */
const LOCK_STALE_MS = 120_000;
const LOCK_WAIT_MS = 15_000;

const inside = (root: string, p: string) => p === root || p.startsWith(root + path.sep);
const lstatOrNull = (p: string) => lstat(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
const outsideByLink = () => new AppError('refused', 'That file is outside the configuration folder (through a symbolic link).');

/**
 * The folder `relDir` under root, made one level at a time: every level that exists already is resolved
 * and must still be inside root before anything is made in it, so no folder is ever made through a
 * symbolic link that leads out.
 */
async function folderInside(root: string, relDir: string): Promise<string> {
  let current = root;
  for (const segment of relDir.split('/').filter((s) => s && s !== '.')) {
    const next = path.join(current, segment);
    if ((await lstatOrNull(next)) === null) await mkdir(next, { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)));
    current = await realpath(next).catch(() => {
      throw new AppError('refused', `${path.relative(root, next)} is a symbolic link to a folder that does not exist.`);
    });
    if (!inside(root, current)) throw outsideByLink();
    if (!(await stat(current)).isDirectory()) throw new AppError('refused', `${path.relative(root, next)} is a file, not a folder.`);
  }
  return current;
}

/** The backups folder: made by the helper, so never a symbolic link. */
async function backupFolder(root: string): Promise<string> {
  const dir = path.join(root, BACKUP_DIR_NAME);
  const st = await lstatOrNull(dir);
  if (st === null) await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)));
  else if (!st.isDirectory()) throw new AppError('refused', `${dir} is not a plain folder, so the app will not keep backups in it.`);
  return dir;
}

function holderIsGone(text: string, mtimeMs: number): boolean {
  if (Date.now() - mtimeMs > LOCK_STALE_MS) return true;
  const pid = Number(/^pid (\d+)$/m.exec(text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs `work` while holding the folder's write lock, so two writers never both pass the "changed since
 * you opened it" check. Node has no flock, so the lock is a file made with O_EXCL that names its
 * holder; a lock whose process is gone, or that is older than any write takes, is taken over.
 */
async function withWriteLock<T>(root: string, work: () => Promise<T>): Promise<T> {
  const lock = path.join(await backupFolder(root), LOCK_FILE_NAME);
  const token = `pid ${process.pid}\ntoken ${randomBytes(8).toString('hex')}\n`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const handle = await open(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? null : Promise.reject(e)));
    if (handle) {
      await handle.writeFile(token);
      await handle.close();
      break;
    }
    const held = await readFile(lock, 'utf8').catch(() => null);
    const st = await lstatOrNull(lock);
    if (held !== null && st && holderIsGone(held, st.mtimeMs)) {
      // Move it aside, then check it is the one judged left over: another writer may have taken it over
      // and made a fresh lock in between, which must be put back, not removed.
      const aside = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}`;
      if (await rename(lock, aside).then(() => true, () => false)) {
        if ((await readFile(aside, 'utf8').catch(() => null)) !== held) await link(aside, lock).catch(() => {});
        await unlink(aside).catch(() => {});
      }
      continue;
    }
    if (Date.now() > deadline) throw new AppError('busy', 'Another change to the configuration is being saved. Try again in a moment.');
    await new Promise((resolve) => setTimeout(resolve, Math.min(10 + attempt * 5, 100)));
  }
  try {
    return await work();
  } finally {
    if ((await readFile(lock, 'utf8').catch(() => null)) === token) await unlink(lock).catch(() => {});
  }
}

/**
 * Atomic write: temp file in the same folder, fsync, rename; the previous version is kept as a
 * timestamped backup. The check that the file is still what the caller read, the backup and the rename
 * happen under one lock.
 */
export async function atomicWriteWithBackup(baseDir: string, relPath: string, content: string, expectedSha256?: string) {
  const root = await realpath(baseDir).catch(() => {
    throw new AppError('not-found', `The configuration folder ${baseDir} does not exist.`);
  });
  const parent = await folderInside(root, path.dirname(relPath));
  const target = path.join(parent, path.basename(relPath));
  return withWriteLock(root, async () => {
    if ((await lstatOrNull(target))?.isSymbolicLink() && !inside(root, await realpath(target).catch(() => ''))) throw outsideByLink();
    const previous = await readFile(target).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (expectedSha256 !== undefined && (previous === null ? '' : sha256(previous)) !== expectedSha256) {
      throw new AppError('conflict', `${relPath} changed on disk since you opened it. Reload it, then make your change again.`);
    }
    let backup: string | null = null;
    if (previous !== null) {
      backup = path.join(root, BACKUP_DIR_NAME, timestampedName(relPath.replaceAll('/', '__')));
      await copyFile(target, backup);
    }
    const mode = previous !== null ? (await stat(target)).mode & 0o777 : 0o644;
    await writeFileAtomic(target, content, { mode, durable: true });
    return { path: target, backup, sha256: sha256(content) };
  });
}

/** A backup's name is `<relPath with / as __>.<ISO time with - for : and .>`, as atomicWriteWithBackup names them. */
export function parseBackupName(name: string): { relativePath: string; date: string } | null {
  const m = backupNamePattern.exec(name);
  if (!m) return null;
  const [, flat, stamp] = m;
  const relativePath = flat!.replaceAll('__', '/');
  if (!relativeConfigPath.safeParse(relativePath).success) return null;
  const iso = stamp!.replace(/^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/, '$1:$2:$3.$4Z');
  return { relativePath, date: iso };
}

export async function listBackups(baseDir: string, relPath?: string) {
  const dir = path.join(baseDir, BACKUP_DIR_NAME);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: { name: string; path: string; date: string; size: number }[] = [];
  for (const name of names) {
    const parsed = parseBackupName(name);
    if (!parsed || (relPath && parsed.relativePath !== relPath)) continue;
    const st = await stat(path.join(dir, name)).catch(() => null);
    if (!st?.isFile()) continue;
    out.push({ name, path: parsed.relativePath, date: parsed.date, size: st.size });
  }
  return out.sort((a, b) => b.date.localeCompare(a.date));
}
