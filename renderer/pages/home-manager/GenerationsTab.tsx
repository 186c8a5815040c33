import { useEffect, useState } from 'react';
import { BuildProgress } from '../../components/BuildProgress';
import { Icon } from '../../components/Icon';
import { JobLog } from '../../components/JobLog';
import { Badge, Banner, Card, ErrorBanner, formatDate, timeAgo } from '../../components/ui';
import { useHome, useHomeJob } from '../../stores/home';

/** The timeline: newest first, the current one marked; roll back, switch to any, compare two, remove old. */
/** The date as `home-manager generations` prints it (ls --time-style=long-iso, local time). */
function longIso(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function GenerationsTab() {
  const { generations, generationsError, loadGenerations, rollback, switchGeneration, removeGenerations, loadDiff, diff, activationJobId, actionError, activationGap } = useHome();
  const job = useHomeJob(activationJobId);
  const [selected, setSelected] = useState<number[]>([]);
  const [removeNote, setRemoveNote] = useState<string | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  useEffect(() => void loadGenerations(), [loadGenerations]);
  const running = job?.status === 'running';
  const current = generations.find((g) => g.current) ?? null;
  const hasOlder = current ? generations.some((g) => g.generation < current.generation) : false;
  const toggle = (n: number) => setSelected((s) => (s.includes(n) ? s.filter((x) => x !== n) : [...s, n].slice(-2)));
  const pair = [...selected].sort((a, b) => a - b);
  const removable = selected.filter((n) => n !== current?.generation);

  return (
    <div className="stack" data-testid="home-generations">
      <Card
        title="Generations"
        icon="history"
        actions={
          <div className="row">
            <button className="btn small" disabled={!hasOlder || running} onClick={() => void rollback()} data-testid="home-rollback">
              <Icon name="history" size={14} /> Roll back
            </button>
            <button className="btn small" disabled={pair.length !== 2} onClick={() => void loadDiff(pair[0]!, pair[1]!)} data-testid="home-compare">
              Compare
            </button>
            <button className="btn small danger" disabled={removable.length === 0 || running} onClick={() => setConfirmRemove(true)} data-testid="home-remove">
              Remove
            </button>
          </div>
        }
      >
        <p className="faint">Tick two generations to compare their packages, or old ones to remove them. Removing frees nothing until Nix collects garbage.</p>
        {generationsError ? <ErrorBanner error={generationsError} onRetry={() => void loadGenerations()} /> : null}
        {confirmRemove ? (
          <Banner
            kind="warn"
            title={`Remove generation${removable.length === 1 ? '' : 's'} ${removable.join(', ')}?`}
            actions={
              <>
                <button
                  className="btn small danger solid"
                  onClick={() =>
                    void removeGenerations(removable).then((r) => {
                      setConfirmRemove(false);
                      setSelected([]);
                      if (r) setRemoveNote(`Removed ${r.removed.join(', ') || 'nothing'}.${r.refused.length ? ' ' + r.refused.map((x) => x.reason).join(' ') : ''}`);
                    })
                  }
                  data-testid="home-remove-confirm"
                >
                  Remove
                </button>
                <button className="btn small" onClick={() => setConfirmRemove(false)}>
                  Keep them
                </button>
              </>
            }
          >
            <span>You cannot roll back to a removed generation.</span>
          </Banner>
        ) : null}
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
              <input type="checkbox" checked={selected.includes(g.generation)} onChange={() => toggle(g.generation)} aria-label={`Select generation ${g.generation}`} />
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
                  <span className="faint" title={formatDate(g.date)}>
                    {longIso(g.date)} · {timeAgo(g.date)}
                  </span>
                </div>
                <span className="faint mono hm-path">{g.storePath}</span>
              </div>
              {!g.current || g.notActivated ? (
                <button className="btn small" disabled={running} onClick={() => void switchGeneration(g.generation)} data-testid={`home-switch-to-${g.generation}`}>
                  {g.notActivated ? 'Activate' : 'Switch to this'}
                </button>
              ) : null}
            </li>
          ))}
        </ol>
      </Card>
      {job ? (
        <Card title={job.title} icon="play">
          {job.status === 'running' ? <BuildProgress jobId={job.id} /> : null}
          {job.status === 'failed' && job.error ? <ErrorBanner error={job.error} /> : null}
          {job.status === 'done' ? <Banner kind="info" title={(job.result as { message?: string })?.message ?? 'Done.'} /> : null}
          <JobLog jobId={job.id} height={200} label="Activation log" />
        </Card>
      ) : null}
      {diff ? (
        <Card title={`Packages: generation ${diff.from} → ${diff.to}`} icon="layers" testId="home-diff">
          {diff.result.added.length + diff.result.removed.length + diff.result.changed.length === 0 ? <p className="muted">The same packages ({diff.result.unchanged}).</p> : null}
          <ul className="hm-diff">
            {diff.result.added.map((p) => (
              <li key={`a${p.storePath}`} className="added">
                + {p.name} <span className="faint">{p.version}</span>
              </li>
            ))}
            {diff.result.removed.map((p) => (
              <li key={`r${p.storePath}`} className="removed">
                − {p.name} <span className="faint">{p.version}</span>
              </li>
            ))}
            {diff.result.changed.map((c) => (
              <li key={`c${c.name}`} className="changed">
                ~ {c.name} <span className="faint">{c.from} → {c.to}</span>
              </li>
            ))}
          </ul>
          <p className="faint">{diff.result.unchanged} unchanged</p>
        </Card>
      ) : null}
    </div>
  );
}
