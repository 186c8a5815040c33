import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { startJob } from '../../rpc/jobs';
import { forwardHelperEvents, JobLogFile, kernelChange, nixosVersions } from './activation';
import { currentGeneration, listProfileLinks, resolveStorePath } from './profile';

/** Kernel and NixOS version of generation N against the running system, before a rollback or switch. */
export async function activationPreview(ctx: AppContext, generation: number) {
  const links = await listProfileLinks(ctx.host.systemProfile);
  const link = links.find((l) => l.generation === generation);
  if (!link) throw new AppError('not-found', `Generation ${generation} does not exist in the system profile.`);
  const [running, current] = await Promise.all([resolveStorePath(ctx.host.currentSystem), currentGeneration(ctx.host.systemProfile)]);
  const [kernel, nixosVersion] = await Promise.all([kernelChange(ctx, link.storePath), nixosVersions(ctx, link.storePath)]);
  const older = links.filter((l) => current !== null && l.generation < current);
  return {
    generation,
    storePath: link.storePath,
    kernel,
    nixosVersion,
    isRunning: running === link.storePath,
    runningStorePath: running,
    rollbackTarget: older.at(-1)?.generation ?? null,
    current,
  };
}

/** The generation a rollback goes to: the newest one older than the profile's current one. */
export async function rollbackTarget(ctx: AppContext): Promise<number> {
  const [links, current] = await Promise.all([listProfileLinks(ctx.host.systemProfile), currentGeneration(ctx.host.systemProfile)]);
  const older = links.filter((l) => current !== null && l.generation < current);
  if (older.length === 0) throw new AppError('not-found', 'There is no older generation to roll back to.');
  return older.at(-1)!.generation;
}

function activationJob(ctx: AppContext, method: 'system.rollback' | 'system.switchGeneration', title: string, target: number, op: () => { name: string; args: unknown }) {
  return startJob(ctx, method, { title, exclusiveGroup: 'system', cancellable: false }, async (job) => {
    const preview = await activationPreview(ctx, target);
    const logFile = new JobLogFile(ctx, job.id);
    await logFile.open();
    job.phase('profile', 'Setting the boot default', { cancellable: false });
    try {
      const { name, args } = op();
      const done = await ctx.privileged.run<{ storePath: string; generation: number | null }>(name, args, { onEvent: forwardHelperEvents(job, logFile) });
      if (preview.kernel.changes) job.log(`The kernel changes (${preview.kernel.running ?? '?'} → ${preview.kernel.target ?? '?'}): restart the computer for it to take effect.`, 'info');
      return { generation: done.generation, storePath: done.storePath, action: 'switch', kernel: preview.kernel, reattached: false };
    } finally {
      await logFile.close();
      ctx.events.emit({ topic: 'changed', what: 'system-profile' });
    }
  });
}

export async function startRollback(ctx: AppContext) {
  const target = await rollbackTarget(ctx);
  return activationJob(ctx, 'system.rollback', `Roll back to generation ${target}`, target, () => ({ name: 'rollback', args: {} }));
}

export async function startSwitchGeneration(ctx: AppContext, generation: number) {
  const links = await listProfileLinks(ctx.host.systemProfile);
  if (!links.some((l) => l.generation === generation)) throw new AppError('not-found', `Generation ${generation} does not exist in the system profile.`);
  return activationJob(ctx, 'system.switchGeneration', `Switch to generation ${generation}`, generation, () => ({ name: 'switch-generation', args: { generation } }));
}

