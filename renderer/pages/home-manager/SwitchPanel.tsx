import { useEffect, useState } from 'react';
import { BuildProgress } from '../../components/BuildProgress';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Banner, Card, ErrorBanner } from '../../components/ui';
import { useHome, useHomeJob, useHomeReadiness } from '../../stores/home';
import { CommandMissing } from './CommandMissing';

/**
 * `home-manager switch` with the live log; a clobber failure offers the retry with a backup extension.
 * When the profile records a generation whose activation did not finish (Home Manager 25.11 records it
 * first), that is said, with the way back.
 */
export function SwitchPanel() {
  const { switchJobId, switchResult, startSwitch, actionError, activationGap, rollback, switchGeneration, loadGenerations } = useHome();
  const job = useHomeJob(switchJobId);
  const readiness = useHomeReadiness();
  const noCommand = readiness?.kind === 'command-missing' ? readiness : null;
  useEffect(() => void loadGenerations(), [loadGenerations]);
  const [extension, setExtension] = useState('backup');
  const running = job?.status === 'running';
  const extOk = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(extension);
  const inTheWay = switchResult && !switchResult.ok ? switchResult.clobbered : [];
  const backupTaken = inTheWay.filter((c) => c.backupInTheWay);
  const goBack = () => void (activationGap?.filesOf ? switchGeneration(activationGap.filesOf) : rollback());
  const goBackLabel = activationGap?.filesOf ? `Roll back to generation ${activationGap.filesOf}` : 'Roll back';

  return (
    <Card title="Apply home.nix" icon="play" testId="home-switch">
      <p className="muted">
        Builds your home.nix and makes it your current generation. If the build fails, nothing changes. From Home Manager 25.11 the new generation is recorded before it is activated, so a failed activation leaves it recorded but not active; this page says so.
      </p>
      <div className="row">
        <button className="btn primary" disabled={running || !!noCommand} onClick={() => void startSwitch()} data-testid="switch-start">
          <Icon name="play" size={16} /> Switch
        </button>
      </div>
      {noCommand ? <CommandMissing readiness={noCommand} doing="Switch cannot apply home.nix" /> : null}
      {actionError ? <ErrorBanner error={actionError} /> : null}
      {job ? <BuildProgress jobId={job.id} /> : null}
      {job?.status === 'failed' && job.error ? <ErrorBanner error={job.error} onRetry={() => void startSwitch()} /> : null}
      {switchResult?.ok ? (
        <Banner kind="info" title={switchResult.message}>
          {switchResult.unreadNews ? <span>Home Manager has {switchResult.unreadNews} unread news item{switchResult.unreadNews === 1 ? '' : 's'} for you: see News.</span> : null}
        </Banner>
      ) : null}
      {inTheWay.length ? (
        <div data-testid="switch-clobbered">
          <Banner
            kind="warn"
            title={switchResult!.message}
            actions={
              <>
                <label className="row">
                  Extension
                  <input className="mono hm-ext" value={extension} onChange={(e) => setExtension(e.target.value.trim())} aria-label="Backup extension" />
                </label>
                <button className="btn small primary" disabled={!extOk || running} onClick={() => void startSwitch(extension)} data-testid="switch-retry-backup">
                  Retry, backing up these files with extension .{extension}
                </button>
                {activationGap ? (
                  <button className="btn small" disabled={running} onClick={goBack} data-testid="switch-roll-back">
                    {goBackLabel}
                  </button>
                ) : null}
              </>
            }
          >
            <span>These files are in the way. Home Manager can move each one to the same name with an extension added, then put its own in place:</span>
            <ul className="hm-files">
              {inTheWay.map((c) => (
                <li key={c.path} className="mono">
                  {c.path}
                  {c.backupInTheWay ? <span className="faint"> — {c.backupInTheWay} already exists</span> : null}
                </li>
              ))}
            </ul>
            {backupTaken.length ? <span>Some backup names are taken: choose another extension, or move those files away first.</span> : null}
          </Banner>
        </div>
      ) : null}
      {activationGap && !inTheWay.length ? (
        <div data-testid="switch-not-activated">
          <Banner
            kind="warn"
            title={`The profile records generation ${activationGap.recorded}, but your files are still ${activationGap.filesOf !== null ? `generation ${activationGap.filesOf}’s` : 'those of the generation before'}.`}
            actions={
              <>
                <button className="btn small primary" disabled={running} onClick={() => void startSwitch('backup')} data-testid="switch-retry-backup">
                  Retry with backup
                </button>
                <button className="btn small" disabled={running} onClick={goBack} data-testid="switch-roll-back">
                  {goBackLabel}
                </button>
              </>
            }
          >
            <span>Its activation did not finish (Home Manager records a new generation before activating it). Switch again once the cause is fixed, retry moving files in the way aside (extension .backup), or roll back so the profile and your files agree.</span>
          </Banner>
        </div>
      ) : null}
      {job ? <JobLog jobId={job.id} height={260} label="Switch log" /> : null}
    </Card>
  );
}
