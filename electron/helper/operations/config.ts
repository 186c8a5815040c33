import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { atomicWriteWithBackup, BACKUP_DIR_NAME, listBackups, parseBackupName } from '../../core/config-files';
import { AppError } from '../../errors';
import type { HelperImplementations } from './types';

export const configOperations = {
  'write-config': (args, io) => atomicWriteWithBackup(io.host.nixosConfigDir, args.relativePath, args.content, args.expectedSha256),
  'config-backups': async (args, io) => ({ backups: await listBackups(io.host.nixosConfigDir, args.relativePath) }),
  'restore-config': async (args, io) => {
    const parsed = parseBackupName(args.backup);
    if (!parsed) throw new AppError('refused', 'That is not the name of a configuration backup.');
    const root = await realpath(io.host.nixosConfigDir);
    const content = await readFile(path.join(root, BACKUP_DIR_NAME, args.backup), 'utf8').catch(() => {
      throw new AppError('not-found', 'That backup no longer exists.');
    });
    return atomicWriteWithBackup(root, parsed.relativePath, content);
  },
} satisfies Partial<HelperImplementations>;
