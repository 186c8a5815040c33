import { useEffect, useRef } from 'react';
import { Banner, ErrorBanner } from '../../components/ui';
import { useNavigation } from '../../stores/navigation';
import { useSearch } from '../../stores/search';

/** The lines a unified diff adds, and the line of the new file where the first of them lands. */
export function addedLines(diff: string): { lines: string[]; at: number | null; removes: number } {
  const lines: string[] = [];
  let at: number | null = null;
  let removes = 0;
  let line = 0;
  for (const l of diff.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
    if (hunk) {
      line = Number(hunk[1]);
      continue;
    }
    if (l.startsWith('+++') || l.startsWith('---') || l.startsWith('===') || l.startsWith('Index:') || l.startsWith('\\')) continue;
    if (l.startsWith('+')) {
      at ??= line;
      lines.push(l.slice(1));
      line++;
    } else if (l.startsWith('-')) removes++;
    else line++;
  }
  return { lines, at, removes };
}

function RawDiff({ diff }: { diff: string }) {
  const lines = diff.split('\n').filter((l) => !l.startsWith('===') && !l.startsWith('Index:'));
  return (
    <pre className="diff" data-testid="add-diff" tabIndex={0} role="region" aria-label="The change as a diff">
      {lines.map((l, i) => (
        <div key={i} className={l.startsWith('+++') || l.startsWith('---') ? 'head' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : l.startsWith('@@') ? 'hunk' : ''}>
          {l || ' '}
        </div>
      ))}
    </pre>
  );
}

/** The change in words: "This line will be added at line 42 of configuration.nix", the line, and the diff under Details. */
function ChangeInWords({ diff, fileName }: { diff: string; fileName: string }) {
  const { lines, at, removes } = addedLines(diff);
  const shown = lines.filter((l) => l.trim() !== '');
  return (
    <div className="stack" data-testid="add-change">
      <p>
        {shown.length === 1 ? 'This line will be added' : `These ${shown.length} lines will be added`}
        {at !== null ? ` at line ${at} of ${fileName}` : ` to ${fileName}`}
        {removes ? ` (replacing ${removes} line${removes === 1 ? '' : 's'})` : ''}:
      </p>
      <pre className="code nix" data-testid="add-lines">
        {shown.map((l) => l.trim()).join('\n')}
      </pre>
      <details>
        <summary className="faint">Details: the change as a diff</summary>
        <RawDiff diff={diff} />
      </details>
    </div>
  );
}

/** Shows the change to the configuration file first; writes it only when asked; then offers the rebuild or switch. */
export function AddDialog() {
  const add = useSearch((s) => s.add);
  const { applyAdd, closeAdd } = useSearch();
  const go = useNavigation((s) => s.go);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (add && d && !d.open) d.showModal();
    if (!add && d?.open) d.close();
  }, [add]);
  if (!add) return <dialog ref={ref} className="modal" />;
  const p = add.preview;
  const what = add.item.kind === 'package' ? add.item.attr : add.item.kind === 'setting' ? `${add.item.name} = ${String(add.item.value)}` : add.item.name;
  const fileName = add.target === 'system' ? 'configuration.nix' : 'home.nix';
  return (
    <dialog ref={ref} className="modal add-dialog" onClose={closeAdd} aria-label={`Add ${what}`}>
      <div className="modal-body">
        <h2>
          Add <code>{what}</code> to {fileName}
        </h2>
        {add.busy && !p ? <div className="skeleton" style={{ height: 80 }} /> : null}
        {add.error ? <ErrorBanner error={add.error} /> : null}
        {p && !add.applied ? (
          <>
            <p className="muted">{p.file}</p>
            {p.status === 'ready' && p.diff ? (
              <>
                <p>{p.message} Nothing is written until you apply it.</p>
                <ChangeInWords diff={p.diff} fileName={fileName} />
              </>
            ) : p.status === 'already' ? (
              <Banner kind="info" title="Nothing to do">
                {p.message}
              </Banner>
            ) : (
              <>
                <Banner kind="warn" title="The app will not change this file by itself">
                  {p.message}
                </Banner>
                <p>Paste this into {fileName} yourself:</p>
                <pre className="code nix" data-testid="add-snippet">
                  {p.snippet}
                </pre>
                <div className="row">
                  <button className="btn small" onClick={() => void navigator.clipboard?.writeText(p.snippet)}>
                    Copy snippet
                  </button>
                </div>
              </>
            )}
          </>
        ) : null}
        {add.applied ? (
          <Banner kind="info" title={`Saved ${fileName}`}>
            <span>
              The change is in your configuration but not active yet. {add.target === 'system' ? 'Rebuild and switch to use it.' : 'Switch Home Manager to use it.'}
              {add.applied.backup ? ` The previous version was kept as ${add.applied.backup}.` : ''}
            </span>
          </Banner>
        ) : null}
      </div>
      <div className="modal-actions">
        <button className="btn" onClick={closeAdd}>
          {add.applied ? 'Close' : 'Cancel'}
        </button>
        {add.applied && p ? (
          <button
            className="btn primary"
            onClick={() => {
              closeAdd();
              const [area, ...rest] = p.nextStep.route.replace(/^#\//, '').split('/');
              go(area as never, rest.join('/'));
            }}
          >
            {p.nextStep.label}
          </button>
        ) : p?.status === 'ready' ? (
          <button className="btn primary" disabled={add.busy} onClick={() => void applyAdd()}>
            {add.busy ? 'Saving…' : 'Apply change'}
          </button>
        ) : null}
      </div>
    </dialog>
  );
}
