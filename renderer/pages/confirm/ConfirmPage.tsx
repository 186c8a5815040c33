import { useEffect, useState } from 'react';
import type { Confirmation, JobEvent, Preview, RpcError } from '../../../shared/contract';
import { BeforeAfter, ChangeTable, type ChangeRow } from '../../components/Activation';
import { Logo } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Badge, Banner, ErrorBanner, ProgressBar } from '../../components/ui';
import { When } from '../../components/When';
import { releaseInWords } from '../../lib/release';
import { call, errorOf, onEvent } from '../../lib/bridge';
import { PreviewSummary } from '../system/RebuildTab';
import './confirm.css';

/** `#/confirm/<id>` (in the small tray window: `#/confirm/<id>?window=1`) */
export function confirmRoute(hash: string): { id: string; inWindow: boolean } | null {
  const m = /^#\/confirm\/([a-f0-9-]{36})(\?window=1)?$/.exec(hash);
  return m ? { id: m[1]!, inWindow: !!m[2] } : null;
}

/** The confirmation route of the current hash, kept up to date. */
export function useConfirmRoute(): { id: string; inWindow: boolean } | null {
  const [route, setRoute] = useState(() => confirmRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(confirmRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** a rebuild stopped after its build: what the new system changes, waiting for a second yes */
type Built = { preview: Preview | null; answering: boolean };
type Outcome =
  | { kind: 'declined' }
  | { kind: 'running'; jobId: string; label: string; fraction: number | null; built: Built | null }
  | { kind: 'done'; jobId: string; stoppedAtPreview: boolean }
  | { kind: 'failed'; error: RpcError }
  | { kind: 'started-no-job' };

const sideOf = (side: Confirmation['from']) =>
  side ? { title: `Generation ${side.generation}`, lines: [side.date ? <When key="d" iso={side.date} /> : 'unknown date', releaseInWords(side.version) ?? side.version] } : null;

/** diff-closures lines ("name: 1.0 → 1.1, +12.3 KiB", "name: ∅ → 2.0") as the rows of the app's one change table. */
export function diffLineRows(lines: string[]): ChangeRow[] {
  return lines.map((line) => {
    const name = line.split(':')[0]!;
    const change = line.slice(line.indexOf(':') + 1).trim().replace(/,\s*[+-−]?[\d.]+\s*[KMGT]?i?B$/, '');
    const [before = '', after = ''] = change.split('→').map((v) => v.trim());
    const clean = (v: string) => (v === '∅' ? '' : v || '(no version)');
    return { name, before: clean(before), after: clean(after) };
  });
}

/**
 * What a tray action (or a quick action from the window) will do, with the diff, before anything
 * changes. Confirming starts the same job the window's own buttons start; its progress shows here.
 */
export function ConfirmPage({ id, inWindow, embedded, onClose }: { id: string; inWindow: boolean; embedded?: boolean; onClose?: () => void }) {
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const [error, setError] = useState<RpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  /** the job confirming started: its log stays shown after it ends */
  const [startedJob, setStartedJob] = useState<string | null>(null);

  useEffect(() => {
    call('desktop.confirmation.get', { id }).then(setConfirmation, (e) => setError(errorOf(e)));
  }, [id]);

  const jobId = outcome?.kind === 'running' ? outcome.jobId : null;
  const isRebuild = confirmation?.action.kind === 'rebuild';
  useEffect(() => {
    if (!jobId) return;
    // A rebuild stops after building (phase "confirm"): show what it changes and ask again, here,
    // because from the tray there is no Rebuild page to answer it.
    const checkBuilt = () =>
      void call('system.rebuild.preview', { jobId }).then(
        (p) => p.waiting && setOutcome((o) => (o?.kind === 'running' && o.jobId === jobId && !o.built ? { ...o, built: { preview: p.preview, answering: false } } : o)),
        () => {},
      );
    const off = onEvent((e) => {
      if (e.topic !== 'job' || e.jobId !== jobId) return;
      const ev = e as JobEvent;
      if (ev.kind === 'phase') {
        setOutcome((o) => (o?.kind === 'running' ? { ...o, label: ev.label, built: ev.phase === 'confirm' ? o.built : null } : o));
        if (ev.phase === 'confirm') checkBuilt();
      } else if (ev.kind === 'progress') setOutcome((o) => (o?.kind === 'running' ? { ...o, fraction: ev.progress.fraction } : o));
      else if (ev.kind === 'done') setOutcome({ kind: 'done', jobId, stoppedAtPreview: (ev.result as { stoppedAtPreview?: boolean } | null)?.stoppedAtPreview === true });
      else if (ev.kind === 'failed') setOutcome({ kind: 'failed', error: ev.error });
      else if (ev.kind === 'cancelled') setOutcome({ kind: 'failed', error: { code: 'cancelled', message: 'It was cancelled. Nothing more will change.' } });
    });
    // the build may have finished before this page listened
    if (isRebuild) checkBuilt();
    return off;
  }, [jobId, isRebuild]);

  const answerBuilt = async (proceed: boolean) => {
    if (!jobId) return;
    setOutcome((o) => (o?.kind === 'running' && o.built ? { ...o, built: { ...o.built, answering: true } } : o));
    try {
      await call('system.rebuild.confirm', { jobId, proceed });
      setOutcome((o) => (o?.kind === 'running' ? { ...o, built: null } : o));
    } catch (e) {
      // most likely answered from the main window meanwhile; the job's own events tell the rest
      setOutcome((o) => (o?.kind === 'running' ? { ...o, built: null } : o));
      setError(errorOf(e));
    }
  };

  const close = () => (inWindow ? window.close() : onClose?.());

  const answer = async (accept: boolean) => {
    setBusy(true);
    try {
      const res = await call('desktop.confirmation.answer', { id, accept });
      if (!accept) {
        setOutcome({ kind: 'declined' });
        close();
      } else {
        setStartedJob(res.jobId);
        setOutcome(res.jobId ? { kind: 'running', jobId: res.jobId, label: 'Starting…', fraction: null, built: null } : { kind: 'started-no-job' });
      }
    } catch (e) {
      setOutcome({ kind: 'failed', error: errorOf(e) });
    } finally {
      setBusy(false);
    }
  };

  const action = confirmation?.action;
  const verb = action?.kind === 'rollback' ? 'Roll back' : action?.kind === 'switch' ? 'Switch' : action?.kind === 'update' ? (action.action === 'switch' ? 'Apply now' : 'Apply at next boot') : 'Rebuild and switch';
  return (
    <div className={`confirm ${inWindow ? 'confirm-window' : ''} ${embedded ? 'confirm-embedded' : ''}`} data-testid="confirm-page">
      <header className="confirm-header">
        <Logo size={28} />
        <h1>{confirmation?.title ?? 'Checking what would change…'}</h1>
      </header>
      <div className="confirm-body">
        {error ? <ErrorBanner error={error} /> : null}
        {confirmation ? (
          <>
            <p>{confirmation.summary}</p>
            <BeforeAfter before={sideOf(confirmation.from)} after={sideOf(confirmation.to)} />
            {confirmation.warnings.map((w) => (
              <Banner key={w} kind="warn" title={w} />
            ))}
            {/* a started rebuild shows its own diff below, once built */}
            {isRebuild && startedJob ? null : (
              <section>
                <div className="spread">
                  <h2>What changes</h2>
                  {confirmation.diff.lines.length ? <Badge>{confirmation.diff.lines.length} packages</Badge> : null}
                </div>
                {confirmation.diff.lines.length ? <ChangeTable rows={diffLineRows(confirmation.diff.lines)} testId="confirm-diff" /> : null}
                {confirmation.diff.note ? <p className="muted">{confirmation.diff.note}</p> : null}
              </section>
            )}
          </>
        ) : !error ? (
          <div className="skeleton" style={{ height: 120 }} />
        ) : null}

        {outcome?.kind === 'running' && outcome.built ? (
          <section className="stack confirm-built" data-testid="confirm-built">
            <h2>It built. Activate it?</h2>
            <p className="muted">Here is what changes compared with the system running now. Nothing is activated until you say so.</p>
            {outcome.built.preview ? <PreviewSummary preview={outcome.built.preview} /> : <p className="muted">The comparison could not be made; the log below has the details.</p>}
          </section>
        ) : outcome?.kind === 'running' ? (
          <div className="stack" role="status">
            <strong>{outcome.label}</strong>
            <ProgressBar fraction={outcome.fraction} label={outcome.label} />
            <span className="muted">{isRebuild ? 'When the build is done, this window shows what changes and asks before activating.' : 'You can close this window: a notification tells you how it ends.'}</span>
          </div>
        ) : null}
        {isRebuild && startedJob ? <JobLog jobId={startedJob} height={outcome?.kind === 'running' && outcome.built ? 120 : 180} label="Build log" /> : null}
        {outcome?.kind === 'done' ? <Banner kind="info" title={outcome.stoppedAtPreview ? 'Stopped after the build. Nothing was activated; the boot default is unchanged.' : action?.kind === 'update' && action.action === 'boot' ? 'Done. The update becomes active at the next boot.' : 'Done. The change is active.'} /> : null}
        {outcome?.kind === 'started-no-job' ? <Banner kind="info" title="Started." /> : null}
        {outcome?.kind === 'failed' ? <ErrorBanner error={outcome.error} /> : null}
      </div>
      <footer className="modal-actions">
        {outcome?.kind === 'running' && outcome.built ? (
          <>
            <button className="btn" onClick={() => void answerBuilt(false)} disabled={outcome.built.answering}>
              Don’t activate
            </button>
            <button className="btn primary" onClick={() => void answerBuilt(true)} disabled={outcome.built.answering} data-testid="confirm-activate">
              Activate
            </button>
          </>
        ) : (outcome && outcome.kind !== 'declined') || (error && !confirmation) ? (
          <button className="btn primary" onClick={close}>
            Close
          </button>
        ) : (
          <>
            <button className="btn" onClick={() => void answer(false)} disabled={busy || !!error}>
              Cancel
            </button>
            <button className="btn primary" onClick={() => void answer(true)} disabled={busy || !confirmation?.available} data-testid="confirm-accept">
              {verb ?? 'Confirm'}
            </button>
          </>
        )}
      </footer>
    </div>
  );
}
