import { useEffect } from 'react';
import type { FlakeInputChange, FlakeLockedInput } from '../../../shared/contract';
import { JobLog } from '../../components/JobLog';
import { Url } from '../../components/Url';
import { When } from '../../components/When';
import { Badge, Banner, Card, ErrorBanner, ProgressBar } from '../../components/ui';
import { useJobs } from '../../stores/jobs';
import { useNavigation } from '../../stores/navigation';
import { useSystemFlake } from '../../stores/system-flake';

/** The flake's inputs: what flake.lock pins, what a check found newer, and "Update" that writes the new lock. */

function Pin({ locked }: { locked: FlakeLockedInput | null }) {
  if (!locked) return <span className="faint">—</span>;
  return (
    <span className="stack sr-pin" title={locked.url}>
      <span className="mono">{locked.rev ? locked.rev.slice(0, 12) : (locked.narHash?.replace(/^sha256-/, '').slice(0, 12) ?? '?')}</span>
      <span className="faint">{locked.lastModified ? <When iso={locked.lastModified} /> : 'no date'}</span>
    </span>
  );
}

const kindBadge: Record<FlakeInputChange['kind'], { kind: 'ok' | 'warn' | 'danger' | 'accent'; label: string }> = {
  updated: { kind: 'warn', label: 'newer version' },
  added: { kind: 'accent', label: 'new input' },
  removed: { kind: 'danger', label: 'removed' },
  unchanged: { kind: 'ok', label: 'up to date' },
};

export function FlakeInputsCard() {
  const { info, error, check, updated, jobId, busy } = useSystemFlake();
  const { load, runCheck, runUpdate, dismiss } = useSystemFlake.getState();
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  useEffect(() => {
    void load();
  }, [load]);
  if (!info?.isFlake) return error ? <ErrorBanner error={error} onRetry={() => void load()} /> : null;

  const rows = check?.inputs ?? info.inputs;
  const changed = check?.changed ?? 0;
  return (
    <Card
      title="Flake inputs"
      icon="layers"
      testId="flake-inputs"
      actions={
        <div className="row">
          <button className="btn small" onClick={() => void runCheck()} disabled={busy !== null} data-testid="flake-check">
            {busy === 'check' ? 'Checking…' : 'Check for updates'}
          </button>
          <button className="btn small primary" onClick={() => void runUpdate()} disabled={busy !== null || !check || (changed === 0 && check.lockExists)} data-testid="flake-update">
            {busy === 'update' ? 'Updating…' : changed ? `Update ${changed} input${changed === 1 ? '' : 's'}` : 'Update flake.lock'}
          </button>
        </div>
      }
    >
      <p className="muted">
        Your configuration is a flake (<span className="mono">{info.dir}/flake.nix</span>): its packages and modules come from the inputs that <span className="mono">flake.lock</span> pins, not from
        channels. “Check for updates” runs <span className="mono">nix flake update</span> on a copy, so nothing changes until you choose “Update”.
      </p>
      {error ? <ErrorBanner error={error} /> : null}
      {check?.warnings.map((w) => (
        <Banner key={w} kind="warn" title="Note">
          <span>{w}</span>
        </Banner>
      ))}
      {updated ? (
        <Banner
          kind="info"
          title={updated.written ? 'flake.lock updated' : 'Nothing to update'}
          actions={
            <>
              {updated.written ? (
                <button className="btn small primary" onClick={() => useNavigation.getState().go('system', 'rebuild')} data-testid="flake-rebuild">
                  Rebuild now…
                </button>
              ) : null}
              <button className="btn small ghost" onClick={dismiss}>
                Close
              </button>
            </>
          }
        >
          <span>
            {updated.written
              ? `${updated.changed} input${updated.changed === 1 ? '' : 's'} changed. Your system uses the new versions after the next rebuild.${updated.backup ? ` The previous lock is kept as ${updated.backup}.` : ''}`
              : 'Every input is already at its newest version.'}
          </span>
        </Banner>
      ) : null}
      {check && changed === 0 && check.lockExists ? <Banner kind="info" title="Every input is up to date" /> : null}
      {!info.lockExists && !check ? <p className="faint">There is no flake.lock yet: the first check shows the version of each input that an update would pin.</p> : null}
      {rows.length ? (
        <div className="sr-table-wrap">
          <table className="table" data-testid="flake-inputs-table">
            <thead>
              <tr>
                <th>Input</th>
                <th>Follows</th>
                <th>Pinned now</th>
                {check ? <th>After update</th> : null}
                {check ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((i) => (
                <tr key={i.input} data-testid={`flake-input-${i.input}`}>
                  <td>
                    <strong className="mono sr-nowrap">{i.input}</strong>
                  </td>
                  <td className="mono sr-url">
                    <Url href={i.original} />
                  </td>
                  <td>
                    <Pin locked={i.before} />
                  </td>
                  {check ? (
                    <td>
                      <Pin locked={i.after} />
                    </td>
                  ) : null}
                  {check ? (
                    <td>
                      <Badge kind={kindBadge[i.kind].kind}>{kindBadge[i.kind].label}</Badge>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {job && (job.status === 'running' || job.status === 'failed') ? (
        <div className="stack" data-testid="flake-job">
          {job.status === 'running' ? <ProgressBar fraction={null} label={job.progress?.message ?? job.title} /> : null}
          <details open={job.status === 'failed'}>
            <summary className="faint">Output of nix flake update</summary>
            <JobLog jobId={job.id} height={160} />
          </details>
        </div>
      ) : null}
    </Card>
  );
}
