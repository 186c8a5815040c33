import type { AppContext } from '../../context';
import { activationPreflight, cleanupPreflight, reportOfJob, runPreflightFix } from '../../services/system/preflight';
import { startJob } from '../jobs';
import type { Handlers } from '../router';

export const systemPreflightHandlers = (ctx: AppContext) =>
  ({
    'system.preflight': (p) => {
      if (p.kind === 'activate') return activationPreflight(ctx, p.generation, p.specialisation);
      if (p.kind === 'cleanup') return cleanupPreflight(ctx, p.rule);
      return reportOfJob(ctx, p.jobId);
    },
    'system.preflight.fix': (p) =>
      startJob(ctx, 'system.preflight.fix', { title: 'Make room: delete old generations', exclusiveGroup: 'system', cancellable: false }, (job) => runPreflightFix(ctx, job, p)),
  }) satisfies Partial<Handlers>;
