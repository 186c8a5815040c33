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
/** views re-read the (in place) growing logs at most this often: a million lines must not mean a million renders */
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

export const useJobs = create<JobsState>((set) => ({
  jobs: {},
  logs: {},
  logStart: {},
  logVersion: 0,
  async refresh() {
    const { jobs } = await call('jobs.list', {});
    set((s) => ({ jobs: { ...s.jobs, ...Object.fromEntries(jobs.map((j) => [j.id, j])) } }));
  },
  async backfill(jobId) {
    // the older lines this window has not seen, up to the first line it holds (or all, newest first, when it holds none)
    const state = useJobs.getState();
    const held = state.logs[jobId]?.length ? state.logStart[jobId]! : null;
    const to = held ?? (await call('jobs.log', { jobId, offset: 0, limit: 1 })).total;
    const older = await fetchLines(jobId, Math.max(0, to - MAX_KEPT_LOG_LINES), to);
    const now = useJobs.getState();
    const lines = now.logs[jobId] ?? [];
    const start = lines.length ? now.logStart[jobId]! : to;
    if (start !== to || older.start + older.lines.length !== to) return; // a gap fill replaced the lines meanwhile
    now.logs[jobId] = older.lines.concat(lines);
    now.logStart[jobId] = older.start;
    trim(jobId);
    scheduleLogUpdate();
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

/** Lines [from, to) of a job's log from the main process, in pages (it may have dropped the oldest: then from later on). */
async function fetchLines(jobId: string, from: number, to: number): Promise<{ start: number; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  let start = from;
  while (start + lines.length < to) {
    const offset = start + lines.length;
    const page = await call('jobs.log', { jobId, offset, limit: Math.min(50_000, to - offset) });
    if (lines.length === 0 && page.dropped > start) start = Math.min(page.dropped, to);
    for (const line of page.lines) lines.push(line);
    if (page.lines.length === 0) break;
  }
  return { start, lines: lines.slice(0, Math.max(0, to - start)) };
}

type LogBatch = Extract<JobEvent, { kind: 'log' }>;
/** jobs whose missed lines are being fetched; live batches wait here meanwhile, in order */
const waiting = new Map<string, LogBatch[]>();

/** Append a batch of live lines; a gap before it (missed events) is fetched first. */
function appendBatch(batch: LogBatch) {
  const { jobId } = batch;
  const queued = waiting.get(jobId);
  if (queued) return void queued.push(batch);
  const state = useJobs.getState();
  const lines = (state.logs[jobId] ??= []);
  if (lines.length === 0) state.logStart[jobId] = batch.index;
  const end = state.logStart[jobId]! + lines.length;
  if (batch.index > end) return fillGap(batch.jobId, batch.index, [batch]);
  // a backfill or gap fill may already hold some of these
  for (let i = end - batch.index; i < batch.lines.length; i++) lines.push(batch.lines[i]!);
  trim(jobId);
  noteTotal(jobId, batch, batch.index + batch.lines.length);
}

/** Fetch the lines this window missed up to `next` (at most the newest MAX_KEPT_LOG_LINES of them), then apply what came live meanwhile. */
function fillGap(jobId: string, next: number, queued: LogBatch[] = []) {
  if (waiting.has(jobId)) return;
  waiting.set(jobId, queued);
  const state = useJobs.getState();
  const end = (state.logStart[jobId] ?? 0) + (state.logs[jobId]?.length ?? 0);
  const from = Math.max(end, next - MAX_KEPT_LOG_LINES);
  const done = (got: { start: number; lines: LogLine[] } | null) => {
    const now = useJobs.getState();
    const lines = (now.logs[jobId] ??= []);
    const have = (now.logStart[jobId] ?? 0) + lines.length;
    if (got && got.start === have) for (const line of got.lines) lines.push(line);
    else if (got) {
      // too far behind to keep what it had: start again from the fetched lines
      now.logs[jobId] = got.lines;
      now.logStart[jobId] = got.start;
    } else {
      // the fetch failed (server restarting): accept the gap rather than asking again at once, in a loop
      now.logs[jobId] = [];
      now.logStart[jobId] = next;
    }
    trim(jobId);
    const later = waiting.get(jobId) ?? [];
    waiting.delete(jobId);
    for (const batch of later) appendBatch(batch);
    scheduleLogUpdate();
  };
  fetchLines(jobId, from, next).then(done, () => done(null));
}

/** the newest line count seen per job, applied to the summaries with the next update */
const totals = new Map<string, { event: JobEvent; total: number }>();
let updateTimer: ReturnType<typeof setTimeout> | null = null;

function noteTotal(jobId: string, event: JobEvent, total: number) {
  const seen = totals.get(jobId);
  if (!seen || seen.total < total) totals.set(jobId, { event, total });
  scheduleLogUpdate();
}

/** New lines are appended in place at once; the views re-read them at most every LOG_BATCH_MS (a million lines must not mean a million renders). */
function scheduleLogUpdate() {
  updateTimer ??= setTimeout(flushLogs, LOG_BATCH_MS);
}

function flushLogs() {
  if (updateTimer) clearTimeout(updateTimer);
  updateTimer = null;
  const state = useJobs.getState();
  const jobs = { ...state.jobs };
  for (const [jobId, { event, total }] of totals) {
    const job = summaryOf(state, event);
    jobs[jobId] = { ...job, logLines: Math.max(job.logLines, total) };
  }
  totals.clear();
  useJobs.setState((s) => ({ jobs, logVersion: s.logVersion + 1 }));
}

function apply(event: JobEvent) {
  if (event.kind === 'log') return appendBatch(event);
  if (event.kind === 'log-gap') {
    noteTotal(event.jobId, event, event.next);
    return fillGap(event.jobId, event.next);
  }
  // everything else comes after the lines logged before it
  flushLogs();
  const state = useJobs.getState();
  const base = summaryOf(state, event);
  let next: JobSummary = base;
  switch (event.kind) {
    case 'started':
      break;
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
    void useJobs
      .getState()
      .refresh()
      .then(() => {
        // lines logged while it was down: fetch those of the logs this window shows
        const { jobs, logs, logStart } = useJobs.getState();
        for (const [jobId, lines] of Object.entries(logs)) {
          const total = jobs[jobId]?.logLines ?? 0;
          if (total > (logStart[jobId] ?? 0) + lines.length) fillGap(jobId, total);
        }
      })
      .catch(() => {});
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
