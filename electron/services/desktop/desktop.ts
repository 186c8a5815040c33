import type { ConfirmableAction, DesktopCapabilities, TrayMenu } from '../../../shared/contract/desktop';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { resolveHomeManagerProfile } from '../home/profile-path';
import { startBackgroundUpdates, type BackgroundUpdates } from '../system/background-update';
import { Confirmations, type RouterCall } from './confirmations';
import { JobNotifier, type JobNotice } from './notifier';
import { watchProfiles, type ProfileWatcher } from './profile-watcher';
import { trayMenu } from './tray-model';
import { readTrayState } from './tray-state';

/** What only the Electron shell can do; absent in loopback mode. */
export interface ShellHooks {
  tray: { available: boolean; reason: string | null };
  notify(notice: JobNotice): void;
  isWindowFocused(): boolean;
  /** open the small confirmation window for a tray action */
  showConfirmation(id: string): void;
}

type Origin = 'tray' | 'window';

/**
 * The desktop side of the app, shared by both shells: the profile watcher (so every transport hears
 * `changed` events), the tray model, confirmations and job notifications. The Electron shell attaches
 * its hooks; in loopback mode there are none and the window offers the tray's actions itself.
 */
export class Desktop {
  readonly confirmations: Confirmations;
  readonly updates: BackgroundUpdates;
  private readonly origins = new Map<string, Origin>();
  /** the job each answered confirmation started, while its window may still be open */
  private readonly startedJobs = new Map<string, string>();
  private readonly watcher: Promise<ProfileWatcher>;
  private shell: ShellHooks | null = null;
  private notifier: JobNotifier | null = null;
  private disposed = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly call: RouterCall,
  ) {
    this.confirmations = new Confirmations(ctx, call);
    // a prepared update is announced like a finished job: clicking it opens the System page, which shows it
    this.updates = startBackgroundUpdates(ctx, (n) =>
      this.shell?.notify({ jobId: n.jobId, method: 'system.updates.check', ok: true, title: n.title, body: n.body, route: '#/system' }),
    );
    this.watcher = resolveHomeManagerProfile(ctx.host).then((hm) => {
      const w = watchProfiles(
        [
          { what: 'system-profile', path: ctx.host.systemProfile },
          { what: 'system-profile', path: ctx.host.currentSystem },
          ...(hm ? [{ what: 'home-profile' as const, path: hm }] : []),
        ],
        (what) => ctx.events.emit({ topic: 'changed', what }),
      );
      if (this.disposed) w.close();
      return w;
    });
  }

  attachShell(hooks: ShellHooks): void {
    this.shell = hooks;
    this.notifier?.close();
    this.notifier = new JobNotifier({ events: this.ctx.events, isWindowFocused: () => hooks.isWindowFocused(), notify: (n) => hooks.notify(n) });
  }

  capabilities(): DesktopCapabilities {
    if (!this.shell) {
      return { shell: 'loopback', tray: false, trayReason: 'The app is open in a browser, which has no tray icon.', notifications: false };
    }
    return { shell: 'electron', tray: this.shell.tray.available, trayReason: this.shell.tray.reason, notifications: true };
  }

  async menu(): Promise<TrayMenu> {
    return trayMenu(await readTrayState(this.ctx));
  }

  requestAction(action: ConfirmableAction, origin: Origin): string {
    const id = this.confirmations.request(action);
    this.origins.set(id, origin);
    if (origin === 'tray') {
      if (!this.shell) throw new AppError('unsupported', 'There is no tray here.');
      this.shell.showConfirmation(id);
    }
    return id;
  }

  async answer(id: string, accept: boolean): Promise<{ started: boolean; jobId: string | null }> {
    const origin = this.origins.get(id);
    this.origins.delete(id);
    const result = await this.confirmations.answer(id, accept);
    // A tray action has no window watching it: its result always comes as a notification.
    if (result.jobId && origin === 'tray') this.notifier?.alwaysNotify(result.jobId);
    if (result.jobId) this.startedJobs.set(id, result.jobId);
    return result;
  }

  /**
   * The confirmation window was closed. A tray rebuild started from it stops after building to ask
   * again in that window; with the window gone nobody would answer, so the answer is no: nothing is
   * activated, now or when the build reaches that question later.
   */
  confirmationWindowClosed(id: string): void {
    const jobId = this.startedJobs.get(id);
    this.startedJobs.delete(id);
    const running = () => {
      try {
        return this.ctx.jobs.get(jobId!);
      } catch {
        return null; // long gone from the job list
      }
    };
    if (!jobId || running()?.status !== 'running') return;
    // next turn: the rebuild announces the phase just before it starts waiting for the answer
    const decline = () => setImmediate(() => void this.call('system.rebuild.confirm', { jobId, proceed: false }));
    const off = this.ctx.events.on((e) => {
      if (e.topic !== 'job' || e.jobId !== jobId) return;
      if (e.kind === 'phase' && e.phase === 'confirm') decline();
      else if (e.kind === 'done' || e.kind === 'failed' || e.kind === 'cancelled') off();
    });
    // it may be waiting already (if not, the answer is a "not waiting" error value, not a throw)
    decline();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.updates.dispose();
    this.notifier?.close();
    (await this.watcher).close();
  }
}

export function startDesktop(ctx: AppContext, call: RouterCall): Desktop {
  const desktop = new Desktop(ctx, call);
  ctx.state.desktop = desktop;
  return desktop;
}

export function desktopOf(ctx: AppContext): Desktop {
  const d = ctx.state.desktop;
  if (!d) throw new AppError('internal', 'The desktop service was not started.');
  return d;
}
