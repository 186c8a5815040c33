import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { ClosureDiff, Generation, Result, RpcError } from '../../../shared/contract';
import { Banner, Badge, ErrorBanner, formatBytes } from '../../components/ui';
import { call, errorOf } from '../../lib/bridge';
import { useNavigation } from '../../stores/navigation';
import { useSystemRebuild } from '../../stores/system-rebuild';
import './system-write.css';

type ActivationPreview = Result<'system.activationPreview'>;

function ChangeTable({ diff }: { diff: ClosureDiff }) {
  const rows = diff.changes.slice(0, 150);
  if (diff.changes.length === 0) return <p className="muted">No package changes: only configuration files differ.</p>;
  return (
    <div className="preview-changes">
      <table className="table">
        <thead>
          <tr>
            <th>Package</th>
            <th>Now</th>
            <th>After</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.name}>
              <td className="mono">
                {c.name} {c.highlight === 'kernel' ? <Badge kind="warn">kernel</Badge> : null}
              </td>
              <td className="mono">{c.before.length ? c.before.join(', ') || '(no version)' : '—'}</td>
              <td className="mono">{c.after.length ? c.after.join(', ') || '(no version)' : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {diff.changes.length > rows.length ? <p className="faint">and {diff.changes.length - rows.length} more</p> : null}
    </div>
  );
}

function ConfirmActivation({ generation, kind, onClose }: { generation: number; kind: 'rollback' | 'switch'; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [preview, setPreview] = useState<ActivationPreview | null>(null);
  const [diff, setDiff] = useState<ClosureDiff | null>(null);
  const [error, setError] = useState<RpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const { rollback, switchGeneration } = useSystemRebuild();
  const go = useNavigation((s) => s.go);

  useEffect(() => {
    ref.current?.showModal();
    let live = true;
    void (async () => {
      try {
        const p = await call('system.activationPreview', { generation });
        if (!live) return;
        setPreview(p);
        if (p.runningStorePath && !p.isRunning) {
          const d = await call('system.diff', { from: p.runningStorePath, to: generation }).catch(() => null);
          if (live) setDiff(d);
        }
      } catch (err) {
        if (live) setError(errorOf(err));
      }
    })();
    return () => {
      live = false;
    };
  }, [generation]);

  const proceed = async () => {
    setBusy(true);
    const jobId = kind === 'rollback' ? await rollback() : await switchGeneration(generation);
    setBusy(false);
    if (jobId) {
      ref.current?.close();
      onClose();
      go('system', 'rebuild');
    } else setError(useSystemRebuild.getState().error);
  };

  return (
    <dialog ref={ref} className="modal" data-testid="activation-dialog" onClose={onClose}>
      <div className="modal-body">
        <h2>{kind === 'rollback' ? `Roll back to generation ${generation}?` : `Switch to generation ${generation}?`}</h2>
        <p className="muted">It becomes the boot default and is activated now. Newer generations stay in the list: you can switch back.</p>
        {error ? <ErrorBanner error={error} /> : null}
        {!preview && !error ? <div className="skeleton" style={{ width: '60%' }} /> : null}
        {preview?.kernel.changes ? (
          <Banner kind="warn" title="The kernel is different: restart afterwards">
            <span data-testid="kernel-warning">
              Running {preview.kernel.running ?? 'unknown'}, generation {generation} has {preview.kernel.target ?? 'unknown'}. Programs switch now, but the kernel only changes when you restart the computer.
            </span>
          </Banner>
        ) : null}
        {preview ? (
          <dl className="facts">
            <dt>NixOS</dt>
            <dd>
              {preview.nixosVersion.running ?? '—'} → {preview.nixosVersion.target ?? '—'}
            </dd>
            {diff ? (
              <>
                <dt>Packages changed</dt>
                <dd>
                  {diff.counts.upgraded} upgraded, {diff.counts.downgraded} downgraded, {diff.counts.added} added, {diff.counts.removed} removed
                </dd>
                <dt>Size</dt>
                <dd>{diff.closureSizeDelta >= 0 ? `+${formatBytes(diff.closureSizeDelta)}` : formatBytes(diff.closureSizeDelta)}</dd>
              </>
            ) : null}
          </dl>
        ) : null}
        {preview?.isRunning ? <p className="muted">This generation is already running; switching makes it the boot default again.</p> : null}
        {diff ? <ChangeTable diff={diff} /> : null}
      </div>
      <div className="modal-actions">
        <button
          className="btn"
          onClick={() => {
            ref.current?.close();
            onClose();
          }}
        >
          Cancel
        </button>
        <button className="btn primary" data-testid="activation-confirm" disabled={busy || !preview} onClick={() => void proceed()}>
          {kind === 'rollback' ? 'Roll back' : `Switch to ${generation}`}
        </button>
      </div>
    </dialog>
  );
}

/** Buttons on one generation of the list: "Switch to this", and "Roll back" on the one a rollback goes to. */
export function GenerationActions({ generation }: { generation: Generation }) {
  const profile = useSystemRebuild((s) => s.profile);
  const loadProfile = useSystemRebuild((s) => s.loadProfile);
  const [open, setOpen] = useState<'rollback' | 'switch' | null>(null);
  useEffect(() => {
    if (!useSystemRebuild.getState().profile) void loadProfile();
  }, [loadProfile]);
  const isRollbackTarget = profile?.rollbackTarget === generation.generation;
  const isDefaultAndRunning = generation.current && generation.running;
  return (
    <div className="row generation-actions" data-testid={`generation-actions-${generation.generation}`}>
      {isRollbackTarget ? (
        <button className="btn small" data-testid="rollback-button" onClick={() => setOpen('rollback')} title="Make the previous generation the boot default and activate it">
          Roll back
        </button>
      ) : null}
      {!isDefaultAndRunning ? (
        <button className="btn small ghost" data-testid="switch-button" onClick={() => setOpen('switch')} title={`Make generation ${generation.generation} the boot default and activate it`}>
          Switch to this
        </button>
      ) : null}
      {/* in a portal: the list's cells must not restyle the dialog (alignment, wrapping) */}
      {open ? createPortal(<ConfirmActivation generation={generation.generation} kind={open} onClose={() => setOpen(null)} />, document.body) : null}
    </div>
  );
}
