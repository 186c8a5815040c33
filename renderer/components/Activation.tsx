import { useEffect, useRef, type ReactNode } from 'react';
import { Icon } from './Icon';
import './activation.css';

/**
 * The pieces every "what will change" view shares, so a system rollback, a Home Manager rollback, a
 * comparison of two generations and a tray action read the same: Before → After, a Package / Before /
 * After table, and one confirmation dialog.
 */

export interface ChangeRow {
  name: string;
  /** the version(s) before, '' when the package was not there */
  before: string;
  after: string;
  badges?: ReactNode;
}

const ABSENT = '—';

/** Package / Before / After: added packages have nothing before, removed ones nothing after. */
export function ChangeTable({ rows, limit = 200, empty, testId }: { rows: ChangeRow[]; limit?: number; empty?: string; testId?: string }) {
  if (rows.length === 0) return <p className="muted">{empty ?? 'No package changes.'}</p>;
  const shown = rows.slice(0, limit);
  return (
    <div className="change-table" data-testid={testId}>
      <table className="table">
        <thead>
          <tr>
            <th>Package</th>
            <th>Before</th>
            <th>After</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.name} className={!r.before ? 'change-added' : !r.after ? 'change-removed' : undefined}>
              <td>
                <span className="mono">{r.name}</span> {r.badges}
              </td>
              <td className="mono">{r.before || ABSENT}</td>
              <td className="mono">{r.after || ABSENT}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown.length ? <p className="faint">and {rows.length - shown.length} more</p> : null}
    </div>
  );
}

export interface Side {
  title: string;
  lines?: (ReactNode | null)[];
}

/** Before → After, side by side. */
export function BeforeAfter({ before, after }: { before: Side | null; after: Side | null }) {
  if (!before && !after) return null;
  const box = (label: string, side: Side | null) =>
    side ? (
      <div className="ba-side" data-testid={`side-${label.toLowerCase()}`}>
        <div className="stat-label">{label}</div>
        <div className="ba-title">{side.title}</div>
        {(side.lines ?? []).filter(Boolean).map((l, i) => (
          <div key={i} className="muted">
            {l}
          </div>
        ))}
      </div>
    ) : (
      <div />
    );
  return (
    <div className="ba-sides">
      {box('Before', before)}
      <Icon name="arrowRight" size={20} />
      {box('After', after)}
    </div>
  );
}

/**
 * The one confirmation dialog for changing what runs: a title, what happens, what changes, then
 * Cancel or the action. It opens as a modal as soon as it is shown.
 */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onClose, busy, disabled, testId, confirmTestId, danger }: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  disabled?: boolean;
  testId?: string;
  confirmTestId?: string;
  danger?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const close = () => {
    ref.current?.close();
    onClose();
  };
  return (
    <dialog ref={ref} className="modal" data-testid={testId} onClose={onClose} aria-labelledby={testId ? `${testId}-title` : undefined}>
      <div className="modal-body">
        <h2 id={testId ? `${testId}-title` : undefined}>{title}</h2>
        {children}
      </div>
      <div className="modal-actions">
        <button className="btn" onClick={close}>
          Cancel
        </button>
        <button className={`btn primary ${danger ? 'danger solid' : ''}`} data-testid={confirmTestId} disabled={busy || disabled} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
