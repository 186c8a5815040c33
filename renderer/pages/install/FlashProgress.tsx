import type { JobSummary } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { formatBytes } from '../../components/ui';

export type FlowPhase = 'download' | 'verify-download' | 'write' | 'verify-write';

export const flowPhases: { id: FlowPhase; label: string }[] = [
  { id: 'download', label: 'Download' },
  { id: 'verify-download', label: 'Verify' },
  { id: 'write', label: 'Write' },
  { id: 'verify-write', label: 'Verify' },
];

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 0.1) return 'under 0.1 s';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Which of the four phases a job is in, from its phase label (helper phases arrive as the job's own). */
export function phaseOf(job: JobSummary | undefined, kind: 'image' | 'write'): FlowPhase {
  const label = job?.phase ?? '';
  if (kind === 'image') return /verif|checking|checksum/i.test(label) && !/drive/i.test(label) ? 'verify-download' : 'download';
  return /verif/i.test(label) ? 'verify-write' : 'write';
}

/**
 * The big progress display: which of download → verify → write → verify is running, a large bar with the
 * percentage, and bytes, speed and time left underneath.
 */
export function FlashProgress({ job, current, done, title, local = false }: { job: JobSummary | undefined; current: FlowPhase; done: FlowPhase[]; title: string; /** an ISO file already here: no download, its check is the first phase */ local?: boolean }) {
  const phases = local ? [{ id: 'verify-download' as const, label: 'Check file' }, ...flowPhases.slice(2)] : flowPhases;
  const p = job?.progress;
  const fraction = typeof p?.fraction === 'number' ? p.fraction : null;
  const pct = fraction === null ? null : Math.floor(fraction * 1000) / 10;
  return (
    <div className="flash" data-testid="flash-progress" data-phase={current}>
      <ol className="flash-phases" aria-label="Phases">
        {phases.map((ph) => {
          const state = done.includes(ph.id) ? 'done' : ph.id === current ? 'current' : 'todo';
          return (
            <li key={ph.id} className={`flash-phase ${state}`} aria-current={state === 'current' ? 'step' : undefined}>
              <span className="flash-phase-dot">{state === 'done' ? <Icon name="check" size={13} /> : null}</span>
              {ph.label}
            </li>
          );
        })}
      </ol>
      <div className="flash-head">
        <div>
          <div className="flash-title">{title}</div>
          <div className="muted">{job?.phase ?? 'Starting…'}</div>
        </div>
        <div className="flash-pct" data-testid="flash-percent">
          {pct === null ? '…' : `${pct.toFixed(pct >= 10 ? 0 : 1)}%`}
        </div>
      </div>
      <div className={`flash-bar ${fraction === null ? 'indeterminate' : ''}`} role="progressbar" aria-label={title} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined}>
        {/* a new bar for each phase, so it does not slide back from the previous phase's 100% */}
        <div key={`${current}-${fraction === null}`} style={fraction === null ? undefined : { width: `${Math.min(100, fraction * 100)}%` }} />
      </div>
      <dl className="flash-stats">
        <div>
          <dt>Done</dt>
          <dd data-testid="flash-bytes">{p?.bytesDone !== undefined ? `${formatBytes(p.bytesDone)}${p.bytesTotal ? ` of ${formatBytes(p.bytesTotal)}` : ''}` : '—'}</dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd data-testid="flash-speed">{p?.bytesPerSecond ? `${formatBytes(p.bytesPerSecond)}/s` : '—'}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd data-testid="flash-eta">{formatDuration(p?.etaSeconds)}</dd>
        </div>
      </dl>
    </div>
  );
}
