import { useEffect, useRef } from 'react';
import { Icon } from '../../components/Icon';
import { ErrorBanner } from '../../components/ui';
import { useDesktop } from '../../stores/desktop';
import { useNavigation } from '../../stores/navigation';
import './confirm.css';

/** `#/<area>/app-settings` opens the dialog over the area's page, so a link (or a screenshot) can reach it. */
export const SETTINGS_PATH = 'app-settings';

function SettingsForm() {
  const { capabilities, settings, saving, error, load, save } = useDesktop();
  useEffect(() => {
    void load();
  }, [load]);
  if (!settings || !capabilities) return error ? <ErrorBanner error={error} /> : <div className="skeleton" style={{ height: 120 }} />;
  const inBrowser = capabilities.shell === 'loopback';
  const trayMissing = !capabilities.tray;
  return (
    <div className="stack desktop-settings" data-testid="desktop-settings">
      {error ? <ErrorBanner error={error} /> : null}
      <label className={`setting ${trayMissing ? 'disabled' : ''}`}>
        <input type="checkbox" checked={settings.closeToTray} disabled={saving || trayMissing} onChange={(e) => void save({ closeToTray: e.target.checked })} />
        <span className="setting-text">
          <strong>Keep running in the tray when the window is closed</strong>
          <span className="muted">
            {trayMissing
              ? inBrowser
                ? 'Applies to the desktop app: in a browser there is no tray.'
                : `${capabilities.trayReason ?? 'There is no tray here.'} Closing the window quits the app.`
              : 'The tray icon keeps rollback and rebuild one click away. Quit from the tray menu.'}
          </span>
        </span>
      </label>
      <label className="setting">
        <input type="checkbox" checked={settings.startAtLogin} disabled={saving} onChange={(e) => void save({ startAtLogin: e.target.checked })} />
        <span className="setting-text">
          <strong>Start at login</strong>
          <span className="muted">
            Starts in the tray, without a window. This adds <code className="setting-path">{settings.autostartFile}</code>; deleting that file turns it off too.
          </span>
        </span>
      </label>
      <div className={`setting setting-group ${settings.backgroundUpdates ? '' : 'off'}`}>
        <label className="setting-row">
          <input type="checkbox" checked={settings.backgroundUpdates} disabled={saving} onChange={(e) => void save({ backgroundUpdates: e.target.checked })} data-testid="setting-background-updates" />
          <span className="setting-text">
            <strong>Check for updates and prepare them in the background</strong>
            <span className="muted">
              Builds the new system at low priority, only on mains power and when nothing else changes the system, then tells you what it changes. Nothing is
              activated until you say yes.
            </span>
          </span>
        </label>
        <label className="setting-schedule">
          <span>How often</span>
          <select value={settings.updateSchedule} disabled={saving || !settings.backgroundUpdates} onChange={(e) => void save({ updateSchedule: e.target.value === 'weekly' ? 'weekly' : 'daily' })} data-testid="setting-update-schedule">
            <option value="daily">Daily</option>
            <option value="weekly">Weekly</option>
          </select>
        </label>
      </div>
      <p className="faint">The window’s size and position are remembered between runs.</p>
    </div>
  );
}

/** A sidebar entry that opens the app's desktop settings. */
export function DesktopSettingsButton() {
  const { area, path, go } = useNavigation();
  const open = path === SETTINGS_PATH;
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (open && !dialog.current?.open) dialog.current?.showModal();
    else if (!open && dialog.current?.open) dialog.current.close();
  }, [open]);
  const close = () => {
    if (useNavigation.getState().path === SETTINGS_PATH) go(area);
  };
  return (
    <>
      <button className="nav-item" onClick={() => go(area, SETTINGS_PATH)} title="App settings: tray, start at login" data-testid="settings-button">
        <Icon name="sliders" />
        <span>App settings</span>
      </button>
      <dialog ref={dialog} className="modal settings-dialog" onClose={close} aria-labelledby="settings-title">
        <div className="modal-body">
          <h2 id="settings-title" style={{ margin: 0, fontSize: 17 }}>
            App settings
          </h2>
          {open ? <SettingsForm /> : null}
        </div>
        <div className="modal-actions">
          <button className="btn" onClick={close}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
