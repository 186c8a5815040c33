import type { AppEvent } from '../../../shared/contract/events';
import type { EventBus } from '../../exec/events';

export interface JobNotice {
  jobId: string;
  method: string;
  ok: boolean;
  title: string;
  body: string;
  /** the window route that shows this job */
  route: string;
}

export interface JobNotifierOptions {
  events: EventBus;
  /** whether the person is looking at the app right now */
  isWindowFocused: () => boolean;
  notify: (notice: JobNotice) => void;
  /** jobs shorter than this finish while the person still watches: no notification (unless always-notify) */
  minDurationMs?: number;
  now?: () => number;
}

const DEFAULT_MIN_DURATION_MS = 5_000;

/** The page that shows a job of a method: the area its method belongs to. */
export function jobRoute(method: string, jobId: string): string {
  const prefix = method.split('.')[0] ?? '';
  const area = ({ system: 'system', home: 'home-manager', usb: 'install', installer: 'install', search: 'search', learn: 'learn' } as Record<string, string>)[prefix] ?? 'home';
  return `#/${area}/job/${encodeURIComponent(jobId)}`;
}

/**
 * Notifies when a long job finishes or fails while the window is not focused, and always for jobs a
 * tray action started (their only feedback is the notification).
 */
export class JobNotifier {
  private readonly started = new Map<string, { title: string; at: number }>();
  private readonly always = new Set<string>();
  private readonly off: () => void;

  constructor(private readonly opts: JobNotifierOptions) {
    this.off = opts.events.on((e) => this.onEvent(e));
  }

  /** a job whose result must be reported whatever the window's focus (tray actions) */
  alwaysNotify(jobId: string): void {
    this.always.add(jobId);
  }

  close(): void {
    this.off();
  }

  private onEvent(e: AppEvent) {
    if (e.topic !== 'job') return;
    const now = this.opts.now ?? Date.now;
    if (e.kind === 'started') {
      this.started.set(e.jobId, { title: e.title, at: now() });
      return;
    }
    if (e.kind !== 'done' && e.kind !== 'failed') {
      if (e.kind === 'cancelled') this.forget(e.jobId);
      return;
    }
    const start = this.started.get(e.jobId);
    const always = this.always.has(e.jobId);
    this.forget(e.jobId);
    const long = start !== undefined && now() - start.at >= (this.opts.minDurationMs ?? DEFAULT_MIN_DURATION_MS);
    if (!always && (!long || this.opts.isWindowFocused())) return;
    const title = start?.title ?? e.method;
    this.opts.notify(
      e.kind === 'done'
        ? { jobId: e.jobId, method: e.method, ok: true, title: `Done: ${title}`, body: 'Finished without errors. Click to see the details.', route: jobRoute(e.method, e.jobId) }
        : { jobId: e.jobId, method: e.method, ok: false, title: `Failed: ${title}`, body: `${e.error.message} Click to see what happened.`, route: jobRoute(e.method, e.jobId) },
    );
  }

  private forget(jobId: string) {
    this.started.delete(jobId);
    this.always.delete(jobId);
  }
}
