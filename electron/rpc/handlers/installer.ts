import type { AppContext } from '../../context';
import { downloadImage } from '../../services/installer/download';
import { checkLocalImage } from '../../services/installer/local-image';
import { pickImage } from '../../services/installer/pick-image';
import { arches, editions, listReleases, machineArch, resolveImage } from '../../services/installer/releases';
import { saveStarterConfig, starterConfig } from '../../services/installer/starter-config';
import { startJob } from '../jobs';
import type { Handlers } from '../router';

export const installerHandlers = (ctx: AppContext) =>
  ({
    'installer.releases': async () => ({ releases: await listReleases(ctx), editions, arches, machineArch: machineArch(), channelBaseUrl: ctx.host.channelBaseUrl }),
    'installer.resolve': (p) => resolveImage(ctx, p.channel, p.edition, p.arch),
    'installer.download': (p) =>
      startJob(ctx, 'installer.download', { title: `Download ${p.channel} ${p.edition} ${p.arch}`, exclusiveGroup: 'download', cancellable: true }, (job) => downloadImage(ctx, job, p)),
    'installer.checkLocal': (p) => startJob(ctx, 'installer.checkLocal', { title: 'Check an ISO file', cancellable: true }, (job) => checkLocalImage(job, p)),
    'installer.pickImage': () => pickImage(ctx),
    'installer.starterConfig': (p) => starterConfig(ctx, p),
    'installer.saveStarterConfig': (p) => saveStarterConfig(ctx, p),
  }) satisfies Partial<Handlers>;
