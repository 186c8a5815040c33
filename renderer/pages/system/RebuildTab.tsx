import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { Preview, RebuildAction, RpcError } from '../../../shared/contract';
import { BuildProgress } from '../../components/BuildProgress';
import { ErrorExplanation } from '../../components/ErrorExplanation';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { ChangeTable } from '../../components/Activation';
import { Banner, Card, ErrorBanner, formatBytes } from '../../components/ui';
import { When } from '../../components/When';
import { Term } from '../../components/Term';
import { jobOutcome } from '../../lib/outcome';
import { versionChange } from '../../lib/release';
import { useSystemGenerations } from '../../stores/system-generations';
import { ConfirmActivation } from './GenerationActions';
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
        <dd title={`${preview.nixosVersion.running ?? '—'} → ${preview.nixosVersion.target ?? '—'}`}>{versionChange(preview.nixosVersion.running, preview.nixosVersion.target)}</dd>
        <dt>Packages changed</dt>
        <dd>{preview.changes.length}</dd>
        {preview.closureSizeDelta !== null ? (
          <>
            <dt>Size on disk</dt>
            <dd>{preview.closureSizeDelta >= 0 ? `+${formatBytes(preview.closureSizeDelta)}` : formatBytes(preview.closureSizeDelta)}</dd>
          </>
        ) : null}
      </dl>
      <ChangeTable
        rows={preview.changes.map((c) => ({ name: c.name, before: c.before.map((v) => v || '(no version)').join(', '), after: c.after.map((v) => v || '(no version)').join(', ') }))}
        empty="No package changes: only configuration files differ."
      />
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

function ResultSummary({ jobId, onToggleLog, logShown }: { jobId: string; onToggleLog?: () => void; logShown?: boolean }) {
  const job = useJobs((s) => s.jobs[jobId]);
  const undoTo = useSystemGenerations((s) => s.undoTo[jobId]);
  const [undoing, setUndoing] = useState(false);
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
    const outcome = jobOutcome(job);
    if (!outcome) return null;
    return (
      <Banner
        kind="info"
        title={outcome.title}
        testId="rebuild-outcome"
        actions={
          <>
            {outcome.activated && undoTo !== undefined ? (
              <button className="btn small" onClick={() => setUndoing(true)} data-testid="rebuild-undo" title={`Switch back to generation ${undoTo}, with its preview first`}>
                Undo
              </button>
            ) : null}
            {onToggleLog ? (
              <button className="btn small ghost" onClick={onToggleLog} aria-expanded={logShown} data-testid="rebuild-view-log">
                {logShown ? 'Hide log' : 'View log'}
              </button>
            ) : null}
            {undoing && undoTo !== undefined ? createPortal(<ConfirmActivation generation={undoTo} choice={{ kind: 'switch' }} onClose={() => setUndoing(false)} />, document.body) : null}
          </>
        }
      >
        {outcome.detail ? <span>{outcome.detail}</span> : null}
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

const earlierWords = { running: 'running', done: 'finished', failed: 'failed', cancelled: 'stopped' } as const;

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
  // a job that ended before this window opened is not news: one line says when and how it ended
  const fromEarlier = useSystemRebuild((s) => s.activeJobFromEarlier) && !running;
  const [showEarlier, setShowEarlier] = useState(false);
  // a build's log stays in view when it ends; a roll back or switch ends in words, its log one click away
  const isBuild = job?.method === 'system.rebuild' || job?.method === 'system.safeSwitch';
  const [logShown, setLogShown] = useState(isBuild);
  useEffect(() => setLogShown(isBuild), [activeJobId, isBuild]);

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
        <p className="faint rebuild-help">
          <Term learn="dry-build" label="the difference between Switch, Boot, Test, Build and Dry build">
            Which one?
          </Term>{' '}
          <Term learn="channels-vs-flakes" label="a channel">
            Channels and flakes
          </Term>
        </p>
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

      {activeJobId && job && fromEarlier && !showEarlier ? (
        <Card testId="rebuild-earlier">
          <div className="spread">
            <span>
              <strong>
                Last {job.method === 'system.rebuild' || job.method === 'system.safeSwitch' ? 'build' : 'change'}, <When iso={job.endedAt ?? job.startedAt} />: {earlierWords[job.status]}
              </strong>{' '}
              <span className="faint">({job.title})</span>
            </span>
            <button className="btn small ghost" onClick={() => setShowEarlier(true)} data-testid="rebuild-earlier-show">
              Show what happened
            </button>
          </div>
        </Card>
      ) : activeJobId && job ? (
        <Card testId="rebuild-job">
          {fromEarlier ? (
            <p className="faint">
              From earlier: started <When iso={job.startedAt} />.
            </p>
          ) : null}
          <BuildProgress jobId={activeJobId} />
          <ResultSummary jobId={activeJobId} onToggleLog={job.status === 'done' ? () => setLogShown((v) => !v) : undefined} logShown={logShown} />
          {job.status !== 'done' || logShown ? <JobLog jobId={activeJobId} height={380} /> : null}
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
