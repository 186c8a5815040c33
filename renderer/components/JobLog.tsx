import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { MAX_KEPT_LOG_LINES, useJobs, type LogLine } from '../stores/jobs';

const ROW_HEIGHT = 18;
const EMPTY: LogLine[] = [];

/** Re-read a fast-moving counter at most every `ms` (a million log lines must not mean a million renders). */
function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const wait = Math.max(0, last.current + ms - Date.now());
    const t = setTimeout(() => {
      last.current = Date.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(t);
  }, [value, ms]);
  return shown;
}

interface SearchState {
  jobId: string;
  needle: string;
  /** job line numbers (0-based) of the matches */
  matches: number[];
  /** job line number of the first line searched (older lines backfilled later mean starting again) */
  start: number;
  /** job line number up to which the lines were searched */
  scanned: number;
}

/** Search only the lines that arrived since the last look: re-reading 200,000 lines on every batch would stall the window. */
function searchIncrementally(prev: SearchState | null, jobId: string, needle: string, lines: LogLine[], start: number): SearchState {
  const reusable = prev && prev.jobId === jobId && prev.needle === needle && prev.start <= start && prev.scanned >= start;
  const state = reusable ? prev : { jobId, needle, start, matches: [], scanned: start };
  let first = 0;
  while (first < state.matches.length && state.matches[first]! < start) first++;
  const matches = first > 0 ? state.matches.slice(first) : state.matches;
  for (let i = state.scanned - start; i < lines.length; i++) if (lines[i]!.text.toLowerCase().includes(needle)) matches.push(start + i);
  return { jobId, needle, start, matches, scanned: start + lines.length };
}

/**
 * A job's log, any size: only the visible rows are in the page (virtualized), new lines arrive in
 * batches, the window keeps the newest 200,000, a search filters them, and it follows new lines while
 * scrolled to the bottom. Works for any job id (rebuilds, home-manager switches, writes): it reads
 * renderer/stores/jobs.ts and loads what was logged before the window saw it.
 */
export function JobLog({ jobId, height = 360, label = 'Log' }: { jobId: string; height?: number; label?: string }) {
  const job = useJobs((s) => s.jobs[jobId]);
  const version = useThrottled(useJobs((s) => s.logVersion), 150);
  const lines = useJobs.getState().logs[jobId] ?? EMPTY;
  const start = useJobs.getState().logStart[jobId] ?? 0;
  const total = Math.max(job?.logLines ?? 0, start + lines.length);
  const [query, setQuery] = useState('');
  const [follow, setFollow] = useState(true);
  const parentRef = useRef<HTMLDivElement>(null);

  // Reattach: the job logged more than this window has seen (reload, restart, opened later).
  const backfilled = useRef<string | null>(null);
  useEffect(() => {
    if (backfilled.current === jobId) return;
    const begin = useJobs.getState().logStart[jobId] ?? job?.logLines ?? 0;
    if (job && job.logLines > 0 && begin > Math.max(0, job.logLines - MAX_KEPT_LOG_LINES)) {
      backfilled.current = jobId;
      void useJobs.getState().backfill(jobId).catch(() => {});
    }
  }, [jobId, job]);

  const needle = query.trim().toLowerCase();
  const search = useRef<SearchState | null>(null);
  const matches = useMemo(() => {
    if (!needle) return null;
    search.current = searchIncrementally(search.current, jobId, needle, lines, start);
    return search.current.matches;
    // `version` stands for the lines array growing in place
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [needle, jobId, lines, start, version]);
  const count = matches ? matches.length : lines.length;

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });

  useEffect(() => {
    if (follow && count > 0) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  }, [count, follow, virtualizer, version]);

  const onScroll = () => {
    const el = parentRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
    if (atBottom !== follow) setFollow(atBottom);
  };

  return (
    <div className="job-log" data-testid="job-log">
      <div className="job-log-bar">
        <span className="faint" data-testid="job-log-count" title={start > 0 ? `This window keeps the newest ${MAX_KEPT_LOG_LINES.toLocaleString()} lines; search looks in those.` : undefined}>
          {matches ? `${matches.length.toLocaleString()} of ${total.toLocaleString()} lines` : `${total.toLocaleString()} lines`}
          {start > 0 ? ` (showing the newest ${lines.length.toLocaleString()})` : ''}
        </span>
        <input type="search" placeholder={`Search the ${label.toLowerCase()}`} aria-label={`Search the ${label.toLowerCase()}`} value={query} onChange={(e) => setQuery(e.target.value)} />
        {!follow ? (
          <button className="btn small" onClick={() => setFollow(true)}>
            Follow new lines
          </button>
        ) : null}
      </div>
      <div ref={parentRef} className="log job-log-view" style={{ height }} onScroll={onScroll} role="log" aria-label={label} tabIndex={0}>
        {count === 0 ? (
          <div className="job-log-empty faint">{needle ? 'No line matches.' : 'Nothing logged yet.'}</div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const index = matches ? matches[item.index]! : start + item.index;
              const line = lines[index - start];
              if (!line) return null;
              return (
                <div key={item.key} className={`job-log-line ${line.stream}`} style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }} data-index={index}>
                  <span className="job-log-num">{index + 1}</span>
                  <span className="job-log-text">{line.text}</span>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
