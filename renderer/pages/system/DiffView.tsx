import { useMemo, useState } from 'react';
import type { ClosureChange, ClosureDiff, DiffSide } from '../../../shared/contract';
import { Badge, formatBytes } from '../../components/ui';
import { useSystemGenerations } from '../../stores/system-generations';
import './system-read.css';

/** What changed between two systems, package by package: the table a person reads before or after a switch. */

const sections: { kind: ClosureChange['kind']; title: string; hint: string }[] = [
  { kind: 'upgraded', title: 'Upgraded', hint: 'a newer version replaces the old one' },
  { kind: 'downgraded', title: 'Downgraded', hint: 'an older version replaces the newer one' },
  { kind: 'added', title: 'Added', hint: 'new in this system' },
  { kind: 'removed', title: 'Removed', hint: 'gone from this system' },
  { kind: 'changed', title: 'Rebuilt or changed', hint: 'same version, different contents or size' },
];

const showVersions = (vs: string[]) => (vs.length ? vs.map((v) => v || '(no version)').join(', ') : '—');

function sideLabel(side: DiffSide): string {
  if (side.generation !== null && side.generation > 0) return `Generation ${side.generation}`;
  return side.storePath.replace(/^.*\/[0-9a-z]{32}-/, '');
}

function SizeDelta({ bytes }: { bytes: number }) {
  if (bytes === 0) return <span className="faint">0</span>;
  return <span className={bytes > 0 ? 'sr-grow' : 'sr-shrink'}>{bytes > 0 ? '+' : ''}{formatBytes(bytes)}</span>;
}

function Highlight({ label, before, after, changed, note }: { label: string; before: string; after: string; changed: boolean; note?: string }) {
  return (
    <div className={`sr-highlight ${changed ? 'changed' : ''}`} data-testid={`diff-highlight-${label.toLowerCase().replace(/\s+/g, '-')}`}>
      <div className="stat-label">{label}</div>
      <div className="mono sr-highlight-value">
        {changed ? (
          <>
            {before} <span className="sr-arrow">→</span> <strong>{after}</strong>
          </>
        ) : (
          <>{after} <span className="faint">(unchanged)</span></>
        )}
      </div>
      {changed && note ? <div className="faint">{note}</div> : null}
    </div>
  );
}

export function DiffView({ diff, onClose }: { diff: ClosureDiff; onClose?: () => void }) {
  const [filter, setFilter] = useState('');
  const [onlyRequested, setOnlyRequested] = useState(false);
  const [hidden, setHidden] = useState<Set<ClosureChange['kind']>>(new Set());

  // only what the configuration lists is "yours": bash, nix and systemd are in the system path too, but nobody asked for them
  const configured = useSystemGenerations((s) => s.configured);
  const listed = (c: ClosureChange) => c.requested && !!configured?.has(c.name);
  const needle = filter.trim().toLowerCase();
  const visible = useMemo(
    () => diff.changes.filter((c) => (!needle || c.name.toLowerCase().includes(needle) || [...c.before, ...c.after].some((v) => v.toLowerCase().includes(needle))) && (!onlyRequested || listed(c))),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [diff.changes, needle, onlyRequested, configured],
  );
  const requestedCount = diff.changes.filter(listed).length;

  return (
    <div className="stack sr-diff" data-testid="diff-view">
      <div className="spread">
        <div>
          <h2>
            {sideLabel(diff.from)} <span className="sr-arrow">→</span> {sideLabel(diff.to)}
          </h2>
          <p className="faint">
            {diff.changes.length} package{diff.changes.length === 1 ? '' : 's'} changed · closure {formatBytes(diff.from.closureSize)} → {formatBytes(diff.to.closureSize)} (<SizeDelta bytes={diff.closureSizeDelta} />)
          </p>
        </div>
        {onClose ? (
          <button className="btn small ghost" onClick={onClose}>
            Close
          </button>
        ) : null}
      </div>

      <div className="sr-highlights">
        <Highlight label="Kernel" {...diff.highlights.kernel} note="A different kernel takes effect only after a reboot." />
        <Highlight label="NixOS version" {...diff.highlights.nixosVersion} />
      </div>

      <div className="row sr-filters">
        <input type="search" placeholder="Filter packages…" aria-label="Filter packages" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <label className="row sr-check">
          <input type="checkbox" checked={onlyRequested} onChange={(e) => setOnlyRequested(e.target.checked)} /> Only what your configuration lists ({requestedCount})
        </label>
        <div className="row">
          {sections.map((s) => (
            <button
              key={s.kind}
              className={`sr-chip sr-kind-${s.kind}`}
              aria-pressed={!hidden.has(s.kind)}
              onClick={() => setHidden((h) => { const n = new Set(h); if (n.has(s.kind)) n.delete(s.kind); else n.add(s.kind); return n; })}
              title={s.hint}
            >
              {s.title} {diff.counts[s.kind]}
            </button>
          ))}
        </div>
      </div>

      {diff.changes.length === 0 ? <p className="muted">These two systems contain the same packages.</p> : null}
      {diff.changes.length > 0 && visible.length === 0 ? <p className="muted">Nothing matches the filter.</p> : null}

      {sections
        .filter((s) => !hidden.has(s.kind))
        .map((s) => {
          const rows = visible.filter((c) => c.kind === s.kind).sort((a, b) => Number(!!b.highlight) - Number(!!a.highlight) || Number(listed(b)) - Number(listed(a)));
          if (!rows.length) return null;
          return (
            <section key={s.kind} className="stack" data-testid={`diff-section-${s.kind}`}>
              <h3 className="row">
                <span className={`sr-dot sr-kind-${s.kind}`} /> {s.title} <span className="faint">{rows.length}</span>
              </h3>
              <table className="table sr-diff-table">
                <thead>
                  <tr>
                    <th>Package</th>
                    <th>Before</th>
                    <th>After</th>
                    <th className="sr-num">Size</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c) => (
                    <tr key={c.name} className={c.highlight ? 'sr-highlight-row' : undefined} data-requested={listed(c)}>
                      <td>
                        <span className={`mono ${listed(c) ? 'sr-requested' : ''}`}>{c.name}</span>{' '}
                        {c.highlight === 'kernel' ? <Badge kind="warn">kernel</Badge> : null}
                        {c.highlight === 'nixos' ? <Badge kind="accent">NixOS</Badge> : null}
                        {listed(c) ? <Badge kind="accent" title="Listed in environment.systemPackages in your configuration">in your configuration</Badge> : null}
                      </td>
                      <td className="mono">{showVersions(c.before)}</td>
                      <td className="mono">{showVersions(c.after)}</td>
                      <td className="sr-num mono">
                        <SizeDelta bytes={c.sizeDelta} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          );
        })}
      <p className="faint">
        Packages are grouped by name the way <code>nix store diff-closures</code> groups them; sizes are what Nix records for each path. “In your configuration” marks packages your
        configuration lists in environment.systemPackages; the rest come with NixOS or with those packages.
      </p>
    </div>
  );
}
