import type { AppServices } from '../../app';
import type { AppContext } from '../../context';
import { reattachRunningActivation } from '../../services/system/activation';
import { evaluateConfig, listConfigBackups, parseConfig, readConfig, restoreConfigBackup, writeConfig } from '../../services/system/config';
import { activationPreview, startRollback, startSwitchGeneration, startSwitchSpecialisation } from '../../services/system/rollback';
import { readSystemSettings, writeSystemSettings } from '../../services/system/settings';
import type { Handlers } from '../router';

export const systemRebuildHandlers = (ctx: AppContext, { rebuild, safeSwitch }: Pick<AppServices, 'rebuild' | 'safeSwitch'>) => {
  return {
    'system.rebuild': (params) => rebuild.start(params),
    'system.rebuild.confirm': ({ jobId, proceed }) => rebuild.confirm(jobId, proceed),
    'system.rebuild.preview': ({ jobId }) => rebuild.waiting(jobId),
    'system.rebuild.reattach': async () => ({ jobId: (await reattachRunningActivation(ctx)) ?? ctx.jobs.running('system')[0]?.id ?? null }),
    'system.settings.get': () => readSystemSettings(ctx),
    'system.settings.set': (change) => writeSystemSettings(ctx, change),
    'system.safeSwitch': (params) => safeSwitch.start(params),
    'system.safeSwitch.confirm': () => safeSwitch.confirm(),
    'system.safeSwitch.revert': () => safeSwitch.revert(),
    'system.safeSwitch.status': () => safeSwitch.status(),
    'system.rollback': (params) => startRollback(ctx, params),
    'system.switchGeneration': (params) => startSwitchGeneration(ctx, params),
    'system.switchSpecialisation': (params) => startSwitchSpecialisation(ctx, params),
    'system.activationPreview': ({ generation, specialisation }) => activationPreview(ctx, generation, specialisation),
    'system.config.read': ({ path }) => readConfig(ctx, path),
    'system.config.parse': ({ content }) => parseConfig(ctx, content),
    'system.config.evaluate': (params) => evaluateConfig(ctx, params),
    'system.config.write': (params) => writeConfig(ctx, params),
    'system.config.backups': ({ path }) => listConfigBackups(ctx, path),
    'system.config.restore': ({ backup }) => restoreConfigBackup(ctx, backup),
  } satisfies Partial<Handlers>;
};
