import { useEffect, useState } from 'react';
import { useJobs } from '../stores/jobs';
import { Term } from './Term';
import { Badge, formatBytes, ProgressBar } from './ui';

function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  if (h > 0) return `${h}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

function useNow(active: boolean) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

const statusWords = { running: 'Running', done: 'Finished', failed: 'Failed', cancelled: 'Stopped' } as const;
const statusKind = { running: 'accent', done: 'ok', failed: 'danger', cancelled: 'warn' } as const;

/**
 * Live progress of any Nix build job: builds and downloads done/running/expected (counters
 * `builds.*`, `downloads.*` as the system and home-manager services report them), bytes, what Nix is
 * doing now, the step, elapsed time, and a Stop button while stopping is safe.
 */
export function BuildProgress({ jobId, onCancel }: { jobId: string; onCancel?: () => void }) {
  const job = useJobs((s) => s.jobs[jobId]);
  const running = job?.status === 'running';
  const now = useNow(running);
  const [cancelError, setCancelError] = useState<string | null>(null);
  if (!job) return null;
  const c = job.progress?.counters ?? {};
  const elapsed = ((job.endedAt ? Date.parse(job.endedAt) : now) - Date.parse(job.startedAt)) / 1000;
  const builds = { done: c['builds.done'] ?? 0, running: c['builds.running'] ?? 0, expected: c['builds.expected'] ?? 0, failed: c['builds.failed'] ?? 0 };
  const downloads = { done: c['downloads.done'] ?? 0, running: c['downloads.running'] ?? 0, expected: c['downloads.expected'] ?? 0 };
  const bytesDone = job.progress?.bytesDone ?? 0;
  const bytesTotal = job.progress?.bytesTotal ?? 0;
  const anyBuilds = builds.done + builds.running + builds.expected + builds.failed > 0;
  const anyDownloads = downloads.done + downloads.running + downloads.expected > 0 || bytesTotal > 0;
  const fraction = job.status === 'done' ? 1 : (job.progress?.fraction ?? null);

  const cancel = async () => {
    setCancelError(null);
    try {
      await useJobs.getState().cancel(jobId);
      onCancel?.();
    } catch (err) {
      setCancelError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="build-progress" data-testid="build-progress" data-status={job.status}>
      <div className="spread">
        <div className="row">
          <Badge kind={statusKind[job.status]}>{statusWords[job.status]}</Badge>
          <strong>{job.title}</strong>
          {job.phase && running ? <span className="muted" data-testid="build-phase">· {job.phase}</span> : null}
        </div>
        <div className="row">
          <span className="mono faint" title="Elapsed time" data-testid="build-elapsed">
            {formatElapsed(elapsed)}
          </span>
          {running ? (
            <button className="btn small" onClick={() => void cancel()} disabled={!job.cancellable} title={job.cancellable ? 'Stop this job' : 'This step must finish: stopping it could leave the system half changed'}>
              Stop
            </button>
          ) : null}
        </div>
      </div>
      <ProgressBar fraction={running || job.status === 'done' ? fraction : 0} label={`${job.title} progress`} />
      {/* a count of nothing is noise: only what happened (or is expected) is shown */}
      {anyBuilds || anyDownloads || running ? (
        <div className="build-counters">
          {anyBuilds ? (
            <div className="build-counter" data-testid="counter-builds">
              <span className="stat-label">
                <Term learn="derivations" label="a build (a derivation)">Builds</Term>
              </span>
              <span className="build-counter-value">
                {builds.done}
                <span className="faint"> / {Math.max(builds.expected, builds.done)}</span>
              </span>
              <span className="faint">
                {builds.running} running{builds.failed ? `, ${builds.failed} failed` : ''}
              </span>
            </div>
          ) : null}
          {anyDownloads ? (
            <div className="build-counter" data-testid="counter-downloads">
              <span className="stat-label">Downloads</span>
              <span className="build-counter-value">
                {downloads.done}
                <span className="faint"> / {Math.max(downloads.expected, downloads.done)}</span>
              </span>
              <span className="faint">{bytesTotal > 0 ? `${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)}` : `${downloads.running} running`}</span>
            </div>
          ) : null}
          <div className="build-counter build-activity">
            <span className="stat-label">Now</span>
            <span className="build-activity-text" data-testid="build-activity" title={job.progress?.message}>
              {running ? job.progress?.message || job.phase || 'Starting…' : job.status === 'done' ? 'Done' : '—'}
            </span>
          </div>
        </div>
      ) : null}
      {!job.cancellable && running ? <p className="faint">This step cannot be stopped: interrupting it could leave the system half changed. It keeps going even if you close the app.</p> : null}
      {cancelError ? <p className="faint" role="alert">{cancelError}</p> : null}
    </div>
  );
}
