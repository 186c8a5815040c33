import path from 'node:path';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { CommandFailed } from '../../exec/runner';
import { currentGeneration, listProfileLinks } from '../system/profile';
import { findHomeManager, homeManagerVersion, stripAnsi, supportsSwitchRollback } from './command';
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

/** Point the profile at generation N (nix-env), then run N's own activate script, as the manual says. */
async function profileAndActivate(ctx: AppContext, job: JobContext, profile: string, from: number | null, target: number): Promise<ActivationResult> {
  const links = await listProfileLinks(profile);
  const link = links.find((l) => l.generation === target);
  if (!link) throw new AppError('not-found', `There is no Home Manager generation ${target}.`);
  job.phase('profile', `Making generation ${target} current`, { cancellable: false });
  job.log(`$ nix-env --profile ${profile} --switch-generation ${target}`, 'info');
  await ctx.runner.run('nix-env', ['--profile', profile, '--switch-generation', String(target)], { timeoutMs: 60_000, onLine: logTo(job) });
  ctx.events.emit({ topic: 'changed', what: 'home-profile' });
  job.phase('activate', `Activating generation ${target}`, { cancellable: false });
  const activate = path.join(link.storePath, 'activate');
  job.log(`$ ${activate}`, 'info');
  const tail: string[] = [];
  try {
    await ctx.runner.run(activate, [], { timeoutMs: 30 * 60_000, onLine: logTo(job, tail), cwd: ctx.host.homeDir });
  } catch (err) {
    if (from !== null && from !== target) {
      await ctx.runner.run('nix-env', ['--profile', profile, '--switch-generation', String(from)], { timeoutMs: 60_000 }).catch(() => {});
      ctx.events.emit({ topic: 'changed', what: 'home-profile' });
    }
    const detail = err instanceof CommandFailed ? tail.slice(-20).join('\n') : String(err);
    throw new AppError(
      'command-failed',
      `Generation ${target} could not be activated, so generation ${from ?? '?'} is current again. Some files may already point at generation ${target}: switch again to put everything back.`,
      detail,
    );
  }
  const now = await currentGeneration(profile);
  return { method: 'profile and activate', from, to: now, message: `Generation ${target} is active${now !== target ? ` (its activation recorded it as generation ${now})` : ''}.` };
}

export async function rollbackHome(ctx: AppContext, job: JobContext): Promise<ActivationResult> {
  const profile = await homeManagerProfile(ctx.host);
  const from = await currentGeneration(profile);
  const links = await listProfileLinks(profile);
  const older = links.filter((l) => from !== null && l.generation < from).pop();
  if (!older) throw new AppError('not-found', `There is no generation older than the current one (${from ?? 'none'}) to go back to.`);
  const command = await findHomeManager(ctx);
  const version = await homeManagerVersion(ctx, command);
  if (command && supportsSwitchRollback(version)) {
    job.phase('activate', 'home-manager switch --rollback', { cancellable: false });
    job.log('$ home-manager switch --rollback', 'info');
    const tail: string[] = [];
    try {
      await ctx.runner.run(command.path, ['switch', '--rollback'], { timeoutMs: 30 * 60_000, onLine: logTo(job, tail), cwd: ctx.host.homeDir });
    } catch (err) {
      const detail = err instanceof CommandFailed ? tail.slice(-20).join('\n') : String(err);
      const now = await currentGeneration(profile);
      throw new AppError('command-failed', `The rollback did not finish. Generation ${now ?? '?'} is current.`, detail);
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
