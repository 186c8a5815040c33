import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, realpath, rename, stat, copyFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../errors';
import type { HelperOperation } from './types';

const MAX_CONFIG_BYTES = 1024 * 1024;
/** a relative path of plain segments, no "..", ending in a file a NixOS config dir holds */
const relativeConfigPath = z
  .string()
  .max(200)
  .regex(/^(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)*[A-Za-z0-9_][A-Za-z0-9._-]*\.(?:nix|lock)$/, 'must be a relative .nix or .lock path inside the configuration folder')
  .refine((p) => !p.split('/').includes('..'), 'must not leave the configuration folder');

export const BACKUP_DIR_NAME = '.nixos-companion-backups';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Atomic write: temp file in the same folder, fsync, rename; the previous version is kept as a timestamped backup. */
export async function atomicWriteWithBackup(baseDir: string, relPath: string, content: string, expectedSha256?: string) {
  const root = await realpath(baseDir).catch(() => {
    throw new AppError('not-found', `The configuration folder ${baseDir} does not exist.`);
  });
  const target = path.join(root, relPath);
  await mkdir(path.dirname(target), { recursive: true });
  const parentReal = await realpath(path.dirname(target));
  if (parentReal !== root && !parentReal.startsWith(root + path.sep)) {
    throw new AppError('refused', 'That file is outside the configuration folder (through a symbolic link).');
  }
  const previous = await readFile(target).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
  if (expectedSha256 !== undefined && (previous === null ? '' : sha256(previous)) !== expectedSha256) {
    throw new AppError('conflict', `${relPath} changed on disk since you opened it. Reload it, then make your change again.`);
  }
  let backup: string | null = null;
  if (previous !== null) {
    const backupDir = path.join(root, BACKUP_DIR_NAME);
    await mkdir(backupDir, { recursive: true, mode: 0o700 });
    backup = path.join(backupDir, `${relPath.replaceAll('/', '__')}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await copyFile(target, backup);
  }
  const mode = previous !== null ? (await stat(target)).mode & 0o777 : 0o644;
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw err;
  }
  await handle.close();
  await rename(temp, target);
  const dirHandle = await open(path.dirname(target), 'r');
  await dirHandle.sync().catch(() => {});
  await dirHandle.close();
  return { path: target, backup, sha256: sha256(content) };
}

/** `<relPath with / as __>.<ISO time with - for : and .>`, as atomicWriteWithBackup names them */
const backupNamePattern = /^([A-Za-z0-9_][A-Za-z0-9._-]*)\.(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)$/;

export function parseBackupName(name: string): { relativePath: string; date: string } | null {
  const m = backupNamePattern.exec(name);
  if (!m) return null;
  const [, flat, stamp] = m;
  const relativePath = flat!.replaceAll('__', '/');
  if (!relativeConfigPath.safeParse(relativePath).success) return null;
  const iso = stamp!.replace(/^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/, '$1:$2:$3.$4Z');
  return { relativePath, date: iso };
}

async function listBackups(baseDir: string, relPath?: string) {
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

export const configOperations = {
  'write-config': {
    description: 'Write one file under the NixOS configuration folder, atomically, keeping a backup',
    args: z
      .object({
        relativePath: relativeConfigPath,
        content: z.string().refine((c) => Buffer.byteLength(c) <= MAX_CONFIG_BYTES, 'is larger than 1 MiB'),
        expectedSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
      })
      .strict(),
    run: (args, io) => atomicWriteWithBackup(io.host.nixosConfigDir, args.relativePath, args.content, args.expectedSha256),
  },
  'config-backups': {
    description: 'List the backups write-config kept, newest first',
    args: z.object({ relativePath: relativeConfigPath.optional() }).strict(),
    run: async (args, io) => ({ backups: await listBackups(io.host.nixosConfigDir, args.relativePath) }),
  },
  'restore-config': {
    description: 'Put a backup back in place through the same atomic write (the current file is backed up first)',
    args: z.object({ backup: z.string().max(300).regex(backupNamePattern) }).strict(),
    run: async (args, io) => {
      const parsed = parseBackupName(args.backup);
      if (!parsed) throw new AppError('refused', 'That is not the name of a configuration backup.');
      const root = await realpath(io.host.nixosConfigDir);
      const content = await readFile(path.join(root, BACKUP_DIR_NAME, args.backup), 'utf8').catch(() => {
        throw new AppError('not-found', 'That backup no longer exists.');
      });
      return atomicWriteWithBackup(root, parsed.relativePath, content);
    },
  },
} satisfies Record<string, HelperOperation<any>>;

