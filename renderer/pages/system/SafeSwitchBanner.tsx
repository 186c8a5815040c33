import { useEffect } from 'react';
import { useSystemRebuild } from '../../stores/system-rebuild';
import './system-write.css';

/**
 * "Keep this configuration?" with the seconds left, shown app-wide while a safe switch waits. The
 * countdown runs in the app's main process; this only shows it, so reloading the window changes nothing.
 */
export function SafeSwitchBanner() {
  const state = useSystemRebuild((s) => s.safeSwitch);
  const { loadSafeSwitch, keepTrial, revertTrial } = useSystemRebuild();
  useEffect(() => {
    void loadSafeSwitch();
  }, [loadSafeSwitch]);
  if (!state || !['waiting', 'confirming', 'reverting'].includes(state.state)) return null;
  const waiting = state.state === 'waiting';
  const fraction = waiting && state.timeoutSeconds ? (state.secondsLeft ?? 0) / state.timeoutSeconds : 0;
  return (
    <div className="safe-switch-banner" role="alertdialog" aria-live="assertive" aria-label="Keep this configuration?" data-testid="safe-switch-banner">
      <div className="safe-switch-text">
        <strong>{waiting ? 'Keep this configuration?' : state.message}</strong>
        {waiting ? (
          <span>
            The new configuration is running on trial. If you do nothing, it goes back to the previous one in{' '}
            <b className="mono" data-testid="safe-switch-seconds">
              {state.secondsLeft ?? 0}
            </b>{' '}
            s.
          </span>
        ) : null}
        {waiting ? (
          <div className="safe-switch-meter" aria-hidden>
            <div style={{ width: `${Math.max(0, Math.min(1, fraction)) * 100}%` }} />
          </div>
        ) : null}
      </div>
      {waiting ? (
        <div className="row">
          <button className="btn" data-testid="safe-switch-revert" onClick={() => void revertTrial()}>
            Revert now
          </button>
          <button className="btn primary" data-testid="safe-switch-keep" onClick={() => void keepTrial()}>
            Keep it
          </button>
        </div>
      ) : null}
    </div>
  );
}
