import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { rollbackTargetMovedMessage, rollbackTargetOf } from '../../../shared/rollback';
import { AppError } from '../../errors';
import { CommandRunner } from '../../core/process';
import { specialisationPaths } from '../../core/generations-running';
import { currentGeneration, readSystemProfile, requireCurrent, requireGeneration, type ProfileLink } from '../../core/profile';
import type { HelperIO } from '../io';
import { runActivation } from './rebuild';
import type { HelperImplementations } from './types';

/**
 * Rollback and switch to generation N (or to its specialisation) as root. The caller names the
 * generation it showed the person and the one it saw as current; if the profile moved since, nothing
 * is done: the person approved a change from M to N, not from whatever is current now.
 */

const readProfile = (io: HelperIO) => readSystemProfile(io.host.systemProfile);

async function switchProfile(io: HelperIO, generation: number) {
  io.phase('profile', 'Setting the boot default', false);
  await new CommandRunner(io.host).run('nix-env', ['-p', io.host.systemProfile, '--switch-generation', String(generation)], {
    onLine: (stream, line) => io.log(line, stream),
    buffer: true,
    timeoutMs: 120_000,
  });
}

/** Activate what the profile points at now, and report which generation that is. */
async function activateProfile(io: HelperIO) {
  const storePath = await realpath(io.host.systemProfile);
  await runActivation(io, storePath, 'switch');
  return { storePath, generation: await currentGeneration(io.host.systemProfile) };
}

/** A specialisation's own system: a store path of its own, found here under the generation, never a path from the caller. */
async function specialisationSystem(io: HelperIO, link: ProfileLink, name: string): Promise<string> {
  const storePath = (await specialisationPaths(link.storePath)).get(name);
  const storeDir = path.resolve(io.host.nixStoreDir);
  if (!storePath) throw new AppError('not-found', `Generation ${link.generation} has no specialisation called "${name}".`);
  if (path.dirname(storePath) !== storeDir) throw new AppError('refused', `The specialisation "${name}" of generation ${link.generation} is not a system in the Nix store.`);
  return storePath;
}

export const systemSwitchOperations = {
  rollback: async (args, io) => {
    const { links, current } = await readProfile(io);
    requireCurrent(current, args.expectedCurrent);
    const target = rollbackTargetOf(links.map((l) => l.generation), current);
    if (target === null) throw new AppError('not-found', 'There is no older generation to roll back to.');
    if (target !== args.target) throw new AppError('conflict', rollbackTargetMovedMessage('system', args.target, target));
    // the generation checked above, by number: what --rollback picks, without a second look at the profile
    await switchProfile(io, target);
    return activateProfile(io);
  },

  'switch-generation': async (args, io) => {
    const { links, current } = await readProfile(io);
    const link = requireGeneration(links, args.generation);
    requireCurrent(current, args.expectedCurrent);
    if (args.specialisation !== undefined) {
      const storePath = await specialisationSystem(io, link, args.specialisation);
      await runActivation(io, storePath, 'switch');
      return { storePath, generation: args.generation };
    }
    await switchProfile(io, args.generation);
    return activateProfile(io);
  },
} satisfies Partial<HelperImplementations>;
