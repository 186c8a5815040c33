import { useState } from 'react';
import { BuildProgress } from '../../components/BuildProgress';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Banner, Card, ErrorBanner } from '../../components/ui';
import { useHome, useHomeJob } from '../../stores/home';

/** `home-manager switch` with the live log; a clobber failure offers the retry with a backup extension. */
export function SwitchPanel() {
  const { switchJobId, switchResult, startSwitch, actionError } = useHome();
  const job = useHomeJob(switchJobId);
  const [extension, setExtension] = useState('backup');
  const running = job?.status === 'running';
  const extOk = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(extension);
  const inTheWay = switchResult && !switchResult.ok ? switchResult.clobbered : [];
  const backupTaken = inTheWay.filter((c) => c.backupInTheWay);

  return (
    <Card title="Apply home.nix" icon="play" testId="home-switch">
      <p className="muted">Builds your home.nix and makes it your current generation. If anything fails, the generation you have now stays active.</p>
      <div className="row">
        <button className="btn primary" disabled={running} onClick={() => void startSwitch()} data-testid="switch-start">
          <Icon name="play" size={16} /> Switch
        </button>
      </div>
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
      {job ? <JobLog jobId={job.id} height={260} label="Switch log" /> : null}
    </Card>
  );
}
