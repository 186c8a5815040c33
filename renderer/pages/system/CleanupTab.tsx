import { useState, type FormEvent } from 'react';
import type { GcResult } from '../../../shared/contract';
import { JobLog } from '../../components/JobLog';
import { Badge, Banner, Card, ErrorBanner, ProgressBar, formatBytes } from '../../components/ui';
import { useJobs } from '../../stores/jobs';
import { useSystemGenerations } from '../../stores/system-generations';
import { HomeCleanupCard } from '../home-manager/HomeCleanupCard';
import { CleanupPreflight } from './PreflightCard';
import './system-read.css';

const reasonWords = { current: 'boot default', running: 'running', booted: 'booted' } as const;

export function CleanupTab() {
  const { cleanupPreview, cleanupDone, cleanupError, cleanupBusy, gcJobId, cleanupRule } = useSystemGenerations();
  const { previewCleanup, confirmCleanup, cancelCleanup, collectGarbage } = useSystemGenerations.getState();
  const gcJob = useJobs((s) => (gcJobId ? s.jobs[gcJobId] : undefined));
  const gcRunning = gcJob?.status === 'running';
  const [rule, setRule] = useState<'age' | 'count'>('age');
  const [days, setDays] = useState(30);
  const [keep, setKeep] = useState(5);

  const preview = (e: FormEvent) => {
    e.preventDefault();
    void previewCleanup(rule === 'age' ? { olderThanDays: days } : { keepNewest: keep });
  };
  const cutoffDays = cleanupRule && 'olderThanDays' in cleanupRule ? cleanupRule.olderThanDays : null;
  const gcResult = gcJob?.status === 'done' ? (gcJob.result as GcResult) : null;

  return (
    <div className="stack sr-tab" data-testid="cleanup-tab">
      {cleanupError ? <ErrorBanner error={cleanupError} /> : null}
      <Card title="Delete old generations" icon="history">
        <p className="muted">
          Each generation keeps its whole system on disk so you can roll back to it. Deleting old ones lets the garbage collector free that space. The boot default, the running and the
          booted generation are always kept.
        </p>
        <form className="row sr-rule" onSubmit={preview}>
          <label className="row sr-check">
            <input type="radio" name="rule" checked={rule === 'age'} onChange={() => setRule('age')} /> Older than
          </label>
          <input type="number" min={1} max={36500} value={days} aria-label="Days" onChange={(e) => setDays(Math.max(1, Math.floor(Number(e.target.value) || 1)))} disabled={rule !== 'age'} className="sr-number" />
          <span>days</span>
          <span className="faint">or</span>
          <label className="row sr-check">
            <input type="radio" name="rule" checked={rule === 'count'} onChange={() => setRule('count')} /> All but the newest
          </label>
          <input type="number" min={1} max={100000} value={keep} aria-label="Generations to keep" onChange={(e) => setKeep(Math.max(1, Math.floor(Number(e.target.value) || 1)))} disabled={rule !== 'count'} className="sr-number" />
          <span className="faint" data-testid="keep-rule-note" title="nix-env --delete-generations +N counts the same way">
            counted from the boot default down; generations newer than it (after a rollback) are kept too
          </span>
          <button className="btn" type="submit" disabled={cleanupBusy} data-testid="preview-cleanup">
            {cleanupBusy && !cleanupPreview ? 'Looking…' : 'Preview'}
          </button>
        </form>

        {cleanupPreview ? (
          <div className="stack sr-preview" data-testid="cleanup-preview">
            {cleanupPreview.generations.length ? (
              <>
                <div>
                  <strong>
                    {cleanupPreview.generations.length} generation{cleanupPreview.generations.length === 1 ? '' : 's'} would be deleted:
                  </strong>{' '}
                  <span className="mono">{cleanupPreview.generations.join(', ')}</span>
                </div>
                <div>
                  The next garbage collection then frees <strong data-testid="freeable">{formatBytes(cleanupPreview.freeableBytes)}</strong> ({cleanupPreview.freeablePaths} store paths){' '}
                  {cleanupPreview.basis === 'all-gc-roots' ? (
                    <Badge kind="ok" title="Checked against every garbage-collector root Nix knows">exact</Badge>
                  ) : (
                    <Badge kind="warn" title="Only this profile's other generations were counted; other roots may keep some of it">estimate</Badge>
                  )}
                </div>
                {cleanupPreview.freeablePaths === 0 ? (
                  <div className="faint">Something else still uses these systems (another profile, or a result link left by nix-build), so deleting them frees no space yet.</div>
                ) : null}
              </>
            ) : (
              <div>Nothing to delete with this rule.</div>
            )}
            {cleanupPreview.activeAtCutoff !== null && cutoffDays !== null ? (
              <div className="faint" data-testid="active-at-cutoff">
                Generation {cleanupPreview.activeAtCutoff} stays: it was the system in use {cutoffDays} day{cutoffDays === 1 ? '' : 's'} ago, so you can still go back to that point (nix-collect-garbage --delete-older-than keeps it too).
              </div>
            ) : null}
            {cleanupPreview.protected.length ? (
              <div className="faint">
                Kept anyway: {cleanupPreview.protected.map((p) => `${p.generation} (${p.reasons.map((r) => reasonWords[r]).join(', ')})`).join('; ')}
              </div>
            ) : null}
            {cleanupRule ? <CleanupPreflight rule={cleanupRule} onFixed={() => void previewCleanup(cleanupRule)} /> : null}
            <div className="row">
              {cleanupPreview.generations.length ? (
                <button className="btn danger solid" onClick={() => void confirmCleanup()} disabled={cleanupBusy} data-testid="confirm-cleanup">
                  Delete {cleanupPreview.generations.length} generation{cleanupPreview.generations.length === 1 ? '' : 's'}
                </button>
              ) : null}
              <button className="btn ghost" onClick={cancelCleanup}>
                Cancel
              </button>
            </div>
          </div>
        ) : null}
        {cleanupDone ? (
          <Banner kind="info" title={`Deleted generation${cleanupDone.generations.length === 1 ? '' : 's'} ${cleanupDone.generations.join(', ')}`}>
            <span>Collect garbage below to free the {formatBytes(cleanupDone.freeableBytes)} they held.</span>
          </Banner>
        ) : null}
      </Card>

      <HomeCleanupCard />

      <Card title="Collect garbage" icon="disk">
        <p className="muted">Deletes every store path that no generation, profile or running program uses any more. Safe at any time; it can take a while on a large store.</p>
        <div className="row">
          <button className="btn primary" onClick={() => void collectGarbage()} disabled={gcRunning} data-testid="run-gc">
            {gcRunning ? 'Collecting…' : 'Collect garbage'}
          </button>
          {gcResult ? (
            <span data-testid="gc-result">
              Freed <strong>{formatBytes(gcResult.bytesFreed)}</strong> ({gcResult.pathsDeleted} store paths deleted).
            </span>
          ) : null}
          {gcJob?.status === 'failed' ? <Badge kind="danger">failed</Badge> : null}
          {gcJob?.status === 'cancelled' ? <Badge>cancelled</Badge> : null}
        </div>
        {gcJob ? (
          <div className="stack">
            {gcRunning ? (
              <>
                <div className="faint">
                  {gcJob.phase ?? 'Working…'}
                  {gcJob.progress?.counters ? ` — ${gcJob.progress.counters.deleted ?? 0} store paths deleted so far` : ''}
                </div>
                <ProgressBar fraction={gcJob.progress?.fraction ?? null} label="Garbage collection" />
              </>
            ) : null}
            <details>
              <summary className="faint">Output</summary>
              <JobLog jobId={gcJob.id} height={200} />
            </details>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
