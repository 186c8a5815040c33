import { useEffect, useRef, useState } from 'react';
import type { Preview, RebuildAction, RpcError } from '../../../shared/contract';
import { BuildProgress } from '../../components/BuildProgress';
import { ErrorExplanation } from '../../components/ErrorExplanation';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Badge, Banner, Card, ErrorBanner, formatBytes } from '../../components/ui';
import { call } from '../../lib/bridge';
import { useJobs } from '../../stores/jobs';
import { useNavigation } from '../../stores/navigation';
import { useSystemRebuild } from '../../stores/system-rebuild';
import { PreflightOfJob } from './PreflightCard';
import './system-write.css';

const actions: { action: RebuildAction; label: string; explain: string }[] = [
  { action: 'switch', label: 'Switch', explain: 'Build, make it the boot default, and activate it now.' },
  { action: 'boot', label: 'Boot', explain: 'Build and make it the boot default; it starts at the next reboot.' },
  { action: 'test', label: 'Test', explain: 'Build and activate it now, without changing the boot default: a reboot goes back.' },
  { action: 'build', label: 'Build', explain: 'Only build it, to check that it builds. Nothing changes.' },
  { action: 'dry-build', label: 'Dry build', explain: 'Only evaluate it and list what a build would need. Nothing is built.' },
];

/** `/etc/nixos/hosts/a.nix` -> `hosts/a.nix` when under the config folder */
function configRelative(file: string, dir: string | undefined): string | null {
  if (!dir) return null;
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return file.startsWith(base) ? file.slice(base.length) : null;
}

export function NixErrorPanel({ error, configDir, onRestore }: { error: RpcError; configDir?: string; onRestore?: () => void }) {
  const go = useNavigation((s) => s.go);
  const loc = error.location;
  const rel = loc ? configRelative(loc.file, configDir) : null;
  const explained = error.explanation;
  return (
    <div className="nix-error" role="alert" data-testid="nix-error">
      <div className="row">
        <Icon name="alert" />
        <strong>{explained ? explained.title : error.message}</strong>
      </div>
      {explained ? <ErrorExplanation explanation={explained} configDir={configDir} /> : null}
      {loc ? (
        <div className="row">
          {rel ? (
            <a href={`#/system/config/${rel}:${loc.line}`} data-testid="nix-error-link" onClick={(e) => {
              e.preventDefault();
              go('system', `config/${rel}:${loc.line}`);
            }}>
              {`${loc.file}:${loc.line}:${loc.column}`} — open in the editor
            </a>
          ) : (
            <span className="mono" data-testid="nix-error-location">{`${loc.file}:${loc.line}:${loc.column}`}</span>
          )}
        </div>
      ) : null}
      {explained ? (
        <details>
          <summary className="faint">Details</summary>
          <p>{error.message}</p>
          {error.detail ? <pre className="nix-error-text">{error.detail}</pre> : null}
        </details>
      ) : error.detail ? (
        <pre className="nix-error-text">{error.detail}</pre>
      ) : null}
      {onRestore ? (
        <div className="row">
          <button className="btn small" onClick={onRestore}>
            Restore the previous configuration
          </button>
          <span className="faint">puts back the copy saved before your last change</span>
        </div>
      ) : null}
    </div>
  );
}

export function PreviewSummary({ preview }: { preview: Preview }) {
  const shown = preview.changes.slice(0, 200);
  return (
    <div className="stack" data-testid="preview-summary">
      {preview.kernel.changes ? (
        <Banner kind="warn" title="The kernel changes">
          <span>
            {preview.kernel.running ?? 'unknown'} → {preview.kernel.target ?? 'unknown'}. Restart the computer afterwards for the new kernel to run.
          </span>
        </Banner>
      ) : null}
      <dl className="facts">
        <dt>NixOS</dt>
        <dd>
          {preview.nixosVersion.running ?? '—'} → {preview.nixosVersion.target ?? '—'}
        </dd>
        <dt>Packages changed</dt>
        <dd>{preview.changes.length}</dd>
        {preview.closureSizeDelta !== null ? (
          <>
            <dt>Size on disk</dt>
            <dd>{preview.closureSizeDelta >= 0 ? `+${formatBytes(preview.closureSizeDelta)}` : formatBytes(preview.closureSizeDelta)}</dd>
          </>
        ) : null}
      </dl>
      {shown.length ? (
        <div className="preview-changes">
          <table className="table">
            <thead>
              <tr>
                <th>Package</th>
                <th>Before</th>
                <th>After</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.name}>
                  <td className="mono">{c.name}</td>
                  <td className="mono">{c.before.length ? c.before.join(', ') || '(no version)' : <Badge kind="ok">new</Badge>}</td>
                  <td className="mono">{c.after.length ? c.after.join(', ') || '(no version)' : <Badge kind="danger">removed</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No package changes: only configuration files differ.</p>
      )}
      {preview.changes.length > shown.length ? <p className="faint">and {preview.changes.length - shown.length} more</p> : null}
    </div>
  );
}

function PreviewDialog({ jobId, preview }: { jobId: string; preview: Preview | null }) {
  const ref = useRef<HTMLDialogElement>(null);
  const answer = useSystemRebuild((s) => s.answerPreview);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} className="modal" data-testid="preview-dialog" onCancel={(e) => e.preventDefault()}>
      <div className="modal-body">
        <h2>Activate this configuration?</h2>
        <p className="muted">It built. Here is what changes compared with the system running now.</p>
        {preview ? <PreviewSummary preview={preview} /> : <p className="muted">The comparison could not be made; the log has the details.</p>}
      </div>
      <div className="modal-actions">
        <button className="btn" onClick={() => void answer(jobId, false)}>
          Don’t activate
        </button>
        <button className="btn primary" onClick={() => void answer(jobId, true)} autoFocus>
          Activate
        </button>
      </div>
    </dialog>
  );
}

function ResultSummary({ jobId }: { jobId: string }) {
  const job = useJobs((s) => s.jobs[jobId]);
  const config = useSystemRebuild((s) => s.config);
  const loadConfig = useSystemRebuild((s) => s.loadConfig);
  const backups = useSystemRebuild((s) => s.backups);
  const loadBackups = useSystemRebuild((s) => s.loadBackups);
  const restore = useSystemRebuild((s) => s.restoreBackup);
  const [restored, setRestored] = useState(false);
  useEffect(() => {
    if (job?.status === 'failed' && job.error?.code === 'nix-error') {
      void loadConfig().then(() => loadBackups());
    }
  }, [job?.status, job?.error?.code, loadConfig, loadBackups]);
  if (!job) return null;
  if (job.status === 'failed' && job.error) {
    if (job.error.code === 'disk-full' && job.method === 'system.rebuild') return <PreflightOfJob jobId={jobId} fallback={job.error} />;
    if (job.error.code !== 'nix-error') return <ErrorBanner error={job.error} />;
    const latest = backups[0];
    return (
      <>
        <NixErrorPanel
          error={job.error}
          configDir={config?.dir}
          onRestore={
            latest && !restored
              ? () => {
                  void restore(latest.name).then(() => setRestored(true));
                }
              : undefined
          }
        />
        {restored ? <Banner kind="info" title="The previous configuration is back in place.">Rebuild to use it.</Banner> : null}
      </>
    );
  }
  if (job.status === 'done') {
    const r = job.result as { action?: string; generation?: number | null; storePath?: string | null; stoppedAtPreview?: boolean; activated?: boolean; commit?: { committed: boolean; message: string } | null } | undefined;
    const title = r?.stoppedAtPreview
      ? 'Stopped before activating: nothing changed.'
      : r?.activated
        ? r.generation
          ? `Generation ${r.generation} is active.`
          : 'The configuration is active.'
        : 'Finished.';
    return (
      <Banner kind="info" title={title}>
        {r?.storePath ? <span className="mono faint">{r.storePath}</span> : null}
        {r?.commit?.committed ? <span className="faint">Committed to git: {r.commit.message}</span> : null}
      </Banner>
    );
  }
  return null;
}

/** What "update first" updates: a flake's inputs (flake.lock), or root's channels. null until known. */
function useUpdateKind(): 'flake' | 'channels' | null {
  const [kind, setKind] = useState<'flake' | 'channels' | null>(null);
  useEffect(() => {
    let live = true;
    void call('system.flake.inputs', {})
      .then((r) => live && setKind(r.isFlake ? 'flake' : 'channels'))
      .catch(() => live && setKind('channels'));
    return () => {
      live = false;
    };
  }, []);
  return kind;
}

export function RebuildTab() {
  const { settings, loadSettings, saveSettings, activeJobId, previews, start, startSafeSwitch, findActiveJob, error, form, setForm } = useSystemRebuild();
  const job = useJobs((s) => (activeJobId ? s.jobs[activeJobId] : undefined));
  const { action, upgrade, showTrace } = form;
  const updateKind = useUpdateKind();

  useEffect(() => {
    void loadSettings();
    void findActiveJob();
  }, [loadSettings, findActiveJob]);

  const running = job?.status === 'running';
  const waiting = activeJobId && activeJobId in previews;

  return (
    <div className="stack rebuild-tab" data-testid="rebuild-tab">
      <Card title="Rebuild the system" icon="play">
        <div className="action-picker" role="radiogroup" aria-label="What to do">
          {actions.map((a) => (
            <label key={a.action} className={`action-option ${action === a.action ? 'selected' : ''}`}>
              <input type="radio" name="rebuild-action" value={a.action} checked={action === a.action} onChange={() => setForm({ action: a.action })} />
              <span className="action-label">{a.label}</span>
              <span className="faint">{a.explain}</span>
            </label>
          ))}
        </div>
        <div className="row rebuild-options">
          {updateKind === 'flake' ? (
            <label className="check" title="Runs nix flake update and writes the new flake.lock (the old one is kept as a backup), then rebuilds. If the update fails, nothing is built.">
              <input type="checkbox" checked={upgrade} onChange={(e) => setForm({ upgrade: e.target.checked })} /> Update flake inputs first
            </label>
          ) : updateKind === 'channels' ? (
            <label className="check" title="Downloads the newest release of root’s nixos channel (and of channels marked to update with a rebuild), then rebuilds. If the update fails, nothing is built.">
              <input type="checkbox" checked={upgrade} onChange={(e) => setForm({ upgrade: e.target.checked })} /> Update channels first
            </label>
          ) : null}
          <label className="check">
            <input type="checkbox" checked={showTrace} onChange={(e) => setForm({ showTrace: e.target.checked })} /> Detailed error traces
          </label>
          {settings ? (
            <label className="check" title="After building, show what changes and ask before activating">
              <input type="checkbox" checked={settings.previewBeforeSwitch} onChange={(e) => void saveSettings({ previewBeforeSwitch: e.target.checked })} /> Preview changes before activating
            </label>
          ) : null}
        </div>
        <div className="row">
          <button className="btn primary" data-testid="rebuild-start" disabled={running} onClick={() => void start({ action, ...(upgrade ? { upgrade } : {}), ...(showTrace ? { showTrace } : {}) })}>
            <Icon name="play" size={16} /> {actions.find((a) => a.action === action)!.label}
          </button>
          <button className="btn" data-testid="safe-switch-start" disabled={running} onClick={() => void startSafeSwitch()} title="Activate for a trial and go back by itself unless you confirm">
            Safe switch
          </button>
          {settings ? (
            <span className="faint">
              Safe switch: activates for a trial and goes back by itself after{' '}
              <input
                type="number"
                className="inline-number"
                min={10}
                max={3600}
                aria-label="Safe switch timeout in seconds"
                value={settings.safeSwitchTimeoutSeconds}
                onChange={(e) => {
                  const v = Number(e.target.value);
                  if (Number.isInteger(v) && v >= 10 && v <= 3600) void saveSettings({ safeSwitchTimeoutSeconds: v });
                }}
              />{' '}
              s unless you keep it.
            </span>
          ) : null}
        </div>
        {error ? <ErrorBanner error={error} /> : null}
      </Card>

      {activeJobId && job ? (
        <Card testId="rebuild-job">
          <BuildProgress jobId={activeJobId} />
          <ResultSummary jobId={activeJobId} />
          <JobLog jobId={activeJobId} height={380} />
        </Card>
      ) : (
        <Card>
          <div className="empty">
            <Icon name="play" size={36} />
            <h2>No rebuild yet</h2>
            <p>Pick what to do above. You will see every build and download as it happens, and the full log.</p>
          </div>
        </Card>
      )}
      {waiting && activeJobId ? <PreviewDialog key={activeJobId} jobId={activeJobId} preview={previews[activeJobId] ?? null} /> : null}
    </div>
  );
}
