import { useEffect, useRef, useState } from 'react';
import type { ConfirmableAction, DesktopCapabilities, RpcError, TrayEntry, TrayMenu } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { ErrorBanner } from '../../components/ui';
import { call, errorOf, onEvent } from '../../lib/bridge';
import { ConfirmPage } from './ConfirmPage';
import './confirm.css';

const NOTICE_KEY = 'nixos-companion-no-tray-notice-seen';

function useCapabilities(): DesktopCapabilities | null {
  const [caps, setCaps] = useState<DesktopCapabilities | null>(null);
  useEffect(() => {
    call('desktop.capabilities', {}).then(setCaps, () => setCaps(null));
  }, []);
  return caps;
}

function useTrayMenu(): { menu: TrayMenu | null; error: RpcError | null; retry: () => void } {
  const [menu, setMenu] = useState<TrayMenu | null>(null);
  const [error, setError] = useState<RpcError | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const load = () =>
      call('tray.menu', {}).then(
        (m) => {
          setMenu(m);
          setError(null);
        },
        (e) => setError(errorOf(e)),
      );
    load();
    return onEvent((e) => {
      if ((e.topic === 'changed' && (e.what === 'system-profile' || e.what === 'home-profile')) || (e.topic === 'job' && e.kind !== 'log' && e.kind !== 'log-gap' && e.kind !== 'progress')) load();
    });
  }, [attempt]);
  return { menu, error, retry: () => setAttempt((a) => a + 1) };
}

type Submenu = Extract<TrayEntry, { type: 'submenu' }>;

function SwitchPicker({ submenu, onPick }: { submenu: Submenu; onPick: (a: ConfirmableAction) => void }) {
  const choices = submenu.items.flatMap((i) => (i.type === 'item' && i.action?.kind === 'switch' && i.enabled ? [{ label: i.label, action: i.action }] : []));
  const [picked, setPicked] = useState(0);
  if (!choices.length) return null;
  return (
    <span className="row">
      <select aria-label={submenu.label} value={picked} onChange={(e) => setPicked(Number(e.target.value))}>
        {choices.map((c, i) => (
          <option key={c.label} value={i}>
            {c.label}
          </option>
        ))}
      </select>
      <button className="btn small" onClick={() => onPick(choices[picked]!.action)}>
        Switch…
      </button>
    </span>
  );
}

/** The tray menu's actions as buttons, for where there is no tray. Each opens the same confirmation. */
export function QuickActions() {
  const { menu, error: menuError, retry } = useTrayMenu();
  const [error, setError] = useState<RpcError | null>(null);
  const [confirmationId, setConfirmationId] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (confirmationId) dialog.current?.showModal();
    else dialog.current?.close();
  }, [confirmationId]);
  // the actions arrive after the dialog opened (on its Close button): the first one takes the focus
  const loaded = menu !== null;
  useEffect(() => {
    if (loaded) box.current?.querySelector<HTMLElement>('button:not(:disabled), select:not(:disabled)')?.focus();
  }, [loaded]);
  if (!menu) return menuError ? <ErrorBanner error={menuError} onRetry={retry} /> : <div className="skeleton" />;
  const request = async (action: ConfirmableAction) => {
    setError(null);
    try {
      const { confirmationId: id } = await call('desktop.action.request', { action });
      setConfirmationId(id);
    } catch (e) {
      setError(errorOf(e));
    }
  };
  const group = (prefix: 'system' | 'home') => {
    const entries = menu.items.filter((e) => e.type !== 'separator' && e.id.startsWith(`${prefix}-`));
    if (!entries.length) return null;
    const current = entries.find((e): e is Extract<TrayEntry, { type: 'item' }> => e.type === 'item' && e.id === `${prefix}-current`);
    return (
      <div className="quick-group" key={prefix}>
        <div className="quick-label">{current?.label}</div>
        <div className="quick-actions">
          {entries.map((e) => {
            if (e.type === 'item' && e.action && e.action.kind === 'rollback') {
              const action = e.action;
              return (
                <button key={e.id} className="btn small" disabled={!e.enabled} onClick={() => void request(action)}>
                  <Icon name="history" size={15} />
                  {e.label}
                </button>
              );
            }
            if (e.type === 'submenu') return <SwitchPicker key={e.id} submenu={e} onPick={(a) => void request(a)} />;
            return null;
          })}
        </div>
      </div>
    );
  };
  const rebuild = menu.items.find((e): e is Extract<TrayEntry, { type: 'item' }> => e.type === 'item' && e.id === 'rebuild');
  const rebuildAction = rebuild?.action;
  return (
    <div className="stack" data-testid="quick-actions" ref={box}>
      {error ? <ErrorBanner error={error} /> : null}
      {group('system')}
      {group('home')}
      {rebuild && rebuildAction?.kind === 'rebuild' ? (
        <div className="quick-actions">
          <button className="btn small" disabled={!rebuild.enabled} onClick={() => void request(rebuildAction)}>
            <Icon name="refresh" size={15} />
            {rebuild.label}
          </button>
        </div>
      ) : null}
      <dialog ref={dialog} className="modal quick-actions-dialog" onClose={() => setConfirmationId(null)}>
        {confirmationId ? <ConfirmPage key={confirmationId} id={confirmationId} inWindow={false} embedded onClose={() => setConfirmationId(null)} /> : null}
      </dialog>
    </div>
  );
}

/** Said once, in one line: there is no tray here, and its actions live in the window. */
export function NoTrayNotice() {
  const caps = useCapabilities();
  const [seen, setSeen] = useState(() => localStorage.getItem(NOTICE_KEY) === '1');
  if (!caps || caps.tray || seen) return null;
  const dismiss = () => {
    localStorage.setItem(NOTICE_KEY, '1');
    setSeen(true);
  };
  return (
    <p className="no-tray-notice" data-testid="no-tray-notice" role="note" title={caps.trayReason ?? undefined}>
      <Icon name="info" size={14} />
      <span>No tray icon here: its actions (roll back, switch, rebuild) are under Quick actions in the sidebar.</span>
      <button className="btn small ghost" onClick={dismiss}>
        Got it
      </button>
    </p>
  );
}

/** A sidebar entry for the tray's actions, where there is no tray. */
export function QuickActionsButton() {
  const caps = useCapabilities();
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open) dialog.current?.showModal();
    else dialog.current?.close();
  }, [open]);
  if (!caps || caps.tray) return null;
  return (
    <>
      <button className="nav-item" onClick={() => setOpen(true)} title="What the tray menu offers elsewhere" data-testid="quick-actions-button">
        <Icon name="layers" />
        <span>Quick actions</span>
      </button>
      <dialog ref={dialog} className="modal quick-actions-dialog" onClose={() => setOpen(false)} aria-labelledby="quick-actions-title">
        <div className="modal-body">
          <h2 id="quick-actions-title" style={{ margin: 0, fontSize: 17 }}>
            Quick actions
          </h2>
          {open ? <QuickActions /> : null}
        </div>
        <div className="modal-actions">
          <button className="btn" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
