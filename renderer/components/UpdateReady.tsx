import { useEffect, useRef, useState } from 'react';
import type { ConfirmableAction, RpcError, UpdateStatus } from '../../shared/contract';
import { call, errorOf, onEvent } from '../lib/bridge';
import { ConfirmPage } from '../pages/confirm/ConfirmPage';
import { Icon } from './Icon';
import { Badge, ErrorBanner, formatBytes, formatDate } from './ui';
import './update-ready.css';

/** The background update service's status, reloaded when it says something changed. */
export function useUpdateStatus(): UpdateStatus | null {
  const [status, setStatus] = useState<UpdateStatus | null>(null);
  useEffect(() => {
    const load = () => call('system.updates.status', {}).then(setStatus, () => {});
    load();
    return onEvent((e) => {
      if (e.topic === 'changed' && (e.what === 'updates' || e.what === 'system-profile' || e.what === 'settings')) load();
    });
  }, []);
  return status;
}

const versions = (v: string[]) => (v.length ? v.join(', ') : '∅');

/**
 * "Update ready": the system the app built in the background, what it changes, and the three answers.
 * Applying goes through the same confirmation as the tray's actions; nothing is activated before it.
 */
export function UpdateReadyCard() {
  const status = useUpdateStatus();
  const [confirmationId, setConfirmationId] = useState<string | null>(null);
  const [error, setError] = useState<RpcError | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (confirmationId) dialog.current?.showModal();
    else dialog.current?.close();
  }, [confirmationId]);
  const ready = status?.ready;
  // the confirmation stays open after the update it applies is gone: it shows how that ended
  const confirmDialog = (
    <dialog ref={dialog} className="modal quick-actions-dialog" onClose={() => setConfirmationId(null)}>
      {confirmationId ? <ConfirmPage key={confirmationId} id={confirmationId} inWindow={false} embedded onClose={() => setConfirmationId(null)} /> : null}
    </dialog>
  );
  // one shape whether or not an update waits, so the open dialog is never remounted
  if (!ready)
    return (
      <>
        {null}
        {confirmDialog}
      </>
    );

  const request = async (action: ConfirmableAction) => {
    setError(null);
    try {
      const { confirmationId: id } = await call('desktop.action.request', { action });
      setConfirmationId(id);
    } catch (e) {
      setError(errorOf(e));
    }
  };
  const dismiss = async () => {
    setError(null);
    await call('system.updates.dismiss', { id: ready.id }).catch((e) => setError(errorOf(e)));
  };
  const from = ready.kind === 'channel' ? ready.channels : ready.inputs;
  const detail = ready.headline.replace(/^An update is ready: /, '');
  return (
    <>
      <section className="card update-ready" data-testid="update-ready" aria-labelledby="update-ready-title">
        <div className="update-ready-head">
          <span className="update-ready-icon" aria-hidden="true">
            <Icon name="refresh" size={20} />
          </span>
          <div className="update-ready-text">
            <h2 id="update-ready-title">Update ready</h2>
            <p data-testid="update-ready-headline">{detail.charAt(0).toUpperCase() + detail.slice(1)}.</p>
          </div>
          {ready.nixosVersion.to ? <Badge kind="accent">NixOS {ready.nixosVersion.to}</Badge> : null}
        </div>
        <p className="muted">
          Built {formatDate(ready.builtAt)} from {from.map((c) => (ready.kind === 'channel' ? `channel ${c.name} ${c.to ?? ''}` : `${c.name} at ${c.to ?? 'its newest version'}`).trim()).join(', ')}, without changing anything yet.
          {ready.closureSizeDelta !== null && ready.closureSizeDelta !== 0 ? ` The system grows by ${ready.closureSizeDelta > 0 ? '' : '−'}${formatBytes(Math.abs(ready.closureSizeDelta))}.`.replace('grows by −', 'shrinks by ') : ''}
        </p>
        {ready.changes.length ? (
          <details className="update-ready-changes">
            <summary>
              What changes ({ready.changes.length} package{ready.changes.length === 1 ? '' : 's'})
            </summary>
            <ul className="update-ready-list">
              {ready.changes.map((c) => (
                <li key={c.name} className={!c.before.length ? 'diff-added' : !c.after.length ? 'diff-removed' : 'diff-changed'}>
                  <span className="diff-name">{c.name}</span>
                  <span className="diff-change">
                    {versions(c.before)} → {versions(c.after)}
                  </span>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
        {error ? <ErrorBanner error={error} /> : null}
        <div className="row">
          <button className="btn primary" onClick={() => void request({ kind: 'update', id: ready.id, action: 'switch' })} data-testid="update-apply-now">
            Apply now…
          </button>
          <button className="btn" onClick={() => void request({ kind: 'update', id: ready.id, action: 'boot' })} data-testid="update-apply-boot">
            Apply at next boot…
          </button>
          <button className="btn ghost" onClick={() => void dismiss()} data-testid="update-dismiss">
            Dismiss
          </button>
        </div>
      </section>
      {confirmDialog}
    </>
  );
}
