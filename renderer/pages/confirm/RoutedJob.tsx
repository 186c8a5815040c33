import { useEffect, useState } from 'react';
import type { JobSummary, RpcError } from '../../../shared/contract';
import { JobLog } from '../../components/JobLog';
import { Badge, Banner, Card, ErrorBanner, ProgressBar } from '../../components/ui';
import { When } from '../../components/When';
import { jobOutcome } from '../../lib/outcome';
import { call, errorOf } from '../../lib/bridge';
import { useJobs } from '../../stores/jobs';
import { useNavigation } from '../../stores/navigation';
import './confirm.css';

/** The job a route names: `#/<area>/job/<id>` (what a clicked notification opens). */
export function jobIdOfPath(path: string): string | null {
  const m = /^job\/([A-Za-z0-9_-]{1,64})$/.exec(path);
  return m ? m[1]! : null;
}

export function useRoutedJobId(): string | null {
  return jobIdOfPath(useNavigation((s) => s.path));
}

const statusWords: Record<JobSummary['status'], { text: string; kind?: 'ok' | 'warn' | 'danger' | 'accent' }> = {
  running: { text: 'Running', kind: 'accent' },
  done: { text: 'Finished', kind: 'ok' },
  failed: { text: 'Failed', kind: 'danger' },
  cancelled: { text: 'Cancelled', kind: 'warn' },
};

/** The few result fields a person cares about, in words; everything else is in the log. */
function resultWords(result: unknown): string[] {
  if (!result || typeof result !== 'object') return [];
  const r = result as Record<string, unknown>;
  const out: string[] = [];
  if (r.stoppedAtPreview === true) out.push('Stopped after the preview: nothing was activated.');
  if (typeof r.generation === 'number') {
    out.push(typeof r.specialisation === 'string' ? `Specialisation ${r.specialisation} of generation ${r.generation} is now running.` : `Generation ${r.generation} is now in use.`);
  }
  if (typeof r.kept === 'boolean') out.push(r.kept ? 'The new configuration was kept.' : 'The previous configuration was put back.');
  if (typeof r.reason === 'string' && r.reason) out.push(r.reason);
  return out;
}

/**
 * A job opened by its route (a notification was clicked): its title, how it ended, and its whole log,
 * above the area's page. Works for any job the app still remembers.
 */
export function RoutedJob() {
  const jobId = useRoutedJobId();
  const area = useNavigation((s) => s.area);
  const go = useNavigation((s) => s.go);
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const [error, setError] = useState<RpcError | null>(null);

  useEffect(() => {
    setError(null);
    if (!jobId) return;
    call('jobs.get', { jobId }).then(
      // the events that arrived meanwhile are newer than this answer
      (summary) => useJobs.setState((s) => (s.jobs[jobId] && s.jobs[jobId].status !== 'running' ? s : { jobs: { ...s.jobs, [jobId]: summary } })),
      (e) => setError(errorOf(e)),
    );
  }, [jobId]);

  if (!jobId) return null;
  const close = () => go(area);
  const status = job ? statusWords[job.status] : null;
  return (
    <div className="routed-job" data-testid="routed-job">
      <Card
        title={job ? job.title : 'Job'}
        icon="terminal"
        actions={
          <button className="btn small" onClick={close}>
            Close
          </button>
        }
      >
        {error ? (
          <ErrorBanner error={error.code === 'not-found' ? { ...error, message: 'The app no longer remembers this job (it keeps the last 50, until it is closed).' } : error} />
        ) : !job ? (
          <div className="skeleton" style={{ height: 80 }} />
        ) : (
          <div className="stack">
            <div className="row">
              {status ? <Badge kind={status.kind}>{status.text}</Badge> : null}
              <span className="muted">
                started <When iso={job.startedAt} />
                {job.endedAt ? (
                  <>
                    , ended <When iso={job.endedAt} />
                  </>
                ) : null}
              </span>
            </div>
            {job.status === 'running' ? <ProgressBar fraction={job.progress?.fraction} label={job.phase ?? job.title} /> : null}
            {job.status === 'failed' && job.error ? <ErrorBanner error={job.error} /> : null}
            {job.status === 'done' ? (
              <Banner kind="info" title={jobOutcome(job)?.title ?? 'Finished without errors.'}>
                {(jobOutcome(job) ? [jobOutcome(job)!.detail].filter((w): w is string => !!w) : resultWords(job.result)).map((w) => (
                  <span key={w} className="routed-job-fact">
                    {w}
                  </span>
                ))}
              </Banner>
            ) : null}
            <JobLog jobId={jobId} height={260} />
          </div>
        )}
      </Card>
    </div>
  );
}
