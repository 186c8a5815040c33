import type { JobResult } from '../../../shared/contract';
import type { SafeSwitchState } from '../../../shared/contract/system-rebuild';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext, JobPlan } from '../../exec/jobs';
import { JobLogFile } from './activation';
import { resolveFlake } from './config';
import { BuildFollower, buildSystem } from './rebuild';
import { resolveStorePath } from './profile';
import { readSystemSettings } from './settings';

type Decision = 'keep' | 'revert' | 'timeout';

const idle = (): SafeSwitchState => ({ state: 'idle', jobId: null, secondsLeft: null, timeoutSeconds: null, trial: null, previous: null, message: '' });

/**
 * "Magic rollback" on this machine: build, activate with `test` (the boot default is untouched), then
 * count down. Keep -> the build becomes the boot default; Revert or no answer -> the system that ran
 * before is activated again. The countdown lives here, in the main process, so a reloaded or crashed
 * window cannot stop it: it only shows it.
 */
export class SafeSwitchService {
  private current: SafeSwitchState = idle();
  private decide: ((d: Decision) => void) | null = null;
  private ticker: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: AppContext) {}

  status(): SafeSwitchState {
    return { ...this.current };
  }

  /** The safe switch job: the handler starts it. */
  plan(params: { upgrade?: boolean; showTrace?: boolean; timeoutSeconds?: number }): JobPlan<JobResult<'system.safeSwitch'>> {
    return { title: 'Safe switch', exclusiveGroup: 'system', cancellable: true, work: (job) => this.run(job, params) };
  }

  confirm(): SafeSwitchState {
    if (this.current.state !== 'waiting' || !this.decide) throw new AppError('not-found', 'No configuration is waiting to be kept.');
    this.decide('keep');
    return this.status();
  }

  revert(): SafeSwitchState {
    if (this.current.state !== 'waiting' || !this.decide) throw new AppError('not-found', 'No configuration is on trial, so there is nothing to revert.');
    this.decide('revert');
    return this.status();
  }

  dispose() {
    if (this.ticker) clearInterval(this.ticker);
  }

  private set(next: Partial<SafeSwitchState>) {
    this.current = { ...this.current, ...next };
    this.ctx.events.emit({ topic: 'changed', what: 'safe-switch', detail: this.status() });
  }

  private async run(job: JobContext, params: { upgrade?: boolean; showTrace?: boolean; timeoutSeconds?: number }) {
    const ctx = this.ctx;
    const settings = await readSystemSettings(ctx);
    const timeoutSeconds = params.timeoutSeconds ?? settings.safeSwitchTimeoutSeconds;
    const flake = await resolveFlake(ctx, undefined);
    const logFile = new JobLogFile(ctx, job.id);
    await logFile.open();
    const follower = new BuildFollower(job, logFile);
    const previous = await resolveStorePath(ctx.host.currentSystem);
    this.set({ ...idle(), state: 'activating', jobId: job.id, timeoutSeconds, previous, message: 'Building the new configuration' });
    try {
      const built = await buildSystem(ctx, job, follower, { action: 'build', upgrade: params.upgrade ?? false, showTrace: params.showTrace ?? false, flakeAttribute: flake.attribute });
      if (!built.buildId || !built.storePath) throw new AppError('internal', 'The build finished without a system to try.');
      if (previous !== null && built.storePath === previous) {
        // a trial of the very system that runs would count down for nothing
        const reason = 'Nothing changed: your system is already this configuration.';
        job.log(`${reason} (${built.storePath})`, 'info');
        this.set({ state: 'idle', trial: null, secondsLeft: null, message: reason });
        return { kept: false, storePath: built.storePath, generation: null, reason };
      }
      this.set({ trial: built.storePath, message: 'Activating the new configuration for a trial' });
      job.phase('activate', 'Activating for a trial (the boot default is not changed)', { cancellable: false });
      try {
        await ctx.privileged.run('activate', { buildId: built.buildId, action: 'test', trial: true }, { job, logFile });
      } catch (err) {
        job.log('The trial activation failed: going back to the previous configuration.', 'info');
        await this.revertNow(job, logFile).catch((e: unknown) => job.log(`Going back failed too: ${e instanceof Error ? e.message : String(e)}`, 'info'));
        throw err;
      }
      ctx.events.emit({ topic: 'changed', what: 'system-profile' });

      const decision = await this.countdown(job, timeoutSeconds);
      if (decision === 'keep') {
        this.set({ state: 'confirming', secondsLeft: null, message: 'Making the new configuration the boot default' });
        job.phase('keep', 'Making it the boot default', { cancellable: false });
        const kept = await ctx.privileged.run('activate', { buildId: built.buildId, action: 'boot', trial: false }, { job, logFile });
        await ctx.privileged.run('end-trial', {}).catch(() => {});
        this.set({ state: 'kept', message: `Kept: generation ${kept.generation ?? '?'} is now the boot default.` });
        ctx.events.emit({ topic: 'changed', what: 'system-profile' });
        return { kept: true, storePath: kept.storePath, generation: kept.generation, reason: 'You kept the new configuration.' };
      }
      const reason = decision === 'timeout' ? `No answer within ${timeoutSeconds} seconds: the previous configuration is back.` : 'You chose to go back: the previous configuration is back.';
      await this.revertNow(job, logFile);
      this.set({ state: 'reverted', message: reason });
      return { kept: false, storePath: built.storePath, generation: null, reason };
    } catch (err) {
      this.set({ state: 'failed', secondsLeft: null, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      if (this.ticker) clearInterval(this.ticker);
      this.ticker = null;
      this.decide = null;
      await logFile.close();
    }
  }

  private async revertNow(job: JobContext, logFile: JobLogFile) {
    this.set({ state: 'reverting', secondsLeft: null, message: 'Going back to the previous configuration' });
    job.phase('revert', 'Going back to the previous configuration', { cancellable: false });
    await this.ctx.privileged.run('revert-trial', {}, { job, logFile });
    this.ctx.events.emit({ topic: 'changed', what: 'system-profile' });
  }

  private countdown(job: JobContext, timeoutSeconds: number): Promise<Decision> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    job.phase('waiting', 'Keep this configuration?', { cancellable: false });
    // the countdown is shown once, by the app-wide banner (from the safe-switch state), not as job progress too
    job.progress({ fraction: null, message: 'Waiting for your answer: Keep it, or it goes back by itself' });
    return new Promise<Decision>((resolve) => {
      const finish = (d: Decision) => {
        if (this.ticker) clearInterval(this.ticker);
        this.ticker = null;
        this.decide = null;
        resolve(d);
      };
      this.decide = finish;
      const tick = () => {
        const secondsLeft = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        this.set({ state: 'waiting', secondsLeft, message: `Keep this configuration? It goes back by itself in ${secondsLeft} s.` });
        if (secondsLeft <= 0) finish('timeout');
      };
      tick();
      this.ticker = setInterval(tick, 1000);
    });
  }
}
