import { randomUUID } from 'node:crypto';
import type { RpcError } from '../../shared/contract/core';
import { MAX_LOG_BATCH_LINES, MAX_LOG_LINE_CHARS } from '../../shared/contract/events';
import type { JobProgress, JobStatus, JobSummary } from '../../shared/contract/jobs';
import { AppError, toRpcError } from '../errors';
import type { EventBus } from './events';

type LogStream = 'stdout' | 'stderr' | 'info';

/** What a running job's code sees. */
export interface JobContext {
  readonly id: string;
  readonly signal: AbortSignal;
  log(text: string, stream?: LogStream): void;
  progress(progress: JobProgress): void;
  phase(phase: string, label: string, opts?: { cancellable?: boolean }): void;
  setCancellable(cancellable: boolean): void;
}

/**
 * Long work as a service describes it: how its job is started and the work itself. The handler starts it
 * (startJob in electron/rpc/jobs.ts), so every job of a contract method begins in the rpc layer.
 */
export interface JobPlan<R> extends Omit<StartOptions, 'validateResult'> {
  work: (job: JobContext) => Promise<R>;
}

export interface StartOptions {
  title: string;
  /** jobs in the same group never run at once; a second is refused */
  exclusiveGroup?: string;
  cancellable?: boolean;
  /** validates the final value before it is announced */
  validateResult?: (value: unknown) => unknown;
}

interface JobRecord {
  summary: JobSummary;
  controller: AbortController;
  group?: string;
  lines: { stream: LogStream; text: string }[];
  dropped: number;
  /** lines logged but not yet announced: they go out together as one event */
  pendingLogFrom: number;
  logTimer?: NodeJS.Timeout;
  lastProgressAt: number;
  pendingProgress?: JobProgress;
  progressTimer?: NodeJS.Timeout;
}

const MAX_LOG_LINES = 500_000;
const MAX_FINISHED_JOBS = 50;
/** progress events are coalesced to at most this often */
const PROGRESS_INTERVAL_MS = 100;
/** log lines go out as one event at most this long after they were logged (or sooner, when a batch is full) */
const LOG_BATCH_MS = 50;

export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();

  constructor(private readonly events: EventBus) {}

  start<T>(method: string, opts: StartOptions, work: (job: JobContext) => Promise<T>): { jobId: string } {
    if (opts.exclusiveGroup) {
      const busy = [...this.jobs.values()].find((j) => j.group === opts.exclusiveGroup && j.summary.status === 'running');
      if (busy) {
        throw new AppError('busy', `"${busy.summary.title}" is still running. Wait for it to finish, or cancel it, before starting another.`, `job ${busy.summary.id}`);
      }
    }
    const id = randomUUID();
    const controller = new AbortController();
    const record: JobRecord = {
      summary: {
        id,
        method,
        title: opts.title,
        status: 'running',
        startedAt: new Date().toISOString(),
        cancellable: opts.cancellable ?? true,
        logLines: 0,
      },
      controller,
      group: opts.exclusiveGroup,
      lines: [],
      dropped: 0,
      pendingLogFrom: 0,
      lastProgressAt: 0,
    };
    this.jobs.set(id, record);
    this.prune();

    const ctx: JobContext = {
      id,
      signal: controller.signal,
      log: (text, stream = 'info') => this.appendLog(record, stream, text),
      progress: (p) => this.setProgress(record, p),
      phase: (phase, label, o) => {
        if (o?.cancellable !== undefined) record.summary.cancellable = o.cancellable;
        record.summary.phase = label;
        this.flushLog(record);
        this.events.emit({ topic: 'job', jobId: id, method, kind: 'phase', phase, label, cancellable: record.summary.cancellable });
      },
      setCancellable: (c) => {
        record.summary.cancellable = c;
      },
    };

    // Run on the next tick so the caller has the job id before any event about it.
    setImmediate(() => {
      this.events.emit({ topic: 'job', jobId: id, method, kind: 'started', title: opts.title });
      // validation runs inside the chain: a result that fails it fails the job instead of leaving it running
      work(ctx)
        .then((value) => (opts.validateResult ? opts.validateResult(value) : value))
        .then(
          (result) => this.finish(record, 'done', { result }),
          (err: unknown) => {
            const error = toRpcError(err);
            if (controller.signal.aborted || error.code === 'cancelled') this.finish(record, 'cancelled', {});
            else this.finish(record, 'failed', { error });
          },
        );
    });
    return { jobId: id };
  }

  cancel(jobId: string): boolean {
    const record = this.require(jobId);
    if (record.summary.status !== 'running') return false;
    if (!record.summary.cancellable) {
      throw new AppError('not-cancellable', `"${record.summary.title}" cannot be stopped now: ${record.summary.phase ?? 'it is at a step that must finish'}. Stopping it here could leave the system half changed.`);
    }
    record.controller.abort();
    return true;
  }

  get(jobId: string): JobSummary {
    return { ...this.require(jobId).summary };
  }

  list(): JobSummary[] {
    return [...this.jobs.values()].map((j) => ({ ...j.summary })).reverse();
  }

  running(group?: string): JobSummary[] {
    return [...this.jobs.values()].filter((j) => j.summary.status === 'running' && (!group || j.group === group)).map((j) => ({ ...j.summary }));
  }

  log(jobId: string, offset: number, limit: number) {
    const record = this.require(jobId);
    const start = Math.max(0, offset - record.dropped);
    return { lines: record.lines.slice(start, start + limit), total: record.summary.logLines, dropped: record.dropped };
  }

  /** Wait for a job to end (tests, tray actions). */
  wait(jobId: string): Promise<JobSummary> {
    return new Promise((resolve) => {
      const check = () => {
        const s = this.require(jobId).summary;
        if (s.status !== 'running') resolve({ ...s });
        else setTimeout(check, 20);
      };
      check();
    });
  }

  private require(jobId: string): JobRecord {
    const record = this.jobs.get(jobId);
    if (!record) throw new AppError('not-found', 'That job does not exist (it may have ended before the app restarted).');
    return record;
  }

  private appendLog(record: JobRecord, stream: LogStream, text: string) {
    if (text.length > MAX_LOG_LINE_CHARS) {
      const kept = MAX_LOG_LINE_CHARS - 40; // room for the note
      text = `${text.slice(0, kept)} … (${(text.length - kept).toLocaleString('en')} more characters)`;
    }
    record.summary.logLines++;
    record.lines.push({ stream, text });
    if (record.summary.logLines - record.pendingLogFrom >= MAX_LOG_BATCH_LINES) this.flushLog(record);
    else record.logTimer ??= setTimeout(() => this.flushLog(record), LOG_BATCH_MS);
    if (record.lines.length > MAX_LOG_LINES + MAX_LOG_BATCH_LINES) {
      // trimmed in chunks; never a line that is still waiting to be announced
      const drop = record.lines.length - MAX_LOG_LINES;
      record.lines.splice(0, drop);
      record.dropped += drop;
    }
  }

  /** Announce the lines logged since the last announcement as one event (before any other event of the job, so the order holds). */
  private flushLog(record: JobRecord) {
    if (record.logTimer) clearTimeout(record.logTimer);
    record.logTimer = undefined;
    const end = record.summary.logLines;
    if (record.pendingLogFrom >= end) return;
    const index = record.pendingLogFrom;
    record.pendingLogFrom = end;
    const lines = record.lines.slice(index - record.dropped, end - record.dropped);
    this.events.emit({ topic: 'job', jobId: record.summary.id, method: record.summary.method, kind: 'log', index, lines });
  }

  private setProgress(record: JobRecord, progress: JobProgress) {
    record.summary.progress = progress;
    const now = Date.now();
    const emit = () => {
      record.progressTimer = undefined;
      record.lastProgressAt = Date.now();
      this.flushLog(record);
      if (record.summary.progress) {
        this.events.emit({ topic: 'job', jobId: record.summary.id, method: record.summary.method, kind: 'progress', progress: record.summary.progress });
      }
    };
    if (now - record.lastProgressAt >= PROGRESS_INTERVAL_MS) emit();
    else if (!record.progressTimer) record.progressTimer = setTimeout(emit, PROGRESS_INTERVAL_MS - (now - record.lastProgressAt));
  }

  private finish(record: JobRecord, status: Exclude<JobStatus, 'running'>, extra: { result?: unknown; error?: RpcError }) {
    if (record.progressTimer) clearTimeout(record.progressTimer);
    this.flushLog(record);
    const s = record.summary;
    s.status = status;
    s.endedAt = new Date().toISOString();
    s.cancellable = false;
    const base = { topic: 'job' as const, jobId: s.id, method: s.method };
    if (status === 'done') {
      s.result = extra.result;
      this.events.emit({ ...base, kind: 'done', result: extra.result });
    } else if (status === 'failed') {
      s.error = extra.error;
      this.events.emit({ ...base, kind: 'failed', error: extra.error! });
    } else {
      this.events.emit({ ...base, kind: 'cancelled' });
    }
  }

  private prune() {
    const finished = [...this.jobs.values()].filter((j) => j.summary.status !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) this.jobs.delete(j.summary.id);
  }
}
