import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import type { ClosureDiff, Generation, Result, RpcError } from '../../../shared/contract';
import { BeforeAfter, ChangeTable, ConfirmDialog, type ChangeRow } from '../../components/Activation';
import { Banner, Badge, ErrorBanner, formatBytes } from '../../components/ui';
import { releaseInWords, versionChange } from '../../lib/release';
import { call, errorOf } from '../../lib/bridge';
import { useNavigation } from '../../stores/navigation';
import { rollbackTargetIn, useSystemGenerations, type ActivationRequest } from '../../stores/system-generations';
import { PreflightCard, usePreflight } from './PreflightCard';
import './system-write.css';

type ActivationPreview = Result<'system.activationPreview'>;

/** A closure diff as the rows of the app's one change table. */
export function closureDiffRows(diff: ClosureDiff): ChangeRow[] {
  const versions = (vs: string[]) => (vs.length ? vs.map((v) => v || '(no version)').join(', ') : '');
  return diff.changes.map((c) => ({ name: c.name, before: versions(c.before), after: versions(c.after), badges: c.highlight === 'kernel' ? <Badge kind="warn">kernel</Badge> : null }));
}

/** What a button opens: a rollback, a switch to the generation, or a switch to one of its specialisations. */
export type Choice = { kind: 'rollback' } | { kind: 'switch' } | { kind: 'specialisation'; name: string };

function titleOf(choice: Choice, generation: number): string {
  if (choice.kind === 'rollback') return `Roll back to generation ${generation}?`;
  if (choice.kind === 'switch') return `Switch to generation ${generation}?`;
  return `Switch to specialisation ${choice.name} of generation ${generation}?`;
}

/**
 * The request to send, built only from the preview just shown: its generation numbers travel with the
 * action, which is refused if the profile moved since. Null when the preview says it cannot be done.
 */
function requestOf(choice: Choice, generation: number, preview: ActivationPreview): ActivationRequest | null {
  if (choice.kind === 'rollback') {
    if (preview.current === null || preview.rollbackTarget !== generation) return null;
    return { kind: 'rollback', target: generation, expectedCurrent: preview.current };
  }
  if (choice.kind === 'switch') return { kind: 'switch', generation, expectedCurrent: preview.current };
  return { kind: 'specialisation', generation, specialisation: choice.name, expectedCurrent: preview.current };
}

/** The system's confirmation: what activating a generation changes, then Cancel or go. Undo opens it too. */
export function ConfirmActivation({ generation, choice, onClose }: { generation: number; choice: Choice; onClose: () => void }) {
  const [preview, setPreview] = useState<ActivationPreview | null>(null);
  const [diff, setDiff] = useState<ClosureDiff | null>(null);
  const [error, setError] = useState<RpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const activate = useSystemGenerations((s) => s.activate);
  const go = useNavigation((s) => s.go);
  const specialisation = choice.kind === 'specialisation' ? choice.name : undefined;
  const preflight = usePreflight(specialisation ? { kind: 'activate', generation, specialisation } : { kind: 'activate', generation });

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const p = await call('system.activationPreview', specialisation ? { generation, specialisation } : { generation });
        if (!live) return;
        setPreview(p);
        if (p.runningStorePath && !p.isRunning) {
          // without the list of changes the dialog still works; it says why the list is missing
          const d = await call('system.diff', { from: p.runningStorePath, to: specialisation ? p.storePath : generation }).catch((e: unknown) => {
            if (live) setError({ ...errorOf(e), message: `The list of package changes could not be made: ${errorOf(e).message}` });
            return null;
          });
          if (live) setDiff(d);
        }
      } catch (err) {
        if (live) setError(errorOf(err));
      }
    })();
    return () => {
      live = false;
    };
  }, [generation, specialisation]);

  const request = preview ? requestOf(choice, generation, preview) : null;
  const moved = preview && choice.kind === 'rollback' && !request;

  const proceed = async () => {
    if (!request) return;
    setBusy(true);
    const started = await activate(request);
    setBusy(false);
    if ('jobId' in started) {
      onClose();
      go('system', 'rebuild');
    } else setError(started.error);
  };
  const version = (v: string | null | undefined) => releaseInWords(v) ?? v ?? null;

  return (
    <ConfirmDialog
      title={titleOf(choice, generation)}
      testId="activation-dialog"
      confirmTestId="activation-confirm"
      confirmLabel={choice.kind === 'rollback' ? 'Roll back' : choice.kind === 'switch' ? `Switch to ${generation}` : `Switch to ${choice.name}`}
      onConfirm={() => void proceed()}
      onClose={onClose}
      busy={busy}
      disabled={!request || preflight.report?.ok === false}
    >
      <p className="muted">
        {choice.kind === 'specialisation'
          ? `Its configuration is activated now. The boot default does not change${preview?.current ? `: it stays generation ${preview.current}` : ''}.`
          : 'It becomes the boot default and is activated now. Newer generations stay in the list: you can switch back.'}
      </p>
      {error ? <ErrorBanner error={error} /> : null}
      {preflight.report ? <PreflightCard report={preflight.report} onFixed={preflight.again} /> : null}
      {moved ? (
        <Banner kind="warn" title="The list is out of date">
          <span data-testid="rollback-moved">
            {preview.rollbackTarget === null ? 'There is no older generation to roll back to now.' : `A rollback now goes to generation ${preview.rollbackTarget}, not ${generation}.`} Close this and look again.
          </span>
        </Banner>
      ) : null}
      {!preview && !error ? <div className="skeleton" style={{ width: '60%' }} /> : null}
      {preview?.kernel.changes ? (
        <Banner kind="warn" title="The kernel is different: restart afterwards">
          <span data-testid="kernel-warning">
            Running {preview.kernel.running ?? 'unknown'}, generation {generation}
            {specialisation ? ` (${specialisation})` : ''} has {preview.kernel.target ?? 'unknown'}. Programs switch now, but the kernel only changes when you restart the computer.
          </span>
        </Banner>
      ) : null}
      {preview ? (
        <>
          <BeforeAfter
            before={{ title: preview.current === null ? 'Running now' : `Generation ${preview.current}`, lines: [version(preview.nixosVersion.running), preview.kernel.running ? `kernel ${preview.kernel.running}` : null] }}
            after={{ title: `Generation ${generation}${specialisation ? ` (${specialisation})` : ''}`, lines: [version(preview.nixosVersion.target), preview.kernel.target ? `kernel ${preview.kernel.target}` : null] }}
          />
          <dl className="facts" data-testid="activation-facts">
            <dt>NixOS</dt>
            <dd title={`${preview.nixosVersion.running ?? '—'} → ${preview.nixosVersion.target ?? '—'}`}>{versionChange(preview.nixosVersion.running, preview.nixosVersion.target)}</dd>
            {diff ? (
              <>
                <dt>Packages changed</dt>
                <dd>
                  {diff.counts.upgraded} upgraded, {diff.counts.downgraded} downgraded, {diff.counts.added} added, {diff.counts.removed} removed
                </dd>
                <dt>Size</dt>
                <dd>{diff.closureSizeDelta >= 0 ? `+${formatBytes(diff.closureSizeDelta)}` : formatBytes(diff.closureSizeDelta)}</dd>
              </>
            ) : null}
          </dl>
        </>
      ) : null}
      {preview?.isRunning ? (
        <p className="muted">{choice.kind === 'specialisation' ? 'This specialisation is already running; it is activated again.' : 'This generation is already running; switching makes it the boot default again.'}</p>
      ) : null}
      {diff ? <ChangeTable rows={closureDiffRows(diff)} limit={150} empty="No package changes: only configuration files differ." /> : null}
    </ConfirmDialog>
  );
}

/** Buttons on one generation of the list: "Switch to this", and "Roll back" on the one a rollback goes to. */
export function GenerationActions({ generation }: { generation: Generation }) {
  const rollbackTarget = useSystemGenerations((s) => rollbackTargetIn(s.generations));
  const [open, setOpen] = useState<Choice | null>(null);
  const isDefaultAndRunning = generation.current && generation.running && generation.runningSpecialisation === null;
  return (
    <div className="row generation-actions" data-testid={`generation-actions-${generation.generation}`}>
      {rollbackTarget === generation.generation ? (
        <button className="btn small" data-testid="rollback-button" onClick={() => setOpen({ kind: 'rollback' })} title="Make the previous generation the boot default and activate it">
          Roll back
        </button>
      ) : null}
      {!isDefaultAndRunning ? (
        <button className="btn small ghost" data-testid="switch-button" onClick={() => setOpen({ kind: 'switch' })} title={`Make generation ${generation.generation} the boot default and activate it`}>
          Switch to this
        </button>
      ) : null}
      {/* in a portal: the list's cells must not restyle the dialog (alignment, wrapping) */}
      {open ? createPortal(<ConfirmActivation generation={generation.generation} choice={open} onClose={() => setOpen(null)} />, document.body) : null}
    </div>
  );
}

/** A generation's specialisations, each with "Switch to specialisation X" (or marked running, when it is the one that runs). */
export function SpecialisationActions({ generation }: { generation: Generation }) {
  const [open, setOpen] = useState<string | null>(null);
  if (!generation.specialisations.length) return <span className="faint">—</span>;
  return (
    <div className="stack sr-specialisations">
      {generation.specialisations.map((name) => {
        const running = generation.running && generation.runningSpecialisation === name;
        return (
          <span key={name} className="row sr-specialisation">
            <Badge kind={running ? 'ok' : undefined}>{name}</Badge>
            {running ? null : (
              <button
                className="btn small ghost"
                data-testid={`specialisation-button-${name}`}
                aria-label={`Switch to specialisation ${name}`}
                title={`Switch to specialisation ${name} of generation ${generation.generation}: activate it now; the boot default does not change`}
                onClick={() => setOpen(name)}
              >
                Switch
              </button>
            )}
          </span>
        );
      })}
      {open ? createPortal(<ConfirmActivation generation={generation.generation} choice={{ kind: 'specialisation', name: open }} onClose={() => setOpen(null)} />, document.body) : null}
    </div>
  );
}
