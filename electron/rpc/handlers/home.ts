import type { AppContext } from '../../context';
import { rollbackHome, switchHomeGeneration } from '../../services/home/activation';
import { expireHomeGenerations } from '../../services/home/cleanup';
import { generateHomeConfig, readHomeConfig, validateHomeConfig, writeHomeConfig } from '../../services/home/config';
import { diffGenerations, listHomeGenerations, removeHomeGenerations } from '../../services/home/generations';
import { homeNews } from '../../services/home/news';
import { runSetup } from '../../services/home/setup';
import { homeStatus } from '../../services/home/status';
import { runSwitch } from '../../services/home/switch';
import { startJob } from '../jobs';
import type { Handlers } from '../router';

export const homeHandlers = (ctx: AppContext) =>
  ({
    'home.status': () => homeStatus(ctx),
    'home.setup': (p) => startJob(ctx, 'home.setup', { title: `Set up Home Manager (${p.branch})`, exclusiveGroup: 'home' }, (job) => runSetup(ctx, job, p.branch, p.from, p.backupExtension)),
    'home.config.read': () => readHomeConfig(ctx),
    'home.config.generate': (p) => generateHomeConfig(ctx, p),
    'home.config.validate': (p) => validateHomeConfig(ctx, p.content),
    'home.config.write': (p) => writeHomeConfig(ctx, p.content, p.expectedSha256),
    'home.switch': (p) =>
      startJob(ctx, 'home.switch', { title: p.backupExtension ? `home-manager switch -b ${p.backupExtension}` : 'home-manager switch', exclusiveGroup: 'home' }, (job) =>
        runSwitch(ctx, job, p.backupExtension),
      ),
    'home.generations': () => listHomeGenerations(ctx),
    'home.rollback': () => startJob(ctx, 'home.rollback', { title: 'Roll back Home Manager', exclusiveGroup: 'home', cancellable: false }, (job) => rollbackHome(ctx, job)),
    'home.switchGeneration': (p) =>
      startJob(ctx, 'home.switchGeneration', { title: `Switch to Home Manager generation ${p.generation}`, exclusiveGroup: 'home', cancellable: false }, (job) =>
        switchHomeGeneration(ctx, job, p.generation),
      ),
    'home.removeGenerations': (p) => removeHomeGenerations(ctx, p.generations),
    'home.expireGenerations': (p) => expireHomeGenerations(ctx, p),
    'home.diff': (p) => diffGenerations(ctx, p.from, p.to),
    'home.news': (p) => homeNews(ctx, p.markRead ?? false),
  }) satisfies Partial<Handlers>;
