import path from 'node:path';
import type { RpcError } from '../../../shared/contract/core';
import type { JobProgress } from '../../../shared/contract/jobs';
import type { Preview, RebuildAction, RebuildParams, RebuildResult } from '../../../shared/contract/system-rebuild';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext, JobPlan } from '../../exec/jobs';
import { JobLogFile, previewSwitch } from './activation';
import { commitConfig, placeFailure, resolveFlake } from './config';
import { checkFlake, updateFlake } from './flake';
import { NixLogParser, type NixError, type NixProgress } from './nix-log';
import { rebuildPreflightPhase } from './preflight';
import { listProfileLinks } from './profile';
import { readSystemSettings } from './settings';
import { channelUpdateFailed, NOTHING_TO_UPGRADE, upgradeChannelNames } from './upgrade';

/** A failed build or evaluation: the Nix error with where it points, carried to the renderer as `location`. */
export class NixBuildError extends AppError {
  constructor(
    message: string,
    detail: string,
    readonly location: { file: string; line: number; column: number } | null,
  ) {
    super('nix-error', message, detail, 'nixos-rebuild');
  }

  override toRpc(): RpcError {
    const out = super.toRpc();
    return this.location ? { ...out, location: this.location } : out;
  }
}

/** Job progress from Nix's counts: builds and downloads done over expected, bytes, and the current activity. */
export function toJobProgress(p: NixProgress, startedAt: number, now = Date.now()): JobProgress {
  const expected = p.builds.expected + p.downloads.expected;
  const done = p.builds.done + p.downloads.done;
  return {
    fraction: expected > 0 ? Math.min(1, done / expected) : null,
    message: p.activity || undefined,
    bytesDone: p.bytesDone,
    bytesTotal: p.bytesExpected || undefined,
    counters: {
      'builds.done': p.builds.done,
      'builds.running': p.builds.running,
      'builds.expected': p.builds.expected,
      'builds.failed': p.builds.failed,
      'downloads.done': p.downloads.done,
      'downloads.running': p.downloads.running,
      'downloads.expected': p.downloads.expected,
      'elapsed.seconds': Math.round((now - startedAt) / 1000),
    },
  };
}

/**
 * Feeds the helper's forwarded nixos-rebuild output through the internal-json parser: human lines to the
 * job log (and its file), counts to job progress at most every 100 ms.
 */
export class BuildFollower {
  readonly parser = new NixLogParser();
  private timer: NodeJS.Timeout | null = null;
  readonly startedAt = Date.now();

  constructor(
    private readonly job: JobContext,
    private readonly logFile: JobLogFile | null,
  ) {}

  line = (text: string, stream: 'stdout' | 'stderr' | 'info') => {
    const r = this.parser.feed(text);
    if (r.log !== null) {
      this.job.log(r.log, stream);
      this.logFile?.write(r.log);
    }
    if (r.progressChanged && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, 100);
    }
  };

  flush() {
    this.job.progress(toJobProgress(this.parser.progress(), this.startedAt));
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }
}

/**
 * Turn what Nix said into the error a person sees: a flake's store copy put back as the user's files,
 * module errors that only name a file get a line found by the option's name, a build failure names the
 * derivation that failed first and shows its last output lines.
 */
export async function nixFailure(ctx: AppContext, what: string, nixError: NixError | null, fallback: unknown, flakeDir: string | null = null): Promise<AppError> {
  if (!nixError) return fallback instanceof AppError ? fallback : new AppError('command-failed', `${what} failed.`, String(fallback));
  const { error, location, explanation } = await placeFailure(ctx, nixError, flakeDir);
  const where = location && !error.summary.includes(path.basename(location.file)) ? ` (${path.basename(location.file)}, line ${location.line})` : '';
  const failure = new NixBuildError(`${what} failed: ${error.summary}${where}`, error.text, location);
  if (explanation) failure.explanation = explanation;
  return failure;
}

/** Errors the helper reports in words of its own, passed on as they are. */
const OWN_WORDS = new Set(['cancelled', 'auth-cancelled', 'not-authorized', 'refused', 'network', 'not-found', 'busy', 'command-missing']);

/** Build (or dry-build) through the helper; returns the helper's build id and the system's store path. */
export async function buildSystem(
  ctx: AppContext,
  job: JobContext,
  follower: BuildFollower,
  opts: { action: 'build' | 'dry-build'; upgrade: boolean; showTrace: boolean; flakeAttribute: string | null; flakeDir?: string | null },
): Promise<{ buildId: string | null; storePath: string | null }> {
  const { flakeDir = null, ...args } = opts;
  job.phase('build', opts.action === 'dry-build' ? 'Evaluating' : 'Evaluating and building', { cancellable: true });
  try {
    return await ctx.privileged.run('rebuild', args, {
      signal: job.signal,
      job,
      onLog: follower.line,
    });
  } catch (err) {
    if (err instanceof AppError && OWN_WORDS.has(err.code)) throw err;
    if (job.signal.aborted) throw new AppError('cancelled', 'Cancelled.');
    throw await nixFailure(ctx, opts.action === 'dry-build' ? 'The evaluation' : 'The build', follower.parser.mainError(), err, flakeDir);
  } finally {
    follower.stop();
  }
}

/**
 * "Update first", as a step of its own that fails the job in words when it fails (nixos-rebuild-ng's
 * --upgrade ignores a failed `nix-channel --update` and builds the old channel). A flake configuration
 * has no channels to update: its inputs are updated instead (`nix flake update`, written to flake.lock
 * like the Channels tab's Update does).
 */
export async function updateFirst(ctx: AppContext, job: JobContext, flakeDir: string | null): Promise<void> {
  if (flakeDir) {
    job.phase('update', 'Updating the flake inputs', { cancellable: true });
    const check = await checkFlake(ctx, job);
    const result = await updateFlake(ctx, job, { checkId: check.checkId });
    const moved = result.inputs.filter((i) => i.kind !== 'unchanged');
    job.log(moved.length ? `Flake inputs updated: ${moved.map((i) => `${i.input} (${i.kind})`).join(', ')}` : 'Every flake input is already at its newest version.', 'info');
    return;
  }
  const names = await upgradeChannelNames(ctx.host);
  if (!names.length) throw new AppError('not-found', NOTHING_TO_UPGRADE);
  job.phase('update', `Updating the channel${names.length > 1 ? 's' : ''} ${names.join(', ')}`, { cancellable: true });
  try {
    await ctx.privileged.run('channel-update', { names }, { signal: job.signal, job });
  } catch (err) {
    if (err instanceof AppError && (err.code === 'cancelled' || err.code === 'auth-cancelled' || err.code === 'not-authorized')) throw err;
    if (job.signal.aborted) throw new AppError('cancelled', 'Cancelled.');
    const detail = err instanceof AppError ? [err.message, err.detail].filter(Boolean).join('\n') : String(err);
    throw new AppError('network', channelUpdateFailed(names), detail);
  }
  job.log(`Updated ${names.join(', ')}.`, 'info');
}

/** The generation number `nix-env --set` will give the next system: one past the highest. */
export async function nextGenerationNumber(ctx: AppContext): Promise<number> {
  const links = await listProfileLinks(ctx.host.systemProfile);
  return (links.at(-1)?.generation ?? 0) + 1;
}

interface PendingConfirmation {
  preview: Preview | null;
  resolve(proceed: boolean): void;
}

export class RebuildService {
  private readonly pending = new Map<string, PendingConfirmation>();

  constructor(private readonly ctx: AppContext) {}

  /** The rebuild job: the handler starts it. */
  plan(params: RebuildParams): JobPlan<RebuildResult> {
    return { title: `Rebuild (${params.action})`, exclusiveGroup: 'system', cancellable: true, work: (job) => this.run(job, params) };
  }

  /** The preview a waiting rebuild shows, or null when that job is not waiting. */
  waiting(jobId: string): { waiting: boolean; preview: Preview | null } {
    const p = this.pending.get(jobId);
    return p ? { waiting: true, preview: p.preview } : { waiting: false, preview: null };
  }

  confirm(jobId: string, proceed: boolean): { accepted: boolean } {
    const p = this.pending.get(jobId);
    if (!p) throw new AppError('not-found', 'That rebuild is not waiting for an answer (it may have finished or been stopped).');
    this.pending.delete(jobId);
    p.resolve(proceed);
    return { accepted: true };
  }

  private async askToProceed(job: JobContext, preview: Preview | null): Promise<boolean> {
    job.phase('confirm', 'Waiting for you to review the changes', { cancellable: true });
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(job.id);
        reject(new AppError('cancelled', 'Cancelled.'));
      };
      job.signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(job.id, {
        preview,
        resolve: (proceed) => {
          job.signal.removeEventListener('abort', onAbort);
          resolve(proceed);
        },
      });
    });
  }

  private async run(job: JobContext, params: RebuildParams): Promise<RebuildResult> {
    const ctx = this.ctx;
    const action: RebuildAction = params.action;
    const settings = await readSystemSettings(ctx);
    const flake = await resolveFlake(ctx, params.flake);
    const logFile = new JobLogFile(ctx, job.id);
    await logFile.open();
    const follower = new BuildFollower(job, logFile);
    const base = { action, storePath: null, generation: null, activated: false, stoppedAtPreview: false, preview: null, commit: null, reattached: false };
    try {
      if (params.upgrade) await updateFirst(ctx, job, flake.dir);
      if (action !== 'dry-build') await rebuildPreflightPhase(ctx, job, action, flake);
      job.log(`nixos-rebuild ${action}${params.showTrace ? ' --show-trace' : ''}${flake.attribute ? ` --flake ${flake.dir}#${flake.attribute}` : ''}`, 'info');
      const built = await buildSystem(ctx, job, follower, {
        action: action === 'dry-build' ? 'dry-build' : 'build',
        upgrade: false,
        showTrace: params.showTrace ?? false,
        flakeAttribute: flake.attribute,
        flakeDir: flake.dir,
      });
      const counts = () => {
        const p = follower.parser.progress();
        return { builds: p.builds, downloads: p.downloads, elapsedSeconds: (Date.now() - follower.startedAt) / 1000 };
      };
      if (action === 'build' || action === 'dry-build' || !built.buildId || !built.storePath) {
        if (built.storePath) job.log(`Built ${built.storePath}`, 'info');
        return { ...base, storePath: built.storePath, ...counts() };
      }

      let preview: Preview | null = null;
      if (params.preview ?? settings.previewBeforeSwitch) {
        job.phase('preview', 'Comparing with the running system', { cancellable: true });
        preview = await previewSwitch(ctx, built.storePath).catch((err: unknown) => {
          job.log(`The comparison with the running system could not be made: ${err instanceof Error ? err.message : String(err)}`, 'info');
          return null;
        });
        const proceed = await this.askToProceed(job, preview);
        if (!proceed) {
          job.log('Stopped after the preview: nothing was activated, the boot default is unchanged.', 'info');
          return { ...base, storePath: built.storePath, preview, stoppedAtPreview: true, ...counts() };
        }
      }

      let commit: RebuildResult['commit'] = null;
      if (action !== 'test') {
        commit = await commitConfig(ctx, { generation: await nextGenerationNumber(ctx), action, optedIn: settings.commitConfigToGit }).catch((err: unknown) => {
          job.log(`The configuration could not be committed to git: ${err instanceof Error ? err.message : String(err)}`, 'info');
          return null;
        });
      }

      job.phase('activate', action === 'boot' ? 'Making it the boot default' : 'Activating the new configuration', { cancellable: false });
      const activated = await ctx.privileged.run(
        'activate',
        { buildId: built.buildId, action, trial: false },
        { job, logFile },
      );
      ctx.events.emit({ topic: 'changed', what: 'system-profile' });
      return { ...base, storePath: activated.storePath, generation: activated.generation, activated: true, preview, commit, ...counts() };
    } catch (err) {
      if (err instanceof AppError && err.code === 'command-failed') ctx.events.emit({ topic: 'changed', what: 'system-profile' });
      throw err;
    } finally {
      this.pending.delete(job.id);
      await logFile.close();
    }
  }
}
