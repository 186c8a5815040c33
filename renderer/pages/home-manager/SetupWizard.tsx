import { useState } from 'react';
import { setupStepIds, type HomeStatus, type SetupResult, type SetupStepId } from '../../../shared/contract';
import { BuildProgress } from '../../components/BuildProgress';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Badge, Banner, Card, ErrorBanner, useFocusOnChange } from '../../components/ui';
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
  skipped: { word: 'Done earlier' },
};

/** The files home-manager named as in the way (the failure's detail is its own lines, one per file). */
function clobberedFiles(detail: string | null | undefined): { path: string; backupTaken: boolean }[] {
  const out = new Map<string, { path: string; backupTaken: boolean }>();
  for (const line of (detail ?? '').split('\n')) {
    const taken = /^Existing file '(.+)' would be clobbered by backing up '(.+)'$/.exec(line.trim());
    if (taken) {
      out.set(taken[2]!, { path: taken[2]!, backupTaken: true });
      continue;
    }
    const m = /^Existing file '(.+?)' (?:would be clobbered$|is in the way of ')/.exec(line.trim());
    if (m && !out.has(m[1]!)) out.set(m[1]!, { path: m[1]!, backupTaken: false });
  }
  return [...out.values()];
}

export function SetupWizard({ status }: { status: HomeStatus }) {
  const { setupJobId, setupFrom, startSetup, saveConfig, configError, actionError, loadStatus } = useHome();
  const job = useHomeJob(setupJobId);
  const [branch, setBranch] = useState(status.recommended?.branch ?? '');
  const [configChoice, setConfigChoice] = useState<'form' | 'starter' | 'existing'>(status.config.exists ? 'existing' : 'form');
  const [configReady, setConfigReady] = useState(status.config.exists);
  const states = stepStates(job, setupFrom);
  // the Install and Retry buttons go away when a run starts: the steps list takes the focus
  const stepsList = useFocusOnChange<HTMLOListElement>(setupJobId);
  const running = job?.status === 'running';
  const result = job?.status === 'done' ? (job.result as SetupResult) : null;
  const failedStep = setupStepIds.find((s) => states[s] === 'failed') ?? null;
  const branchOk = /^(release-\d{2}\.\d{2}|master)$/.test(branch);
  const channelUrl = status.recommended && branch === status.recommended.branch ? status.recommended.url : `…/${branch}.tar.gz`;
  const [extension, setExtension] = useState('backup');
  const extOk = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(extension);
  const [usedExtension, setUsedExtension] = useState<string | null>(null);
  const clobbered = failedStep === 'install' ? clobberedFiles(job?.error?.detail) : [];
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
            <span className="stat-label">Home Manager builds with</span>
            <div data-testid="setup-nixpkgs">{status.system.detail}</div>
          </div>
          <div>
            <span className="stat-label">Matching Home Manager</span>
            <div className="row">
              <input className="mono hm-branch" value={branch} onChange={(e) => setBranch(e.target.value.trim())} disabled={running} aria-label="Home Manager release" data-testid="setup-branch" />
              {status.recommended && branch === status.recommended.branch ? <Badge kind="ok">matches</Badge> : <Badge kind="warn">check this</Badge>}
            </div>
          </div>
        </div>
        {!status.recommended && status.system.release && !status.system.certain ? (
          <Banner kind="warn" title={`Your nixpkgs is ${status.system.release}, but not whether it is that release or unstable.`}>
            Read from {status.system.detail}: a system built from a flake has a version like this on both. Type release-{status.system.release} if it follows nixos-{status.system.release}, or master if it follows nixos-unstable. They must match.
          </Banner>
        ) : null}
        {!status.recommended && !(status.system.release && !status.system.certain) ? (
          <Banner kind="warn" title="Your nixpkgs release could not be told.">Type the Home Manager release that matches your nixpkgs: release-YY.MM (for example release-24.11), or master for unstable. They must match.</Banner>
        ) : null}
        {blockers.map((b) => (
          <Banner key={b} kind="danger" title={b} />
        ))}
      </Card>

      <Card title="1. Your home.nix" icon="terminal">
        {configReady ? (
          <Banner kind="info" title={configChoice === 'existing' ? `Using your existing ${status.config.path}` : `Saved to ${status.config.path}`} focus={configChoice !== 'existing'} testId="setup-config-ready">
            <span>The install builds your first generation from it.</span>
          </Banner>
        ) : (
          <>
            <div className="row" role="radiogroup" aria-label="How to make your home.nix">
              <label className="row hm-choice">
                <input type="radio" name="home-nix-source" checked={configChoice === 'form'} onChange={() => setConfigChoice('form')} /> Make one from a few questions
              </label>
              <label className="row hm-choice">
                <input type="radio" name="home-nix-source" checked={configChoice === 'starter'} onChange={() => setConfigChoice('starter')} data-testid="setup-starter" /> Let home-manager write its starter file
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
        <ol className="hm-steps" data-testid="setup-steps" ref={stepsList} tabIndex={-1} aria-label="Install steps" aria-live="polite">
          {setupStepIds.map((id) => {
            const state = states[id];
            const message = result?.steps.find((x) => x.id === id)?.message ?? null;
            const relogin = id === 'relogin' && state === 'done' && result;
            const badge = relogin ? (result.needsRelogin ? { kind: 'warn' as const, word: 'Your turn' } : { kind: 'ok' as const, word: 'Not needed' }) : stateBadge[state];
            return (
              <li key={id} className={`hm-step ${state}${relogin && result.needsRelogin ? ' todo' : ''}`} data-testid={`setup-step-${id}`} data-state={state}>
                <span className="hm-step-mark">{state === 'done' && !(relogin && result.needsRelogin) ? <Icon name="check" size={14} /> : state === 'skipped' ? <Icon name="check" size={12} /> : state === 'failed' ? <Icon name="x" size={14} /> : null}</span>
                <div className="hm-step-body">
                  <div className="spread">
                    <strong>{stepWords[id].label}</strong>
                    <Badge kind={badge.kind}>{badge.word}</Badge>
                  </div>
                  <span className="faint mono">{id === 'channel' && branchOk ? `nix-channel --add ${channelUrl} home-manager` : stepWords[id].what}</span>
                  {relogin ? (
                    <span data-testid="setup-relogin-note">{result.needsRelogin ? `${result.reloginNote} Nothing else is needed: the rest of this page works now.` : 'home-manager is already on your PATH, so there is nothing to do.'}</span>
                  ) : message && state === 'done' ? (
                    <span className="faint">{message}</span>
                  ) : null}
                  {state === 'failed' && !running && id === 'install' && clobbered.length ? (
                    <div className="hm-clobbered" data-testid="setup-clobbered">
                      <span>These files are already in your home, and Home Manager will not overwrite files it did not make. It can move each aside by adding an extension to its name, then put its own in place:</span>
                      <ul className="hm-files">
                        {clobbered.map((f) => (
                          <li key={f.path} className="mono">
                            {f.path} → {f.path}.{extOk ? extension : '…'}
                            {f.backupTaken ? <span className="faint"> ({f.path}.{extension} is taken too: choose another extension)</span> : null}
                          </li>
                        ))}
                      </ul>
                      <div className="row">
                        <label className="row">
                          Extension
                          <input className="mono hm-ext" value={extension} onChange={(e) => setExtension(e.target.value.trim())} aria-label="Backup extension" />
                        </label>
                        <button className="btn primary small" disabled={!extOk} onClick={() => (setUsedExtension(extension), void startSetup(branch, 'install', extension))} data-testid="setup-retry-backup">
                          Move them aside and retry
                        </button>
                      </div>
                    </div>
                  ) : null}
                  {state === 'failed' && !running ? (
                    <button className="btn small" onClick={() => void startSetup(branch, id)} data-testid={`setup-retry-${id}`}>
                      <Icon name="refresh" size={14} /> Retry from this step{id === 'install' && clobbered.length ? ' without moving anything' : ''}
                    </button>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ol>
        {job?.status === 'failed' && job.error ? <ErrorBanner error={job.error} /> : null}
        {actionError ? <ErrorBanner error={actionError} /> : null}
        {!job || (job.status !== 'running' && !result && !failedStep) ? (
          <div className="row">
            <button
              className="btn primary"
              disabled={!branchOk || blockers.length > 0 || (!configReady && configChoice === 'form') || running}
              onClick={() => void startSetup(branch)}
              data-testid="setup-start"
            >
              Install Home Manager
            </button>
            {!configReady && configChoice === 'form' ? <span className="faint">Save your home.nix first, or choose the starter file.</span> : null}
          </div>
        ) : null}
        {job ? (
          <>
            {running ? <BuildProgress jobId={job.id} /> : null}
            <JobLog jobId={job.id} height={240} label="Setup log" />
          </>
        ) : null}
        {result ? (
          <Banner kind="info" title="Home Manager is installed." focus actions={<button className="btn primary small" onClick={() => void loadStatus()} data-testid="setup-finish">Open Home Manager</button>}>
            <span>Your first generation{result.version ? ` (Home Manager ${result.version})` : ''} is active. From now on, change home.nix and press Switch on the Home Manager page.</span>
            {result.backedUp.length ? <span>Moved aside: {result.backedUp.map((f) => `${f}.${usedExtension ?? 'backup'}`).join(', ')}</span> : null}
          </Banner>
        ) : null}
      </Card>
    </div>
  );
}
