import { useEffect, useState } from 'react';
import type { HomeGeneration } from '../../../shared/contract';
import { BeforeAfter, ChangeTable, ConfirmDialog, type ChangeRow } from '../../components/Activation';
import { BuildProgress } from '../../components/BuildProgress';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Badge, Banner, Card, ErrorBanner } from '../../components/ui';
import { When } from '../../components/When';
import { call, errorOf } from '../../lib/bridge';
import { jobOutcome } from '../../lib/outcome';
import { useHome, useHomeJob } from '../../stores/home';

type Diff = { added: { name: string; version: string | null }[]; removed: { name: string; version: string | null }[]; changed: { name: string; from: string | null; to: string | null }[]; unchanged: number };

/** A Home Manager diff as the rows of the app's one change table. */
export function homeDiffRows(diff: Diff): ChangeRow[] {
  return [
    ...diff.changed.map((c) => ({ name: c.name, before: c.from ?? '(no version)', after: c.to ?? '(no version)' })),
    ...diff.added.map((p) => ({ name: p.name, before: '', after: p.version || '(no version)' })),
    ...diff.removed.map((p) => ({ name: p.name, before: p.version || '(no version)', after: '' })),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

/** `24.11`, `25.05` from a generation's hm-version (`25.05-pre+abc`), null when unknown. */
const releaseOf = (version: string | null | undefined) => /^(\d{2}\.\d{2})/.exec(version ?? '')?.[1] ?? null;

type Choice = { kind: 'rollback' | 'switch'; target: number };

/**
 * Roll back or switch, the way the system does it: what changes first (Before → After, the packages),
 * a warning when that generation's Home Manager release is not the system's, then Cancel or go.
 */
function HomeActivationDialog({ choice, onClose }: { choice: Choice; onClose: () => void }) {
  const { generations, status, rollback, switchGeneration } = useHome();
  const current = generations.find((g) => g.current) ?? null;
  const target = generations.find((g) => g.generation === choice.target) ?? null;
  const [diff, setDiff] = useState<Diff | null>(null);
  const [error, setError] = useState<ReturnType<typeof errorOf> | null>(null);
  useEffect(() => {
    if (!current || !target) return;
    let live = true;
    call('home.diff', { from: current.generation, to: target.generation }).then(
      (d) => live && setDiff(d),
      (e) => live && setError(errorOf(e)),
    );
    return () => {
      live = false;
    };
  }, [current?.generation, target?.generation]);
  const systemRelease = status?.system.release ?? null;
  const targetRelease = releaseOf(target?.hmVersion);
  const mismatch = systemRelease && targetRelease && targetRelease !== systemRelease && !status?.system.unstable;
  const side = (g: HomeGeneration | null, label: string) =>
    g ? { title: `Generation ${g.generation}${label}`, lines: [g.hmVersion ? `Home Manager ${g.hmVersion}` : null, <When key="d" iso={g.date} />] } : null;
  const go = () => {
    onClose();
    void (choice.kind === 'rollback' ? rollback() : switchGeneration(choice.target));
  };
  return (
    <ConfirmDialog
      title={choice.kind === 'rollback' ? `Roll back to generation ${choice.target}?` : `Switch to generation ${choice.target}?`}
      testId="home-activation-dialog"
      confirmTestId="home-activation-confirm"
      confirmLabel={choice.kind === 'rollback' ? 'Roll back' : `Switch to ${choice.target}`}
      onConfirm={go}
      onClose={onClose}
      disabled={!target}
    >
      <p className="muted">Your home’s files and packages become that generation’s, now. Newer generations stay in the list: you can switch back.</p>
      {error ? <ErrorBanner error={error} /> : null}
      {mismatch ? (
        <Banner kind="warn" title={`Generation ${choice.target} was made by Home Manager ${targetRelease}, but your system is on ${systemRelease}.`} testId="home-release-mismatch">
          <span>
            Home Manager supports only the release that matches your nixpkgs. Going back to a {targetRelease} generation works, but the next Switch builds your home.nix with {systemRelease} again; options that changed between the two may
            behave differently meanwhile.
          </span>
        </Banner>
      ) : null}
      <BeforeAfter before={side(current, ' (now)')} after={side(target, '')} />
      {diff ? <ChangeTable rows={homeDiffRows(diff)} empty="The same packages: only files or settings differ." testId="home-activation-changes" /> : !error ? <div className="skeleton" /> : null}
    </ConfirmDialog>
  );
}

/** Remove old generations: its own choice of generations, apart from the ones ticked to compare. */
function RemoveDialog({ generations, onClose, onDone }: { generations: HomeGeneration[]; onClose: () => void; onDone: (note: string) => void }) {
  const removeGenerations = useHome((s) => s.removeGenerations);
  const candidates = generations.filter((g) => !g.current);
  const [picked, setPicked] = useState<number[]>([]);
  const [busy, setBusy] = useState(false);
  const toggle = (n: number) => setPicked((p) => (p.includes(n) ? p.filter((x) => x !== n) : [...p, n]));
  return (
    <ConfirmDialog
      title="Remove old Home Manager generations"
      testId="home-remove-dialog"
      confirmTestId="home-remove-confirm"
      confirmLabel={picked.length ? `Remove ${picked.length} generation${picked.length === 1 ? '' : 's'}` : 'Remove'}
      danger
      busy={busy}
      disabled={picked.length === 0}
      onClose={onClose}
      onConfirm={() => {
        setBusy(true);
        void removeGenerations(picked).then((r) => {
          setBusy(false);
          onClose();
          if (r) onDone(`Removed generation${r.removed.length === 1 ? '' : 's'} ${r.removed.join(', ') || 'none'}.${r.refused.length ? ' ' + r.refused.map((x) => x.reason).join(' ') : ''}`);
        });
      }}
    >
      <p className="muted">You cannot roll back to a removed generation. The current one is never removed. Its files stay on disk until Nix collects garbage.</p>
      <ul className="hm-remove-list">
        {candidates.map((g) => (
          <li key={g.generation}>
            <label className="row">
              <input type="checkbox" checked={picked.includes(g.generation)} onChange={() => toggle(g.generation)} data-testid={`home-remove-pick-${g.generation}`} />
              Generation {g.generation} {g.hmVersion ? <span className="faint">Home Manager {g.hmVersion}</span> : null} <When className="faint" iso={g.date} />
            </label>
          </li>
        ))}
      </ul>
    </ConfirmDialog>
  );
}

/** How the last roll back or switch ended, in words, with Undo (switch back, with its own preview) and the log on request. */
function ActivationOutcome({ onUndo }: { onUndo: (generation: number) => void }) {
  const { activationJobId, activationFrom } = useHome();
  const job = useHomeJob(activationJobId);
  const [showLog, setShowLog] = useState(false);
  if (!job) return null;
  const outcome = jobOutcome(job);
  return (
    <Card title={job.title} icon="play" testId="home-activation-outcome">
      {job.status === 'running' ? <BuildProgress jobId={job.id} /> : null}
      {job.status === 'failed' && job.error ? <ErrorBanner error={job.error} /> : null}
      {outcome ? (
        <Banner
          kind="info"
          title={outcome.title}
          testId="home-outcome"
          actions={
            <>
              {activationFrom !== null ? (
                <button className="btn small" onClick={() => onUndo(activationFrom)} data-testid="home-undo">
                  Undo
                </button>
              ) : null}
              <button className="btn small ghost" onClick={() => setShowLog((v) => !v)} aria-expanded={showLog}>
                {showLog ? 'Hide log' : 'View log'}
              </button>
            </>
          }
        />
      ) : null}
      {job.status !== 'done' || showLog ? <JobLog jobId={job.id} height={200} label="Activation log" /> : null}
    </Card>
  );
}

/** The timeline, newest first: roll back, switch to any, compare two, remove old ones. */
export function GenerationsTab() {
  const { generations, generationsError, loadGenerations, loadDiff, diff, activationJobId, actionError, activationGap } = useHome();
  const job = useHomeJob(activationJobId);
  const [selected, setSelected] = useState<number[]>([]);
  const [removeNote, setRemoveNote] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);
  const [choice, setChoice] = useState<Choice | null>(null);
  useEffect(() => void loadGenerations(), [loadGenerations]);
  const running = job?.status === 'running';
  const current = generations.find((g) => g.current) ?? null;
  const previous = current ? (generations.filter((g) => g.generation < current.generation).sort((a, b) => b.generation - a.generation)[0] ?? null) : null;
  const toggle = (n: number) => setSelected((s) => (s.includes(n) ? s.filter((x) => x !== n) : [...s, n].slice(-2)));
  const [older, newer] = [...selected].sort((a, b) => a - b);

  return (
    <div className="stack" data-testid="home-generations">
      <Card
        title="Generations"
        icon="history"
        actions={
          <div className="row">
            <button className="btn small" disabled={!previous || running} onClick={() => previous && setChoice({ kind: 'rollback', target: previous.generation })} data-testid="home-rollback">
              <Icon name="history" size={14} /> Roll back
            </button>
            <button className="btn small primary" disabled={selected.length !== 2} onClick={() => void loadDiff(older!, newer!)} data-testid="home-compare">
              {selected.length === 2 ? `Compare ${older} with ${newer}` : 'Compare'}
            </button>
            <button className="btn small danger" disabled={generations.length < 2 || running} onClick={() => setRemoving(true)} data-testid="home-remove">
              Remove old…
            </button>
          </div>
        }
      >
        <p className="faint">Tick two generations to compare their packages.</p>
        {generationsError ? <ErrorBanner error={generationsError} onRetry={() => void loadGenerations()} /> : null}
        {removeNote ? <Banner kind="info" title={removeNote} /> : null}
        {activationGap ? (
          <Banner kind="warn" title={`Generation ${activationGap.recorded} is recorded as current, but it was never activated.`}>
            <span>
              Your files are still {activationGap.filesOf !== null ? `generation ${activationGap.filesOf}’s` : 'those of an older generation'}. Home Manager 25.11 records a generation before activating it, and this activation failed. Switch again (with a backup if files were in the way), or switch to
              {activationGap.filesOf !== null ? ` generation ${activationGap.filesOf}` : ' an older generation'} so the profile and your files agree.
            </span>
          </Banner>
        ) : null}
        {actionError ? <ErrorBanner error={actionError} /> : null}
        {generations.length === 0 && !generationsError ? <p className="muted">No generations yet: switch once to make the first.</p> : null}
        <ol className="hm-timeline">
          {generations.map((g) => (
            <li key={g.generation} className={`hm-gen ${g.current ? 'current' : ''}`} data-testid={`home-gen-${g.generation}`}>
              <input type="checkbox" checked={selected.includes(g.generation)} onChange={() => toggle(g.generation)} aria-label={`Select generation ${g.generation} to compare`} />
              <div className="hm-gen-body">
                <div className="row">
                  <strong>Generation {g.generation}</strong>
                  {g.current && !g.notActivated ? <Badge kind="ok">current</Badge> : null}
                  {g.notActivated ? (
                    <Badge kind="warn" title="The profile records this generation, but its activation did not finish: your files are another generation's">
                      recorded, not activated
                    </Badge>
                  ) : null}
                  {activationGap && g.filesInPlace ? <Badge kind="ok" title="Your home's files are this generation's (the last finished activation)">your files</Badge> : null}
                  {g.hmVersion ? <Badge>Home Manager {g.hmVersion}</Badge> : null}
                  <When className="faint" iso={g.date} />
                </div>
              </div>
              {!g.current || g.notActivated ? (
                <button className="btn small" disabled={running} onClick={() => setChoice({ kind: 'switch', target: g.generation })} data-testid={`home-switch-to-${g.generation}`}>
                  {g.notActivated ? 'Activate' : 'Switch to this'}
                </button>
              ) : null}
            </li>
          ))}
        </ol>
      </Card>
      <ActivationOutcome onUndo={(generation) => setChoice({ kind: 'switch', target: generation })} />
      {diff ? (
        <Card title={`Compare: generation ${diff.from} → ${diff.to}`} icon="layers" testId="home-diff">
          <ChangeTable rows={homeDiffRows(diff.result)} empty="The same packages: only files or settings differ." />
          <p className="faint">{diff.result.unchanged} packages unchanged</p>
        </Card>
      ) : null}
      {choice ? <HomeActivationDialog key={`${choice.kind}-${choice.target}`} choice={choice} onClose={() => setChoice(null)} /> : null}
      {removing ? <RemoveDialog generations={generations} onClose={() => setRemoving(false)} onDone={setRemoveNote} /> : null}
    </div>
  );
}
