import { useEffect, useState } from 'react';
import type { Confirmation, JobEvent, RpcError } from '../../../shared/contract';
import { Icon, Logo } from '../../components/Icon';
import { Badge, Banner, ErrorBanner, ProgressBar, formatDate } from '../../components/ui';
import { call, errorOf, onEvent } from '../../lib/bridge';
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

type Outcome = { kind: 'declined' } | { kind: 'running'; jobId: string; label: string; fraction: number | null } | { kind: 'done'; jobId: string } | { kind: 'failed'; error: RpcError } | { kind: 'started-no-job' };

function Side({ label, side }: { label: string; side: Confirmation['from'] }) {
  if (!side) return null;
  return (
    <div className="confirm-side">
      <div className="stat-label">{label}</div>
      <div className="confirm-gen">Generation {side.generation}</div>
      <div className="muted">{side.date ? formatDate(side.date) : 'unknown date'}</div>
      {side.version ? <div className="muted">{side.version}</div> : null}
    </div>
  );
}

function DiffLine({ line }: { line: string }) {
  // diff-closures: "name: 1.0 → 1.1, +12.3 KiB" / "name: ∅ → 2.0" / "name: 1.0 → ∅"
  const kind = /→ ∅/.test(line) ? 'removed' : /∅ →/.test(line) ? 'added' : 'changed';
  const [name, rest] = [line.split(':')[0], line.slice(line.indexOf(':') + 1).trim()];
  return (
    <li className={`diff-${kind}`}>
      <span className="diff-name">{name}</span>
      <span className="diff-change">{rest}</span>
    </li>
  );
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

  useEffect(() => {
    call('desktop.confirmation.get', { id }).then(setConfirmation, (e) => setError(errorOf(e)));
  }, [id]);

  const jobId = outcome?.kind === 'running' ? outcome.jobId : null;
  useEffect(() => {
    if (!jobId) return;
    return onEvent((e) => {
      if (e.topic !== 'job' || e.jobId !== jobId) return;
      const ev = e as JobEvent;
      if (ev.kind === 'phase') setOutcome((o) => (o?.kind === 'running' ? { ...o, label: ev.label } : o));
      else if (ev.kind === 'progress') setOutcome((o) => (o?.kind === 'running' ? { ...o, fraction: ev.progress.fraction } : o));
      else if (ev.kind === 'done') setOutcome({ kind: 'done', jobId });
      else if (ev.kind === 'failed') setOutcome({ kind: 'failed', error: ev.error });
      else if (ev.kind === 'cancelled') setOutcome({ kind: 'failed', error: { code: 'cancelled', message: 'It was cancelled. Nothing more will change.' } });
    });
  }, [jobId]);

  const close = () => (inWindow ? window.close() : onClose?.());

  const answer = async (accept: boolean) => {
    setBusy(true);
    try {
      const res = await call('desktop.confirmation.answer', { id, accept });
      if (!accept) {
        setOutcome({ kind: 'declined' });
        close();
      } else setOutcome(res.jobId ? { kind: 'running', jobId: res.jobId, label: 'Starting…', fraction: null } : { kind: 'started-no-job' });
    } catch (e) {
      setOutcome({ kind: 'failed', error: errorOf(e) });
    } finally {
      setBusy(false);
    }
  };

  const verb = confirmation?.action.kind === 'rollback' ? 'Roll back' : confirmation?.action.kind === 'switch' ? 'Switch' : 'Rebuild and switch';
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
            {confirmation.from || confirmation.to ? (
              <div className="confirm-sides">
                <Side label="Now" side={confirmation.from} />
                <Icon name="arrowRight" size={22} />
                <Side label="After" side={confirmation.to} />
              </div>
            ) : null}
            {confirmation.warnings.map((w) => (
              <Banner key={w} kind="warn" title={w} />
            ))}
            <section>
              <div className="spread">
                <h2>What changes</h2>
                {confirmation.diff.lines.length ? <Badge>{confirmation.diff.lines.length} packages</Badge> : null}
              </div>
              {confirmation.diff.lines.length ? (
                <ul className="confirm-diff" data-testid="confirm-diff">
                  {confirmation.diff.lines.map((l) => (
                    <DiffLine key={l} line={l} />
                  ))}
                </ul>
              ) : null}
              {confirmation.diff.note ? <p className="muted">{confirmation.diff.note}</p> : null}
            </section>
            <p className="faint">
              Runs <code>{confirmation.method}</code>, the same step as the button in the app’s window.
            </p>
          </>
        ) : !error ? (
          <div className="skeleton" style={{ height: 120 }} />
        ) : null}

        {outcome?.kind === 'running' ? (
          <div className="stack" role="status">
            <strong>{outcome.label}</strong>
            <ProgressBar fraction={outcome.fraction} label={outcome.label} />
            <span className="muted">You can close this window: a notification tells you how it ends.</span>
          </div>
        ) : null}
        {outcome?.kind === 'done' ? <Banner kind="info" title="Done. The change is active." /> : null}
        {outcome?.kind === 'started-no-job' ? <Banner kind="info" title="Started." /> : null}
        {outcome?.kind === 'failed' ? <ErrorBanner error={outcome.error} /> : null}
      </div>
      <footer className="modal-actions">
        {outcome && outcome.kind !== 'declined' ? (
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
