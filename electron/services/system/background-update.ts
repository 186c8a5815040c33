import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApplyUpdateParams, PreparedUpdate, UpdateCheck, UpdateStatus } from '../../../shared/contract/system-updates';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { CommandFailed } from '../../exec/runner';
import { startJob } from '../../rpc/jobs';
import { readDesktopSettings } from '../desktop/settings';
import { previewSwitch } from './activation';
import { checkChannelUpdates } from './channels';
import { parseDrvName } from './store-names';
import { commitConfig, resolveFlake } from './config';
import { checkFlake, updateFlake } from './flake';
import { BuildFollower, buildSystem, nextGenerationNumber, nixFailure } from './rebuild';
import { readSystemSettings } from './settings';
import { channelUpdateFailed, NOTHING_TO_UPGRADE, upgradeChannelNames } from './upgrade';

/**
 * Updates prepared in the background (opt-in, App settings). On a schedule, and never on battery or
 * beside another system job, it checks for newer channel releases (or flake inputs) and builds the new
 * system as the person, at low priority, WITHOUT touching root's channels or flake.lock: a channel
 * release is fetched into the store and given to nixos-rebuild with -I; flake inputs are overridden
 * for that one build. The result is kept from garbage collection by an indirect root
 * (<stateDir>/update-ready) until it is applied or dismissed. Nothing is activated here: applying needs
 * a person's yes, and then updates the channels (or writes the lock) for real, builds through the root
 * helper as a rebuild does, and activates only if that gives exactly the system that was prepared.
 */

const STATE_FILE = 'background-update.json';
const ROOT_NAME = 'update-ready';
const BUILD_DIR = 'update-build';
const DAY_MS = 86_400_000;
/** how soon a check that was skipped (battery, busy) or failed is tried again, at most */
const RETRY_SKIPPED_MS = 15 * 60_000;
const RETRY_FAILED_MS = 3 * 3_600_000;
const MAX_POLL_MS = 5 * 60_000;

interface StoredState {
  ready: PreparedUpdate | null;
  lastCheck: UpdateCheck | null;
  /** the flake check the prepared update came from (its new lock is written on apply) */
  flakeCheckId?: string | null;
  /** the last notification shown for a ready update */
  notice?: { at: string; title: string; body: string; updateId: string } | null;
}

export interface UpdateNotice {
  jobId: string;
  title: string;
  body: string;
  updateId: string;
}

const stateFile = (ctx: AppContext) => path.join(ctx.host.stateDir, STATE_FILE);
export const updateRootPath = (ctx: AppContext) => path.join(ctx.host.stateDir, ROOT_NAME);

async function readState(ctx: AppContext): Promise<StoredState> {
  try {
    const parsed = JSON.parse(await readFile(stateFile(ctx), 'utf8')) as Partial<StoredState>;
    return { ready: parsed.ready ?? null, lastCheck: parsed.lastCheck ?? null, flakeCheckId: parsed.flakeCheckId ?? null, notice: parsed.notice ?? null };
  } catch {
    return { ready: null, lastCheck: null };
  }
}

async function writeState(ctx: AppContext, state: StoredState): Promise<void> {
  await mkdir(ctx.host.stateDir, { recursive: true });
  const file = stateFile(ctx);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temp, file);
}

/** The update waiting for a yes, if any (the tray and the confirmation window read it). */
export async function readReadyUpdate(ctx: AppContext): Promise<PreparedUpdate | null> {
  return (await readState(ctx)).ready;
}

const readText = (file: string) => readFile(file, 'utf8').then((t) => t.trim(), () => null);

/**
 * On battery? Linux's power supplies (`/sys/class/power_supply/<name>/{type,online,status}`): a mains or
 * USB charger that is online means no; a battery of the computer that is discharging, or chargers that are all offline
 * beside a battery, mean yes. A desktop without a battery is never on battery.
 */
export async function onBattery(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const supplies = await Promise.all(
    names.map(async (name) => {
      const base = path.join(dir, name);
      const [type, online, status, scope] = await Promise.all(['type', 'online', 'status', 'scope'].map((f) => readText(path.join(base, f))));
      return { type, online, status, scope };
    }),
  );
  const chargers = supplies.filter((s) => (s.type === 'Mains' || s.type === 'USB') && s.online !== null);
  // a wireless mouse's or keyboard's battery (scope Device) says nothing about the computer
  const batteries = supplies.filter((s) => s.type === 'Battery' && s.scope !== 'Device');
  if (chargers.some((s) => s.online === '1')) return false;
  if (batteries.some((s) => s.status === 'Discharging')) return true;
  return chargers.length > 0 && batteries.length > 0;
}

/** Is a command on PATH (for the optional low-priority wrappers)? */
function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(path.join(dir, command)));
}

/** `nice -n 19 ionice -c3` where those exist: the build takes only what the person leaves idle. */
export function lowPriority(argv: string[]): string[] {
  const prefix: string[] = [];
  if (onPath('nice')) prefix.push('nice', '-n', '19');
  if (onPath('ionice')) prefix.push('ionice', '-c3');
  return [...prefix, ...argv];
}

/** "An update is ready: 12 packages change, kernel 6.6.64 → 6.6.67" */
export function updateHeadline(packages: number, kernel: { from: string | null; to: string | null; changes: boolean }): string {
  const what = packages === 0 ? 'no package changes its version' : `${packages} package${packages === 1 ? ' changes' : 's change'}`;
  const kernelPart = kernel.changes && kernel.from && kernel.to && kernel.from !== kernel.to ? `, kernel ${kernel.from} → ${kernel.to}` : '';
  return `An update is ready: ${what}${kernelPart}`;
}

/** A store path name from a release name: Nix allows only these characters. */
const storeName = (s: string | null) => (s ?? '').replace(/[^A-Za-z0-9+._?=-]/g, '').replace(/^\.+/, '').slice(0, 200) || 'source';

interface Built {
  kind: PreparedUpdate['kind'];
  storePath: string;
  channels: PreparedUpdate['channels'];
  inputs: PreparedUpdate['inputs'];
  flakeCheckId: string | null;
}

type CheckResult = { check: UpdateCheck; ready: PreparedUpdate | null };

export class BackgroundUpdates {
  private timer: NodeJS.Timeout | null = null;
  private disposed = false;
  private runningJobId: string | null = null;
  private ticking = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly notify: (notice: UpdateNotice) => void,
  ) {}

  /** the time between checks: the host's override (tests), else the schedule */
  private async intervalMs(): Promise<number> {
    if (this.ctx.host.updateCheckEverySeconds > 0) return this.ctx.host.updateCheckEverySeconds * 1000;
    const settings = await readDesktopSettings(this.ctx.host);
    return settings.updateSchedule === 'weekly' ? 7 * DAY_MS : DAY_MS;
  }

  start(): void {
    if (this.disposed || this.timer) return;
    const poll = async () => {
      this.timer = null;
      if (this.disposed) return;
      await this.tick().catch(() => {});
      if (this.disposed) return;
      this.timer = setTimeout(() => void poll(), Math.min(await this.intervalMs().catch(() => DAY_MS), MAX_POLL_MS));
      this.timer.unref?.();
    };
    this.timer = setTimeout(() => void poll(), 1000);
    this.timer.unref?.();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async nextCheckAt(last: UpdateCheck | null): Promise<number> {
    if (!last) return Date.now();
    const interval = await this.intervalMs();
    const wait = last.outcome === 'skipped' ? Math.min(interval, RETRY_SKIPPED_MS) : last.outcome === 'failed' ? Math.min(interval, RETRY_FAILED_MS) : interval;
    return Date.parse(last.at) + wait;
  }

  /** One look at the schedule: start a check when one is due. */
  async tick(): Promise<void> {
    if (this.ticking || this.runningJobId) return;
    this.ticking = true;
    try {
      const settings = await readDesktopSettings(this.ctx.host);
      if (!settings.backgroundUpdates) return;
      const state = await readState(this.ctx);
      if (Date.now() < (await this.nextCheckAt(state.lastCheck))) return;
      await this.startCheck('schedule');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Start a check as a job of the exclusive 'system' group. A scheduled one that cannot run now (on
   * battery, another system job) records why and returns null; a person's "Check now" gets the error.
   */
  async startCheck(origin: 'schedule' | 'person'): Promise<{ jobId: string } | null> {
    const busy = this.ctx.jobs.running('system')[0];
    if (origin === 'schedule') {
      if (busy) {
        await this.record({ at: new Date().toISOString(), outcome: 'skipped', message: `Not checked: "${busy.title}" was running. The check is tried again later.` });
        return null;
      }
      if (await onBattery(this.ctx.host.powerSupplyDir)) {
        await this.record({ at: new Date().toISOString(), outcome: 'skipped', message: 'Not checked: the computer was running on battery. Updates are prepared only on mains power.' });
        return null;
      }
    }
    const started = startJob(
      this.ctx,
      'system.updates.check',
      { title: origin === 'schedule' ? 'Prepare an update in the background' : 'Check for updates and prepare them', exclusiveGroup: 'system', cancellable: true },
      (job) => this.check(job),
    );
    this.runningJobId = started.jobId;
    const off = this.ctx.events.on((e) => {
      if (e.topic === 'job' && e.jobId === started.jobId && (e.kind === 'done' || e.kind === 'failed' || e.kind === 'cancelled')) {
        off();
        if (this.runningJobId === started.jobId) this.runningJobId = null;
      }
    });
    return started;
  }

  private async record(check: UpdateCheck, change: Partial<StoredState> = {}): Promise<void> {
    const state = await readState(this.ctx);
    await writeState(this.ctx, { ...state, ...change, lastCheck: check });
    this.ctx.events.emit({ topic: 'changed', what: 'updates', detail: { outcome: check.outcome } });
  }

  async status(): Promise<UpdateStatus> {
    const [settings, state] = await Promise.all([readDesktopSettings(this.ctx.host), readState(this.ctx)]);
    let ready = state.ready;
    // applied by other means (a rebuild that built the same system): nothing is left to apply
    if (ready && (await realpath(this.ctx.host.currentSystem).catch(() => null)) === ready.storePath) {
      await this.forget(ready.id);
      ready = null;
    }
    return {
      enabled: settings.backgroundUpdates,
      schedule: settings.updateSchedule,
      ready,
      lastCheck: state.lastCheck,
      nextCheckAt: settings.backgroundUpdates ? new Date(Math.max(Date.now(), await this.nextCheckAt(state.lastCheck))).toISOString() : null,
      runningJobId: this.runningJobId,
    };
  }

  /** The check job: look for updates, build one, compare it with the running system, tell. */
  private async check(job: JobContext): Promise<CheckResult> {
    const at = () => new Date().toISOString();
    let built: Built | null;
    try {
      built = await this.build(job);
    } catch (err) {
      if (err instanceof AppError && err.code === 'cancelled') throw err;
      const message = err instanceof Error ? err.message : String(err);
      await this.record({ at: at(), outcome: 'failed', message });
      throw err;
    } finally {
      await rm(path.join(this.ctx.host.stateDir, BUILD_DIR), { recursive: true, force: true }).catch(() => {});
    }
    if (!built) {
      const state = await readState(this.ctx);
      return { check: state.lastCheck!, ready: state.ready };
    }
    const running = await realpath(this.ctx.host.currentSystem).catch(() => null);
    const current = await realpath(this.ctx.host.systemProfile).catch(() => null);
    if (built.storePath === running || built.storePath === current) {
      await this.dropRoot();
      const check: UpdateCheck = { at: at(), outcome: 'up-to-date', message: 'There are newer releases, but they change nothing in this system.' };
      await this.record(check, { ready: null });
      return { check, ready: null };
    }

    const previous = (await readState(this.ctx)).ready;
    if (previous?.storePath === built.storePath) {
      // the same system as the update already waiting: it stays, with its id (a confirmation may show it)
      const check: UpdateCheck = { at: at(), outcome: 'ready', message: previous.headline };
      await this.record(check);
      return { check, ready: previous };
    }

    job.phase('compare', 'Comparing with the running system', { cancellable: true });
    const preview = await previewSwitch(this.ctx, built.storePath);
    const kernel = { from: preview.kernel.running, to: preview.kernel.target, changes: preview.kernel.changes };
    // the system's own toplevel is in the closure diff too; it is not a package
    const changes = preview.changes.filter((c) => !c.name.startsWith('nixos-system-'));
    const ready: PreparedUpdate = {
      id: randomBytes(8).toString('hex'),
      kind: built.kind,
      storePath: built.storePath,
      gcRoot: updateRootPath(this.ctx),
      builtAt: at(),
      headline: updateHeadline(changes.length, kernel),
      nixosVersion: { from: preview.nixosVersion.running, to: preview.nixosVersion.target },
      kernel,
      packagesChanged: changes.length,
      changes,
      closureSizeDelta: preview.closureSizeDelta,
      channels: built.channels,
      inputs: built.inputs,
    };
    const check: UpdateCheck = { at: at(), outcome: 'ready', message: ready.headline };
    const notice = { at: at(), title: 'An update is ready', body: `${ready.headline.replace(/^An update is ready: /, '')}. Nothing changes until you apply it.`, updateId: ready.id };
    await this.record(check, { ready, flakeCheckId: built.flakeCheckId, notice });
    job.log(`${ready.headline} (${ready.storePath}). It waits for you to apply it.`, 'info');
    this.notify({ jobId: job.id, title: notice.title, body: notice.body, updateId: ready.id });
    return { check, ready };
  }

  /** Build the update, or record why there is none (then null). */
  private async build(job: JobContext): Promise<Built | null> {
    const ctx = this.ctx;
    const flake = await resolveFlake(ctx, undefined);
    const extra: string[] = [];
    let kind: Built['kind'];
    let channels: Built['channels'] = [];
    let inputs: Built['inputs'] = [];
    let flakeCheckId: string | null = null;
    if (flake.attribute) {
      kind = 'flake';
      job.phase('check', 'Looking for newer flake inputs', { cancellable: true });
      const check = await checkFlake(ctx, job);
      const moved = check.inputs.filter((i) => i.kind !== 'unchanged');
      if (!moved.length) {
        await this.record({ at: new Date().toISOString(), outcome: 'up-to-date', message: 'Every flake input is already at its newest version.' });
        return null;
      }
      flakeCheckId = check.checkId;
      inputs = moved.map((i) => ({ name: i.input, from: i.before?.rev?.slice(0, 12) ?? i.before?.url ?? null, to: i.after?.rev?.slice(0, 12) ?? i.after?.url ?? null }));
      // the new lock is used for this build only: flake.lock is written when the person applies it
      for (const i of moved) if (i.after && i.kind !== 'removed') extra.push('--override-input', i.input, i.after.url);
      extra.push('--flake', `${flake.dir}#${flake.attribute}`, '--no-write-lock-file');
    } else {
      kind = 'channel';
      job.phase('check', 'Looking for newer channel releases', { cancellable: true });
      const names = await upgradeChannelNames(ctx.host);
      if (!names.length) throw new AppError('not-found', NOTHING_TO_UPGRADE);
      const found = (await checkChannelUpdates(ctx, {})).channels.filter((c) => names.includes(c.name));
      const failed = found.find((c) => c.error);
      if (failed) throw new AppError('network', `The channel ${failed.name} could not be checked: ${failed.error}`);
      const newer = found.filter((c) => c.updateAvailable && c.latestUrl);
      if (!newer.length) {
        await this.record({ at: new Date().toISOString(), outcome: 'up-to-date', message: `Up to date: ${found.map((c) => `${c.name} is at ${c.installed ?? c.latest ?? 'its newest release'}`).join(', ')}.` });
        return null;
      }
      job.phase('download', `Downloading ${newer.map((c) => c.latest ?? c.name).join(', ')}`, { cancellable: true });
      for (const c of newer) {
        const source = await this.fetchChannel(job, `${c.latestUrl!.replace(/\/+$/, '')}/nixexprs.tar.xz`, storeName(c.latest));
        channels.push({ name: c.name, from: c.installed, to: c.latest ? parseDrvName(c.latest).version || c.latest : null });
        // root's channels stay as they are: this build alone sees the new release
        if (c.name === 'nixos') extra.push('-I', `nixpkgs=${source}`);
        extra.push('-I', `${c.name}=${source}`);
      }
    }
    const storePath = await this.nixosRebuildBuild(job, extra, flake.dir);
    job.log(`Built ${storePath} without activating it.`, 'info');
    return { kind, storePath, channels, inputs, flakeCheckId };
  }

  /** The channel tarball into the store, as `builtins.fetchTarball` unpacks it (the nixpkgs tree itself). */
  private async fetchChannel(job: JobContext, url: string, name: string): Promise<string> {
    job.log(`Fetching ${url}`, 'info');
    try {
      const { stdout } = await this.ctx.runner.run(
        'nix-instantiate',
        ['--eval', '--json', '--expr', '{ url, name }: builtins.fetchTarball { inherit url name; }', '--argstr', 'url', url, '--argstr', 'name', name],
        { signal: job.signal, timeoutMs: 30 * 60_000, onLine: (stream, line) => job.log(line, stream), buffer: true },
      );
      const storePath = JSON.parse(stdout.trim().split('\n').at(-1) ?? '""') as string;
      if (!storePath.startsWith(`${this.ctx.host.nixStoreDir}/`)) throw new AppError('command-failed', `Nix gave no store path for ${url}.`, stdout);
      return storePath;
    } catch (err) {
      if (err instanceof CommandFailed) throw new AppError('network', `Downloading the new channel release failed (${url}). Nothing was changed; the check is tried again later.`, err.detail);
      throw err;
    }
  }

  /** `nice -n 19 ionice -c3 nixos-rebuild build …` as the person, in a folder of the app's, then the GC root. */
  private async nixosRebuildBuild(job: JobContext, extra: string[], flakeDir: string | null): Promise<string> {
    const ctx = this.ctx;
    const dir = path.join(ctx.host.stateDir, BUILD_DIR);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const follower = new BuildFollower(job, null);
    const argv = lowPriority([ctx.runner.resolve('nixos-rebuild'), 'build', ...extra, '-v', '--log-format', 'internal-json']);
    job.phase('build', 'Building the new system at low priority', { cancellable: true });
    job.log(argv.join(' '), 'info');
    try {
      await ctx.runner.run(argv[0]!, argv.slice(1), { cwd: dir, signal: job.signal, onLine: (stream, line) => follower.line(line, stream) });
    } catch (err) {
      if (err instanceof AppError && err.code !== 'command-failed') throw err;
      throw await nixFailure(ctx, 'The build of the update', follower.parser.mainError(), err, flakeDir);
    } finally {
      follower.stop();
    }
    const storePath = await realpath(path.join(dir, 'result')).catch(() => null);
    if (!storePath || !storePath.startsWith(`${ctx.host.nixStoreDir}/`)) throw new AppError('command-failed', 'nixos-rebuild build finished but left no system.');
    // an indirect root in the app's state folder keeps the build until it is applied or dismissed
    await ctx.runner.run('nix-store', ['--realise', storePath, '--add-root', updateRootPath(ctx), '--indirect'], { timeoutMs: 120_000 });
    return storePath;
  }

  private async dropRoot(): Promise<void> {
    await rm(updateRootPath(this.ctx), { force: true });
  }

  /** Forget a prepared update: its root goes, so the next garbage collection may take the build. */
  async forget(id: string): Promise<boolean> {
    const state = await readState(this.ctx);
    if (!state.ready || state.ready.id !== id) return false;
    await this.dropRoot();
    await writeState(this.ctx, { ...state, ready: null, flakeCheckId: null, notice: null });
    this.ctx.events.emit({ topic: 'changed', what: 'updates', detail: { dismissed: id } });
    return true;
  }

  startApply(params: ApplyUpdateParams): { jobId: string } {
    const title = params.action === 'switch' ? 'Apply the prepared update now' : 'Apply the prepared update at the next boot';
    return startJob(this.ctx, 'system.updates.apply', { title, exclusiveGroup: 'system', cancellable: true }, (job) => this.apply(job, params));
  }

  /**
   * Apply: make root's channels (or flake.lock) what the update was built from, build through the root
   * helper exactly as a rebuild does, and activate only when that is the very system that was prepared.
   */
  private async apply(job: JobContext, params: ApplyUpdateParams) {
    const ctx = this.ctx;
    const state = await readState(ctx);
    const ready = state.ready;
    if (!ready || ready.id !== params.id) throw new AppError('not-found', 'That update is no longer waiting (it was applied or dismissed). Check for updates again.');
    const flake = await resolveFlake(ctx, undefined);
    if ((ready.kind === 'flake') !== (flake.attribute !== null)) {
      await this.forget(ready.id);
      throw new AppError('conflict', 'The configuration changed between channels and a flake since the update was prepared. Nothing was changed; check for updates again.');
    }

    if (ready.kind === 'channel') {
      const names = ready.channels.map((c) => c.name);
      job.phase('update', `Updating the channel${names.length > 1 ? 's' : ''} ${names.join(', ')}`, { cancellable: true });
      try {
        await ctx.privileged.run('channel-update', { names }, { signal: job.signal, job });
      } catch (err) {
        if (err instanceof AppError && ['cancelled', 'auth-cancelled', 'not-authorized'].includes(err.code)) throw err;
        const detail = err instanceof AppError ? [err.message, err.detail].filter(Boolean).join('\n') : String(err);
        throw new AppError('network', channelUpdateFailed(names), detail);
      }
      ctx.events.emit({ topic: 'changed', what: 'channels' });
    } else {
      job.phase('update', 'Writing the new flake.lock', { cancellable: true });
      await updateFlake(ctx, job, { checkId: state.flakeCheckId ?? undefined }).catch((err: unknown) => {
        // the check is kept only while the app runs: after a restart the inputs are looked up again
        if (err instanceof AppError && err.code === 'not-found') return updateFlake(ctx, job, {});
        throw err;
      });
    }

    const follower = new BuildFollower(job, null);
    const built = await buildSystem(ctx, job, follower, { action: 'build', upgrade: false, showTrace: false, flakeAttribute: flake.attribute, flakeDir: flake.dir });
    if (!built.buildId || built.storePath !== ready.storePath) {
      await this.forget(ready.id);
      throw new AppError(
        'conflict',
        `Nothing was activated: building now gives ${built.storePath ?? 'no system'}, not the system that was prepared (${ready.storePath}). The ${ready.kind === 'channel' ? 'channel has a newer release' : 'flake inputs moved'} or the configuration changed since. Check for updates again, or rebuild.`,
      );
    }

    const settings = await readSystemSettings(ctx);
    await commitConfig(ctx, { generation: await nextGenerationNumber(ctx), action: params.action, optedIn: settings.commitConfigToGit }).catch((err: unknown) => {
      job.log(`The configuration could not be committed to git: ${err instanceof Error ? err.message : String(err)}`, 'info');
    });
    job.phase('activate', params.action === 'boot' ? 'Making it the boot default' : 'Activating the new configuration', { cancellable: false });
    const activated = await ctx.privileged.run('activate', { buildId: built.buildId, action: params.action, trial: false }, { job });
    ctx.events.emit({ topic: 'changed', what: 'system-profile' });
    await this.forget(ready.id);
    return { action: params.action, storePath: activated.storePath, generation: activated.generation };
  }
}

export function startBackgroundUpdates(ctx: AppContext, notify: (notice: UpdateNotice) => void): BackgroundUpdates {
  const service = new BackgroundUpdates(ctx, notify);
  ctx.state.backgroundUpdates = service;
  service.start();
  return service;
}

export function backgroundUpdatesOf(ctx: AppContext): BackgroundUpdates {
  const service = ctx.state.backgroundUpdates;
  if (!service) throw new AppError('internal', 'The background update service was not started.');
  return service;
}
