import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { profileMovedMessage } from '../../../shared/rollback';
import { AppError } from '../../errors';
import { currentGeneration } from '../../core/profile';
import { runActivation } from './rebuild';
import type { HelperImplementations } from './types';

/**
 * Rebuild the boot menu: the boot default's own `switch-to-configuration boot`, as the NixOS manual
 * says to run after deleting generations. The boot loader builder then drops the deleted generations'
 * entries and kernels from /boot. Nothing is activated; only while the boot default is the one the
 * caller saw.
 */
export const bootMenuOperations = {
  'boot-menu': async (args, io) => {
    const current = await currentGeneration(io.host.systemProfile);
    if (current !== args.expectedCurrent) throw new AppError('conflict', profileMovedMessage('system', current));
    const storePath = await realpath(io.host.systemProfile);
    if (path.dirname(storePath) !== path.resolve(io.host.nixStoreDir)) throw new AppError('refused', 'The boot default is not a system in the Nix store.');
    await runActivation(io, storePath, 'boot');
    return { storePath, generation: current };
  },
} satisfies Partial<HelperImplementations>;
