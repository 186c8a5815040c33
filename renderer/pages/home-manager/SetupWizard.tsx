import { useState } from 'react';
import { setupStepIds, type HomeStatus, type SetupResult, type SetupStepId } from '../../../shared/contract';
import { BuildProgress } from '../../components/BuildProgress';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Badge, Banner, Card, ErrorBanner } from '../../components/ui';
import { useHome, useHomeJob } from '../../stores/home';
import { HomeForm } from './HomeForm';

const stepWords: Record<SetupStepId, { label: string; what: string }> = {
  channel: { label: 'Add the home-manager channel', what: 'nix-channel --add <release>.tar.gz home-manager' },
  update: { label: 'Download the channel', what: 'nix-channel --update home-manager' },
  install: { label: 'Install home-manager', what: "nix-shell '<home-manager>' -A install: builds it and makes your first generation" },
  relogin: { label: 'Log out and in again', what: 'so your session picks up the new PATH and variables' },
};

type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** Which step each setup step is in, from the job's phase, its result or its failure. */
function stepStates(job: ReturnType<typeof useHomeJob>, from: SetupStepId): Record<SetupStepId, StepState> {
  const out = Object.fromEntries(setupStepIds.map((s) => [s, 'pending'])) as Record<SetupStepId, StepState>;
  if (!job) return out;
  const result = job.result as SetupResult | undefined;
  if (job.status === 'done' && result) {
    for (const s of result.steps) out[s.id] = s.status;
    return out;
  }
  const start = setupStepIds.indexOf(from);
  const label = job.phase ?? '';
  const at = Math.max(start, setupStepIds.findIndex((s) => stepWords[s].label === label));
  setupStepIds.forEach((s, i) => {
    if (i < start) out[s] = 'skipped';
    else if (i < at) out[s] = 'done';
    else if (i === at) out[s] = job.status === 'running' ? 'running' : job.status === 'failed' || job.status === 'cancelled' ? 'failed' : 'done';
  });
  return out;
}

const stateBadge: Record<StepState, { kind?: 'ok' | 'warn' | 'danger' | 'accent'; word: string }> = {
  pending: { word: 'Waiting' },
  running: { kind: 'accent', word: 'Running' },
  done: { kind: 'ok', word: 'Done' },
  failed: { kind: 'danger', word: 'Failed' },
  skipped: { word: 'Kept' },
};

export function SetupWizard({ status }: { status: HomeStatus }) {
  const { setupJobId, setupFrom, startSetup, saveConfig, configError, actionError, loadStatus } = useHome();
  const job = useHomeJob(setupJobId);
  const [branch, setBranch] = useState(status.recommended?.branch ?? '');
  const [configChoice, setConfigChoice] = useState<'form' | 'starter' | 'existing'>(status.config.exists ? 'existing' : 'form');
  const [configReady, setConfigReady] = useState(status.config.exists);
  const states = stepStates(job, setupFrom);
  const running = job?.status === 'running';
  const result = job?.status === 'done' ? (job.result as SetupResult) : null;
  const failedStep = setupStepIds.find((s) => states[s] === 'failed') ?? null;
  const branchOk = /^(release-\d{2}\.\d{2}|master)$/.test(branch);
  const blockers = [
    !status.nix.installed ? 'Nix is not installed for this user.' : null,
    !status.nixAccess.allowed ? `Your user may not use Nix: ${status.nixAccess.file} says “${status.nixAccess.rule}”. Ask an administrator to add you to allowed-users.` : null,
  ].filter((x): x is string => x !== null);

  return (
    <div className="stack hm-wizard" data-testid="home-setup">
      <Card title="Set up Home Manager" icon="user">
        <p className="muted">
          Home Manager keeps your own packages and dotfiles in one file, <span className="mono">home.nix</span>, and lets you roll back like NixOS does. This installs it for you alone; nothing here needs an administrator password.
        </p>
        <div className="hm-facts">
          <div>
            <span className="stat-label">Nix</span>
            <div>{status.nix.installed ? `Nix ${status.nix.version}` : 'Not found'}</div>
          </div>
          <div>
            <span className="stat-label">Your system</span>
            <div data-testid="setup-system">
              {status.system.nixosVersion ? `NixOS ${status.system.nixosVersion}` : status.system.release ? `nixpkgs ${status.system.release}` : status.system.unstable ? 'nixpkgs unstable' : 'Unknown release'}
            </div>
          </div>
          <div>
            <span className="stat-label">Matching Home Manager</span>
            <div className="row">
              <input className="mono hm-branch" value={branch} onChange={(e) => setBranch(e.target.value.trim())} disabled={running} aria-label="Home Manager release" data-testid="setup-branch" />
              {status.recommended && branch === status.recommended.branch ? <Badge kind="ok">matches</Badge> : <Badge kind="warn">check this</Badge>}
            </div>
          </div>
        </div>
        {!status.recommended ? <Banner kind="warn" title="Your NixOS release could not be told.">Type the Home Manager release that matches your nixpkgs: release-YY.MM (for example release-24.11), or master for unstable. They must match.</Banner> : null}
        {blockers.map((b) => (
          <Banner key={b} kind="danger" title={b} />
        ))}
      </Card>

      <Card title="1. Your home.nix" icon="terminal">
        {configReady ? (
          <Banner kind="info" title={configChoice === 'existing' ? `Using your existing ${status.config.path}` : `Saved to ${status.config.path}`}>
            <span>The install builds your first generation from it.</span>
          </Banner>
        ) : (
          <>
            <div className="row">
              <label className="row hm-choice">
                <input type="radio" checked={configChoice === 'form'} onChange={() => setConfigChoice('form')} /> Make one from a few questions
              </label>
              <label className="row hm-choice">
                <input type="radio" checked={configChoice === 'starter'} onChange={() => setConfigChoice('starter')} data-testid="setup-starter" /> Let home-manager write its starter file
              </label>
            </div>
            {configChoice === 'form' ? (
              <HomeForm
                status={status}
                useLabel="Save this home.nix"
                onUse={(content) => void saveConfig(content).then((ok) => ok && (setConfigReady(true), void loadStatus()))}
              />
            ) : (
              <p className="faint">home-manager writes a minimal home.nix with your user name, home folder and release. You can edit it on this page afterwards.</p>
            )}
            {configError ? <ErrorBanner error={configError} /> : null}
          </>
        )}
      </Card>

      <Card title="2. Install" icon="play">
        <ol className="hm-steps" data-testid="setup-steps">
          {setupStepIds.map((id) => (
            <li key={id} className={`hm-step ${states[id]}`} data-testid={`setup-step-${id}`} data-state={states[id]}>
              <span className="hm-step-mark">{states[id] === 'done' ? <Icon name="check" size={14} /> : states[id] === 'failed' ? <Icon name="x" size={14} /> : null}</span>
              <div className="hm-step-body">
                <div className="spread">
                  <strong>{stepWords[id].label}</strong>
                  <Badge kind={stateBadge[states[id]].kind}>{stateBadge[states[id]].word}</Badge>
                </div>
                <span className="faint mono">{stepWords[id].what}</span>
                {states[id] === 'failed' && !running ? (
                  <button className="btn small" onClick={() => void startSetup(branch, id)} data-testid={`setup-retry-${id}`}>
                    <Icon name="refresh" size={14} /> Retry from this step
                  </button>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
        {job?.status === 'failed' && job.error ? <ErrorBanner error={job.error} /> : null}
        {failedStep === 'install' && /in the way of Home Manager/.test(job?.error?.message ?? '') ? (
          <div className="row" data-testid="setup-clobbered">
            <button className="btn primary small" onClick={() => void startSetup(branch, 'install', 'backup')} data-testid="setup-retry-backup">
              Retry, backing up these files with extension .backup
            </button>
          </div>
        ) : null}
        {actionError ? <ErrorBanner error={actionError} /> : null}
        {!job || (job.status !== 'running' && !result) ? (
          <div className="row">
            <button
              className="btn primary"
              disabled={!branchOk || blockers.length > 0 || (!configReady && configChoice === 'form') || running}
              onClick={() => void startSetup(branch, failedStep ?? undefined)}
              data-testid="setup-start"
            >
              {failedStep ? 'Retry' : 'Install Home Manager'}
            </button>
            {!configReady && configChoice === 'form' ? <span className="faint">Save your home.nix first, or choose the starter file.</span> : null}
          </div>
        ) : null}
        {job ? (
          <>
            <BuildProgress jobId={job.id} />
            <JobLog jobId={job.id} height={240} label="Setup log" />
          </>
        ) : null}
        {result ? (
          <Banner kind="info" title="Home Manager is installed." actions={<button className="btn primary small" onClick={() => void loadStatus()} data-testid="setup-finish">Open Home Manager</button>}>
            <span>{result.needsRelogin ? result.reloginNote : 'Your first generation is active.'}</span>
            {result.backedUp.length ? <span>Moved aside: {result.backedUp.map((f) => `${f}.backup`).join(', ')}</span> : null}
          </Banner>
        ) : null}
      </Card>
    </div>
  );
}
