import type { JobResult } from '../../../shared/contract';
import { rollbackTargetMovedMessage, rollbackTargetOf } from '../../../shared/rollback';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { HelperCall } from '../../helper/contract';
import type { JobContext, JobPlan } from '../../exec/jobs';
import { JobLogFile, kernelChange, nixosVersions } from './activation';
import { specialisationPaths } from './generations-running';
import { requireActivationFits } from './preflight';
import { readSystemProfile, requireCurrent, requireGeneration, resolveStorePath, type ProfileLink } from '../../core/profile';

/**
 * Rollback, switch to generation N and switch to a generation's specialisation. Each acts on what the
 * person saw: the preview names the generation and the one that is current, the action carries both,
 * and it is refused (here, and again as root) when the profile moved in between.
 */

const readProfile = (ctx: AppContext) => readSystemProfile(ctx.host.systemProfile);

/** The store path of generation N's specialisation, refused in words when it has none of that name. */
async function specialisationOf(link: ProfileLink, name: string): Promise<string> {
  const target = (await specialisationPaths(link.storePath)).get(name);
  if (!target) throw new AppError('not-found', `Generation ${link.generation} has no specialisation called "${name}".`);
  return target;
}

/** What activating generation N (or its specialisation) would change at a glance, against the running system. */
export async function activationPreview(ctx: AppContext, generation: number, specialisation?: string) {
  const { links, current } = await readProfile(ctx);
  const link = requireGeneration(links, generation);
  const storePath = specialisation ? await specialisationOf(link, specialisation) : link.storePath;
  const running = await resolveStorePath(ctx.host.currentSystem);
  const [kernel, nixosVersion] = await Promise.all([kernelChange(ctx, storePath), nixosVersions(ctx, storePath)]);
  return {
    generation,
    specialisation: specialisation ?? null,
    storePath,
    kernel,
    nixosVersion,
    isRunning: running === storePath,
    runningStorePath: running,
    rollbackTarget: rollbackTargetOf(links.map((l) => l.generation), current),
    current,
  };
}

export interface RollbackRequest {
  /** the generation the preview showed as the rollback's target */
  target: number;
  /** the generation the preview showed as current */
  expectedCurrent: number;
}

/** Checked before the job starts, so a stale preview is refused at once; the helper checks again as root. */
async function checkRollback(ctx: AppContext, request: RollbackRequest) {
  const { links, current } = await readProfile(ctx);
  requireCurrent(current, request.expectedCurrent);
  const target = rollbackTargetOf(links.map((l) => l.generation), current);
  if (target === null) throw new AppError('not-found', 'There is no older generation to roll back to.');
  if (target !== request.target) throw new AppError('conflict', rollbackTargetMovedMessage('system', request.target, target));
}

type ActivationMethod = 'system.rollback' | 'system.switchGeneration' | 'system.switchSpecialisation';

async function activationJob(
  ctx: AppContext,
  title: string,
  preview: { generation: number; specialisation?: string },
  op: HelperCall<'rollback' | 'switch-generation'> & { phase: [id: string, label: string] },
): Promise<JobPlan<JobResult<ActivationMethod>>> {
  // the pre-flight: a kernel that cannot fit on /boot is refused before anything starts
  await requireActivationFits(ctx, preview.generation, preview.specialisation);
  const work = async (job: JobContext) => {
    const before = await activationPreview(ctx, preview.generation, preview.specialisation);
    const logFile = new JobLogFile(ctx, job.id);
    await logFile.open();
    job.phase(op.phase[0], op.phase[1], { cancellable: false });
    try {
      const done = await ctx.privileged.run(op.name, op.args, { job, logFile });
      if (before.kernel.changes) job.log(`The kernel changes (${before.kernel.running ?? '?'} → ${before.kernel.target ?? '?'}): restart the computer for it to take effect.`, 'info');
      return { generation: done.generation, storePath: done.storePath, action: 'switch', kernel: before.kernel, reattached: false, specialisation: preview.specialisation ?? null };
    } finally {
      await logFile.close();
      ctx.events.emit({ topic: 'changed', what: 'system-profile' });
    }
  };
  return { title, exclusiveGroup: 'system', cancellable: false, work };
}

/** The rollback job (checked against the profile first, so a stale preview is refused at once); the handler starts it. */
export async function rollbackJob(ctx: AppContext, request: RollbackRequest) {
  await checkRollback(ctx, request);
  return activationJob(ctx, `Roll back to generation ${request.target}`, { generation: request.target }, {
    name: 'rollback',
    args: { target: request.target, expectedCurrent: request.expectedCurrent },
    phase: ['profile', 'Setting the boot default'],
  });
}

export async function switchGenerationJob(ctx: AppContext, request: { generation: number; expectedCurrent: number | null }) {
  const { links, current } = await readProfile(ctx);
  requireGeneration(links, request.generation);
  requireCurrent(current, request.expectedCurrent);
  return activationJob(ctx, `Switch to generation ${request.generation}`, { generation: request.generation }, {
    name: 'switch-generation',
    args: { generation: request.generation, expectedCurrent: request.expectedCurrent },
    phase: ['profile', 'Setting the boot default'],
  });
}

/**
 * `<generation>/specialisation/<name>/bin/switch-to-configuration switch`, as `nixos-rebuild switch
 * --specialisation <name>` runs it (nixos-rebuild-ng's nix.switch_to_configuration): the profile is not
 * changed, so the boot default stays what it is.
 */
export async function switchSpecialisationJob(ctx: AppContext, request: { generation: number; specialisation: string; expectedCurrent: number | null }) {
  const { links, current } = await readProfile(ctx);
  await specialisationOf(requireGeneration(links, request.generation), request.specialisation);
  requireCurrent(current, request.expectedCurrent);
  return activationJob(
    ctx,
    `Switch to specialisation ${request.specialisation} of generation ${request.generation}`,
    { generation: request.generation, specialisation: request.specialisation },
    {
      name: 'switch-generation',
      args: { generation: request.generation, expectedCurrent: request.expectedCurrent, specialisation: request.specialisation },
      phase: ['activate', `Activating specialisation ${request.specialisation}`],
    },
  );
}
