import { create } from 'zustand';
import type { JobEvent, JobSummary } from '../../shared/contract';
import { call, onEvent } from '../lib/bridge';

export interface LogLine {
  stream: 'stdout' | 'stderr' | 'info';
  text: string;
}

interface JobsState {
  jobs: Record<string, JobSummary>;
  /** log lines per job; kept outside React state arrays' copies (appended in place, `logVersion` bumps) */
  logs: Record<string, LogLine[]>;
  logVersion: number;
  refresh(): Promise<void>;
  /** load what a job logged before this window saw it (reattach after a reload or restart) */
  backfill(jobId: string): Promise<void>;
  cancel(jobId: string): Promise<void>;
}

export const useJobs = create<JobsState>((set, get) => ({
  jobs: {},
  logs: {},
  logVersion: 0,
  async refresh() {
    const { jobs } = await call('jobs.list', {});
    set({ jobs: Object.fromEntries(jobs.map((j) => [j.id, j])) });
  },
  async backfill(jobId) {
    const lines: LogLine[] = [];
    let offset = 0;
    for (;;) {
      const page = await call('jobs.log', { jobId, offset, limit: 50_000 });
      lines.push(...page.lines);
      offset = page.dropped + lines.length;
      if (offset >= page.total || page.lines.length === 0) break;
    }
    get().logs[jobId] = lines;
    set((s) => ({ logVersion: s.logVersion + 1 }));
  },
  async cancel(jobId) {
    await call('jobs.cancel', { jobId });
  },
}));

function apply(event: JobEvent) {
  const state = useJobs.getState();
  const existing = state.jobs[event.jobId];
  const base: JobSummary = existing ?? {
    id: event.jobId,
    method: event.method,
    title: event.kind === 'started' ? event.title : event.method,
    status: 'running',
    startedAt: new Date().toISOString(),
    cancellable: true,
    logLines: 0,
  };
  let next: JobSummary = base;
  switch (event.kind) {
    case 'log': {
      (state.logs[event.jobId] ??= []).push({ stream: event.stream, text: event.text });
      next = { ...base, logLines: event.index + 1 };
      break;
    }
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
  useJobs.setState((s) => ({ jobs: { ...s.jobs, [event.jobId]: next }, logVersion: event.kind === 'log' ? s.logVersion + 1 : s.logVersion }));
}

onEvent((event) => {
  if (event.topic === 'job') apply(event);
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
