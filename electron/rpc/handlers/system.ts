import type { AppContext } from '../../context';
import { addChannel, checkChannelUpdates, listChannelDetails, removeChannel, updateChannels } from '../../services/system/channels';
import { collectGarbage, deleteGenerations } from '../../services/system/cleanup';
import { diffClosures } from '../../services/system/diff';
import { checkFlake, flakeInputs, updateFlake } from '../../services/system/flake';
import { listGenerations } from '../../services/system/generations';
import { storeSize, systemStatus } from '../../services/system/status';
import { startJob } from '../jobs';
import type { Handlers } from '../router';

export const systemHandlers = (ctx: AppContext) =>
  ({
    'system.status': () => systemStatus(ctx),
    'system.storeSize': () => storeSize(ctx),
    'system.generations': (p) => listGenerations(ctx, p),
    'system.diff': (p) => diffClosures(ctx, p),
    'system.channels.list': async () => ({ channels: await listChannelDetails(ctx.host) }),
    'system.channels.add': (p) => addChannel(ctx, p),
    'system.channels.remove': (p) => removeChannel(ctx, p),
    'system.channels.update': (p) =>
      startJob(ctx, 'system.channels.update', { title: p.names?.length ? `Update channel ${p.names.join(', ')}` : 'Update all channels', exclusiveGroup: 'system', cancellable: true }, (job) =>
        updateChannels(ctx, job, p),
      ),
    'system.channels.checkUpdate': (p) => checkChannelUpdates(ctx, p),
    'system.flake.inputs': () => flakeInputs(ctx),
    'system.flake.check': () => startJob(ctx, 'system.flake.check', { title: 'Check flake inputs for updates', cancellable: true }, (job) => checkFlake(ctx, job)),
    'system.flake.update': (p) =>
      startJob(ctx, 'system.flake.update', { title: 'Update flake.lock', exclusiveGroup: 'system', cancellable: true }, (job) => updateFlake(ctx, job, p)),
    'system.deleteGenerations': (p) => deleteGenerations(ctx, p),
    'system.gc': () => startJob(ctx, 'system.gc', { title: 'Collect garbage', exclusiveGroup: 'system', cancellable: true }, (job) => collectGarbage(ctx, job)),
  }) satisfies Partial<Handlers>;
