import { useEffect, useRef, useState } from 'react';
import { sizeInWords, type PreflightFixResult, type PreflightParams, type PreflightReport, type RpcError } from '../../../shared/contract';
import { Banner, ErrorBanner } from '../../components/ui';
import { call, errorOf } from '../../lib/bridge';
import { useJobs } from '../../stores/jobs';
import { useSystemRebuild } from '../../stores/system-rebuild';

/** The pre-flight of an action (null while it is being worked out); `again()` looks once more. */
export function usePreflight(params: PreflightParams | null): { report: PreflightReport | null; error: RpcError | null; again: () => void } {
  const [report, setReport] = useState<PreflightReport | null>(null);
  const [error, setError] = useState<RpcError | null>(null);
  const [round, setRound] = useState(0);
  const key = params ? JSON.stringify(params) : null;
  const shown = useRef<string | null>(null);
  useEffect(() => {
    if (!key) return;
    let live = true;
    // looking again at the same action keeps the old report (and a finished fix's words) until the new one is in
    if (shown.current !== key) setReport(null);
    shown.current = key;
    call('system.preflight', JSON.parse(key) as PreflightParams)
      .then((r) => live && (setReport(r), setError(null)))
      .catch((err: unknown) => live && setError(errorOf(err)));
    return () => {
      live = false;
    };
  }, [key, round]);
  return { report, error, again: () => setRound((n) => n + 1) };
}

function fixedInWords(r: PreflightFixResult, bootDir: string): string {
  const parts = [r.deleted.length ? `Deleted generation${r.deleted.length === 1 ? '' : 's'} ${r.deleted.join(', ')}.` : 'No generation needed deleting.'];
  if (r.bootMenuRebuilt) parts.push('The boot menu was rebuilt.');
  if (r.bootFreedBytes && r.bootFreedBytes > 0) parts.push(`${sizeInWords(r.bootFreedBytes)} freed on ${bootDir}.`);
  if (r.storeFreedBytes && r.storeFreedBytes > 0) parts.push(`${sizeInWords(r.storeFreedBytes)} freed in the Nix store.`);
  return parts.join(' ');
}

/**
 * What the pre-flight found, before anything starts: each problem in words with its numbers ("/boot has
 * 12 MB free; the new kernel needs 38 MB. Removing 6 old boot entries frees 140 MB."), and the one fix as
 * one button. Calm: a warning that says what to do, not an error. Nothing shows when all is well.
 */
export function PreflightCard({ report, onFixed, testId = 'preflight-card' }: { report: PreflightReport; onFixed?: () => void; testId?: string }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<RpcError | null>(null);
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const done = job?.status === 'done';
  useEffect(() => {
    if (done) onFixed?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, when the fix finishes
  }, [done]);
  if (!report.problems.length && !jobId) return null;
  const fix = report.fix;
  const start = async () => {
    if (!fix) return;
    setError(null);
    try {
      const started = await call('system.preflight.fix', { rule: fix.rule, collectGarbage: fix.collectGarbage, rebuildBootMenu: fix.rebuildBootMenu, expectedCurrent: fix.expectedCurrent });
      setJobId(started.jobId);
    } catch (err) {
      setError(errorOf(err));
    }
  };
  const running = job?.status === 'running' || (jobId !== null && !job);
  return (
    <div className="stack preflight" data-testid={testId} data-ok={report.ok ? 'true' : 'false'}>
      {done ? null : report.problems.map((p) => (
        <Banner key={p.kind} kind={p.blocking ? 'warn' : 'info'} title={p.title}>
          <span data-testid={`preflight-${p.kind}`}>{p.text}</span>
        </Banner>
      ))}
      {fix && !done ? (
        <div className="row preflight-fix">
          <button className={`btn ${report.ok ? '' : 'primary'}`} data-testid="preflight-fix" disabled={running} onClick={() => void start()}>
            {running ? (job?.phase ?? 'Starting…') : fix.label}
          </button>
          <span className="faint">
            Deletes generation{fix.generations.length === 1 ? '' : 's'} {fix.generations.join(', ')}. The boot default, the running and the booted generation always stay.
          </span>
        </div>
      ) : null}
      {done ? (
        <Banner kind="info" title="Room made" testId="preflight-fixed">
          <span>{fixedInWords(job?.result as PreflightFixResult, report.boot?.dir ?? '/boot')}</span>
        </Banner>
      ) : null}
      {job?.status === 'failed' && job.error ? <ErrorBanner error={job.error} /> : null}
      {error ? <ErrorBanner error={error} /> : null}
    </div>
  );
}

/** A rebuild that its pre-flight refused: the card from the job's own report, and "Start again" once the fix ran. */
export function PreflightOfJob({ jobId, fallback }: { jobId: string; fallback: RpcError }) {
  const { report } = usePreflight({ kind: 'job', jobId });
  const [fixed, setFixed] = useState(false);
  if (!report) return <ErrorBanner error={fallback} />;
  const again = () => {
    const { form, start } = useSystemRebuild.getState();
    void start({ action: form.action, ...(form.upgrade ? { upgrade: true } : {}), ...(form.showTrace ? { showTrace: true } : {}) });
  };
  return (
    <div className="stack">
      <PreflightCard report={report} onFixed={() => setFixed(true)} />
      {fixed ? (
        <div className="row">
          <button className="btn primary" data-testid="preflight-start-again" onClick={again}>
            Start the {report.action} again
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** Clean up by a rule: what removing the deleted generations' boot entries frees, and the cleanup with the boot menu rebuild as one button. */
export function CleanupPreflight({ rule, onFixed }: { rule: { olderThanDays: number } | { keepNewest: number } | { generations: number[] }; onFixed: () => void }) {
  const { report } = usePreflight('generations' in rule ? null : { kind: 'cleanup', rule });
  return report ? <PreflightCard report={report} onFixed={onFixed} testId="cleanup-preflight" /> : null;
}
