import { create } from 'zustand';
import type { JobEvent, JobSummary } from '../../shared/contract';
import { call, onConnection, onEvent } from '../lib/bridge';

export interface LogLine {
  stream: 'stdout' | 'stderr' | 'info';
  text: string;
}

/** Lines of one job's log a window keeps; older ones stay in the main process (jobs.log) and the job's log file. */
export const MAX_KEPT_LOG_LINES = 200_000;
/** trimmed in chunks, so the front of the array is not spliced on every batch */
const TRIM_CHUNK = 50_000;
/** log events are applied in batches at most this often: a million lines must not mean a million renders */
const LOG_BATCH_MS = 100;

interface JobsState {
  jobs: Record<string, JobSummary>;
  /** the newest log lines per job (at most MAX_KEPT_LOG_LINES), appended in place; `logVersion` bumps */
  logs: Record<string, LogLine[]>;
  /** the job's line number (0-based) of logs[jobId][0]: how many older lines this window dropped */
  logStart: Record<string, number>;
  logVersion: number;
  refresh(): Promise<void>;
  /** load what a job logged before this window saw it (reattach after a reload or restart) */
  backfill(jobId: string): Promise<void>;
  cancel(jobId: string): Promise<void>;
}

export const useJobs = create<JobsState>((set, get) => ({
  jobs: {},
  logs: {},
  logStart: {},
  logVersion: 0,
  async refresh() {
    const { jobs } = await call('jobs.list', {});
    set((s) => ({ jobs: { ...s.jobs, ...Object.fromEntries(jobs.map((j) => [j.id, j])) } }));
  },
  async backfill(jobId) {
    const { total, dropped } = await call('jobs.log', { jobId, offset: 0, limit: 1 });
    const start = Math.max(dropped, total - MAX_KEPT_LOG_LINES);
    const lines: LogLine[] = [];
    for (;;) {
      const page = await call('jobs.log', { jobId, offset: start + lines.length, limit: 50_000 });
      for (const line of page.lines) lines.push(line);
      if (start + lines.length >= page.total || page.lines.length === 0) break;
    }
    // lines that arrived live while this ran and go past what was fetched are kept
    flushLogs();
    const live = get().logs[jobId] ?? [];
    const liveStart = get().logStart[jobId] ?? 0;
    for (let i = Math.max(0, start + lines.length - liveStart); i < live.length; i++) lines.push(live[i]!);
    get().logs[jobId] = lines;
    get().logStart[jobId] = start;
    trim(jobId);
    set((s) => ({ logVersion: s.logVersion + 1 }));
  },
  async cancel(jobId) {
    await call('jobs.cancel', { jobId });
  },
}));

function summaryOf(state: JobsState, event: JobEvent): JobSummary {
  return state.jobs[event.jobId] ?? {
    id: event.jobId,
    method: event.method,
    title: event.kind === 'started' ? event.title : event.method,
    status: 'running',
    startedAt: new Date().toISOString(),
    cancellable: true,
    logLines: 0,
  };
}

function trim(jobId: string) {
  const state = useJobs.getState();
  const lines = state.logs[jobId];
  if (!lines || lines.length <= MAX_KEPT_LOG_LINES + TRIM_CHUNK) return;
  const drop = lines.length - MAX_KEPT_LOG_LINES;
  lines.splice(0, drop);
  state.logStart[jobId] = (state.logStart[jobId] ?? 0) + drop;
}

/** log events waiting for the next batch, per job */
const pendingLogs = new Map<string, Extract<JobEvent, { kind: 'log' }>[]>();
let batchTimer: ReturnType<typeof setTimeout> | null = null;

function flushLogs() {
  if (batchTimer) clearTimeout(batchTimer);
  batchTimer = null;
  if (pendingLogs.size === 0) return;
  const state = useJobs.getState();
  const jobs = { ...state.jobs };
  for (const [jobId, events] of pendingLogs) {
    const lines = (state.logs[jobId] ??= []);
    const end = (state.logStart[jobId] ??= events[0]!.index) + lines.length;
    // a backfill may already hold some of these
    for (const e of events) if (e.index >= end) lines.push({ stream: e.stream, text: e.text });
    trim(jobId);
    jobs[jobId] = { ...summaryOf(state, events[0]!), logLines: events.at(-1)!.index + 1 };
  }
  pendingLogs.clear();
  useJobs.setState((s) => ({ jobs, logVersion: s.logVersion + 1 }));
}

function apply(event: JobEvent) {
  if (event.kind === 'log') {
    const list = pendingLogs.get(event.jobId);
    if (list) list.push(event);
    else pendingLogs.set(event.jobId, [event]);
    batchTimer ??= setTimeout(flushLogs, LOG_BATCH_MS);
    return;
  }
  // everything else comes after the lines logged before it
  flushLogs();
  const state = useJobs.getState();
  const base = summaryOf(state, event);
  let next: JobSummary = base;
  switch (event.kind) {
    case 'progress':
      next = { ...base, progress: event.progress };
      break;
    case 'phase':
      next = { ...base, phase: event.label, cancellable: event.cancellable };
      break;
    case 'done':
      next = { ...base, status: 'done', result: event.result, cancellable: false, endedAt: new Date().toISOString() };
      break;
    case 'failed':
      next = { ...base, status: 'failed', error: event.error, cancellable: false, endedAt: new Date().toISOString() };
      break;
    case 'cancelled':
      next = { ...base, status: 'cancelled', cancellable: false, endedAt: new Date().toISOString() };
      break;
  }
  useJobs.setState((s) => ({ jobs: { ...s.jobs, [event.jobId]: next } }));
}

onEvent((event) => {
  if (event.topic === 'job') apply(event);
});

// Events sent while the connection was down are lost: ask again how the jobs stand.
let wasClosed = false;
onConnection((state) => {
  if (state === 'closed') wasClosed = true;
  else if (wasClosed) {
    flushLogs();
    void useJobs.getState().refresh().catch(() => {});
  }
});

/** Wait for a job to end; resolves with its summary (failed and cancelled included). */
export function waitForJob(jobId: string): Promise<JobSummary> {
  return new Promise((resolve) => {
    const check = (s: JobsState) => {
      const job = s.jobs[jobId];
      if (job && job.status !== 'running') {
        unsubscribe();
        resolve(job);
      }
    };
    const unsubscribe = useJobs.subscribe(check);
    check(useJobs.getState());
  });
}
