import path from 'node:path';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { CommandFailed } from '../../exec/runner';
import { currentGeneration, listProfileLinks } from '../system/profile';
import { stripAnsi } from '../../core/text';
import { findHomeManager, homeManagerEnv, supportsSwitchRollback } from './command';
import { activationGap, generationFormat } from './generations';
import { homeManagerProfile } from './profile-path';

export interface ActivationResult {
  method: 'home-manager switch --rollback' | 'profile and activate';
  from: number | null;
  to: number | null;
  message: string;
}

/** Log every line to the job and keep the last ones for the error detail. */
function logTo(job: JobContext, tail: string[] = []) {
  return (stream: 'stdout' | 'stderr', raw: string) => {
    const line = stripAnsi(raw);
    tail.push(line);
    if (tail.length > 40) tail.shift();
    job.log(line, stream);
  };
}

/**
 * Activate generation N without `switch --rollback`.
 * - A generation with gen-version (Home Manager 25.11 and later) is driven the way home-manager 25.11
 *   drives it: the profile is pointed at N first, then `activate --driver-version 1` (it compares
 *   against the last activated generation and leaves the profile alone).
 * - Older ones, as the Home Manager manual says for releases before 25.11: run N's own `activate`. Its
 *   activation compares against the generation the profile points at (so it removes links only the
 *   newer one had) and records N as a new profile generation. Afterwards the profile is pointed at N
 *   itself and that duplicate generation is dropped, so the result is what `switch --rollback` leaves.
 * If the activation fails, the profile is put back where it was.
 */
async function profileAndActivate(ctx: AppContext, job: JobContext, profile: string, from: number | null, target: number): Promise<ActivationResult> {
  const before = await listProfileLinks(profile);
  const link = before.find((l) => l.generation === target);
  if (!link) throw new AppError('not-found', `There is no Home Manager generation ${target}.`);
  const nixEnv = (args: string[]) => {
    job.log(`$ nix-env --profile ${profile} ${args.join(' ')}`, 'info');
    return ctx.runner.run('nix-env', ['--profile', profile, ...args], { timeoutMs: 60_000, onLine: logTo(job) });
  };
  /** generations the activation itself added (old-style activations record one) */
  const addedSince = async () => {
    const known = new Set(before.map((l) => l.generation));
    return (await listProfileLinks(profile)).filter((l) => !known.has(l.generation));
  };

  const driven = ((await generationFormat(link.storePath)) ?? 0) >= 1;
  if (driven) {
    job.phase('profile', `Making generation ${target} current`, { cancellable: false });
    if ((await currentGeneration(profile)) !== target) await nixEnv(['--switch-generation', String(target)]);
  }
  job.phase('activate', `Activating generation ${target}`, { cancellable: false });
  const activate = path.join(link.storePath, 'activate');
  const args = driven ? ['--driver-version', '1'] : [];
  job.log(`$ ${[activate, ...args].join(' ')}`, 'info');
  const tail: string[] = [];
  try {
    await ctx.runner.run(activate, args, { timeoutMs: 30 * 60_000, onLine: logTo(job, tail), cwd: ctx.host.homeDir, env: homeManagerEnv(ctx) });
  } catch (err) {
    const now = await currentGeneration(profile);
    if (from !== null && now !== from) {
      await nixEnv(['--switch-generation', String(from)]).catch(() => {});
      const extra = (await addedSince()).map((l) => String(l.generation));
      if (extra.length) await nixEnv(['--delete-generations', ...extra]).catch(() => {});
      ctx.events.emit({ topic: 'changed', what: 'home-profile' });
    }
    const detail = err instanceof CommandFailed ? tail.slice(-20).join('\n') : String(err);
    throw new AppError(
      'command-failed',
      `Generation ${target} could not be activated, so generation ${from ?? '?'} is current again. Some files may already point at generation ${target}: switch again to put everything back.`,
      detail,
    );
  }

  job.phase('profile', `Making generation ${target} current`, { cancellable: false });
  if ((await currentGeneration(profile)) !== target) await nixEnv(['--switch-generation', String(target)]);
  const duplicates = (await addedSince()).filter((l) => l.storePath === link.storePath).map((l) => String(l.generation));
  if (duplicates.length) await nixEnv(['--delete-generations', ...duplicates]);
  ctx.events.emit({ topic: 'changed', what: 'home-profile' });
  const now = await currentGeneration(profile);
  return { method: 'profile and activate', from, to: now, message: `Generation ${target} is active.` };
}

export async function rollbackHome(ctx: AppContext, job: JobContext): Promise<ActivationResult> {
  const profile = await homeManagerProfile(ctx.host);
  const from = await currentGeneration(profile);
  const links = await listProfileLinks(profile);
  const older = links.filter((l) => from !== null && l.generation < from).pop();
  if (!older) throw new AppError('not-found', `There is no generation older than the current one (${from ?? 'none'}) to go back to.`);
  const command = await findHomeManager(ctx);
  if (command && (await supportsSwitchRollback(ctx, command))) {
    job.phase('activate', 'home-manager switch --rollback', { cancellable: false });
    job.log('$ home-manager switch --rollback', 'info');
    const tail: string[] = [];
    try {
      await ctx.runner.run(command.path, ['switch', '--rollback'], { timeoutMs: 30 * 60_000, onLine: logTo(job, tail), cwd: ctx.host.homeDir, env: homeManagerEnv(ctx) });
    } catch (err) {
      const detail = err instanceof CommandFailed ? tail.slice(-20).join('\n') : String(err);
      const now = await currentGeneration(profile);
      const gap = await activationGap(ctx, await listProfileLinks(profile), now, from);
      const state = gap
        ? `The profile records generation ${gap.recorded}, but your files are still ${gap.filesOf !== null ? `generation ${gap.filesOf}’s` : 'those of the generation before'}: switch to generation ${gap.filesOf ?? from ?? '?'} to make them agree again.`
        : `Generation ${now ?? '?'} is current.`;
      throw new AppError('command-failed', `The rollback did not finish. ${state}`, detail);
    } finally {
      ctx.events.emit({ topic: 'changed', what: 'home-profile' });
    }
    const now = await currentGeneration(profile);
    return { method: 'home-manager switch --rollback', from, to: now, message: `Rolled back to generation ${now}.` };
  }
  return profileAndActivate(ctx, job, profile, from, older.generation);
}

export async function switchHomeGeneration(ctx: AppContext, job: JobContext, target: number): Promise<ActivationResult> {
  const profile = await homeManagerProfile(ctx.host);
  const from = await currentGeneration(profile);
  return profileAndActivate(ctx, job, profile, from, target);
}
