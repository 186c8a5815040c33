import type { AppServices } from '../../app';
import type { AppContext } from '../../context';
import { reattachJob } from '../../services/system/activation';
import { evaluateConfig, listConfigBackups, parseConfig, readConfig, restoreConfigBackup, writeConfig } from '../../services/system/config';
import { activationPreview, rollbackJob, switchGenerationJob, switchSpecialisationJob } from '../../services/system/rollback';
import { readSystemSettings, writeSystemSettings } from '../../services/system/settings';
import { startJob } from '../jobs';
import type { Handlers } from '../router';

export const systemRebuildHandlers = (ctx: AppContext, { rebuild, safeSwitch }: Pick<AppServices, 'rebuild' | 'safeSwitch'>) => {
  return {
    'system.rebuild': (params) => startJob(ctx, 'system.rebuild', rebuild.plan(params)),
    'system.rebuild.confirm': ({ jobId, proceed }) => rebuild.confirm(jobId, proceed),
    'system.rebuild.preview': ({ jobId }) => rebuild.waiting(jobId),
    'system.rebuild.reattach': async () => {
      const plan = await reattachJob(ctx);
      return { jobId: plan ? startJob(ctx, 'system.rebuild', plan).jobId : (ctx.jobs.running('system')[0]?.id ?? null) };
    },
    'system.settings.get': () => readSystemSettings(ctx),
    'system.settings.set': (change) => writeSystemSettings(ctx, change),
    'system.safeSwitch': (params) => startJob(ctx, 'system.safeSwitch', safeSwitch.plan(params)),
    'system.safeSwitch.confirm': () => safeSwitch.confirm(),
    'system.safeSwitch.revert': () => safeSwitch.revert(),
    'system.safeSwitch.status': () => safeSwitch.status(),
    'system.rollback': async (params) => startJob(ctx, 'system.rollback', await rollbackJob(ctx, params)),
    'system.switchGeneration': async (params) => startJob(ctx, 'system.switchGeneration', await switchGenerationJob(ctx, params)),
    'system.switchSpecialisation': async (params) => startJob(ctx, 'system.switchSpecialisation', await switchSpecialisationJob(ctx, params)),
    'system.activationPreview': ({ generation, specialisation }) => activationPreview(ctx, generation, specialisation),
    'system.config.read': ({ path }) => readConfig(ctx, path),
    'system.config.parse': ({ content }) => parseConfig(ctx, content),
    'system.config.evaluate': (params) => evaluateConfig(ctx, params),
    'system.config.write': (params) => writeConfig(ctx, params),
    'system.config.backups': ({ path }) => listConfigBackups(ctx, path),
    'system.config.restore': ({ backup }) => restoreConfigBackup(ctx, backup),
  } satisfies Partial<Handlers>;
};
