import { useEffect, useMemo } from 'react';
import type { Generation } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { Badge, Banner, Card, ErrorBanner, formatBytes } from '../../components/ui';
import { When } from '../../components/When';
import { Term } from '../../components/Term';
import { useSystemGenerations } from '../../stores/system-generations';
import { DiffView } from './DiffView';
import { GenerationActions, SpecialisationActions } from './GenerationActions';
import './system-read.css';

/** Closure size of every generation, oldest left, as plain SVG bars. Clicking a bar selects it for comparison. */
function SizeChart({ generations, selected, onPick }: { generations: Generation[]; selected: number[]; onPick: (n: number) => void }) {
  const points = useMemo(() => [...generations].sort((a, b) => a.generation - b.generation), [generations]);
  const max = Math.max(1, ...points.map((g) => g.closureSize ?? 0));
  const width = 1000;
  const height = 160;
  const gap = points.length > 150 ? 0 : 2;
  const barWidth = Math.max(1, width / Math.max(1, points.length) - gap);
  const size = (g: Generation | undefined) => (g?.closureSize ? formatBytes(g.closureSize) : 'size unknown');
  const largest = points.find((g) => g.closureSize === max);
  // the bars' own titles are not read out: the image says what it shows, the table below has every figure
  const summary = `Closure size of each generation, oldest first: generation ${points[0]?.generation} ${size(points[0])}, generation ${points[points.length - 1]?.generation} ${size(points[points.length - 1])}${largest ? `, largest generation ${largest.generation} ${size(largest)}` : ''}.`;
  return (
    <figure className="sr-chart" aria-label="Closure size of each generation">
      <svg viewBox={`0 0 ${width} ${height + 18}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        <line x1="0" x2={width} y1={height} y2={height} className="sr-axis" />
        {points.map((g, i) => {
          const h = g.closureSize ? Math.max(2, (g.closureSize / max) * (height - 8)) : 0;
          const x = i * (barWidth + gap);
          const cls = ['sr-bar', g.current ? 'current' : '', g.running ? 'running' : '', selected.includes(g.generation) ? 'selected' : ''].join(' ');
          return (
            <g key={g.generation} onClick={() => onPick(g.generation)} className="sr-bar-group">
              <rect x={x} y={0} width={barWidth + gap} height={height} className="sr-bar-hit" />
              <rect x={x} y={height - h} width={barWidth} height={h} className={cls} data-testid={`size-bar-${g.generation}`}>
                <title>{`Generation ${g.generation}: ${g.closureSize === null ? 'size unknown' : formatBytes(g.closureSize)}`}</title>
              </rect>
            </g>
          );
        })}
      </svg>
      <figcaption className="spread faint">
        <span>Generation {points[0]?.generation}</span>
        <span>largest: {formatBytes(max)}</span>
        <span>Generation {points[points.length - 1]?.generation}</span>
      </figcaption>
    </figure>
  );
}

function StateBadges({ g }: { g: Generation }) {
  return (
    <span className="row sr-badges">
      {g.current ? <Badge kind="accent" title="The profile points here: the machine starts this at the next boot">boot default</Badge> : null}
      {g.running ? (
        <Badge kind="ok" title={g.runningSpecialisation ? `/run/current-system is its specialisation ${g.runningSpecialisation}` : 'Matches /run/current-system'}>
          {g.runningSpecialisation ? `running ${g.runningSpecialisation}` : 'running'}
        </Badge>
      ) : null}
      {g.booted ? (
        <Badge title={g.bootedSpecialisation ? `/run/booted-system is its specialisation ${g.bootedSpecialisation}` : 'Matches /run/booted-system'}>
          {g.bootedSpecialisation ? `booted ${g.bootedSpecialisation}` : 'booted'}
        </Badge>
      ) : null}
    </span>
  );
}

export function GenerationsTab() {
  const { generations, generationsError, loadingGenerations, sizesLoaded, selected, diff, diffError, diffLoading } = useSystemGenerations();
  const { loadGenerations, toggleSelected, clearSelection, loadDiff, closeDiff } = useSystemGenerations.getState();

  useEffect(() => {
    void (async () => {
      await loadGenerations();
      await loadGenerations({ withClosureSize: true });
    })();
  }, [loadGenerations]);

  const list = generations?.generations ?? [];
  const [older, newer] = [...selected].sort((a, b) => a - b);
  const compare = () => {
    if (older !== undefined && newer !== undefined) void loadDiff(older, newer);
  };

  return (
    <div className="stack sr-tab" data-testid="generations-tab">
      {generationsError ? <ErrorBanner error={generationsError} onRetry={() => void loadGenerations({ withClosureSize: sizesLoaded })} /> : null}
      {generations?.warnings.map((w) => (
        <Banner key={w} kind="warn" title={/booted/.test(w) && !/boot default/.test(w) ? 'Some changes wait for a reboot' : 'The running system is not the boot default'}>
          <span>{w}</span>
        </Banner>
      ))}

      {list.length > 1 ? (
        <Card title={<Term learn="closure" label="a closure">Closure size over time</Term>} icon="disk" testId="size-chart">
          {sizesLoaded ? <SizeChart generations={list} selected={selected} onPick={toggleSelected} /> : <div className="skeleton sr-chart-skeleton" />}
        </Card>
      ) : null}

      <Card
        title={`Generations${generations ? ` (${list.length})` : ''}`}
        icon="history"
        actions={
          <div className="row">
            <span className="faint">{selected.length === 2 ? `Compare ${older} with ${newer}` : 'Tick two generations to compare them'}</span>
            <button className="btn small primary" disabled={selected.length !== 2 || diffLoading} onClick={compare} data-testid="compare-button">
              {diffLoading ? 'Comparing…' : 'Compare'}
            </button>
            {selected.length ? (
              <button className="btn small ghost" onClick={clearSelection}>
                Clear
              </button>
            ) : null}
            <button className="btn small ghost" onClick={() => void loadGenerations({ withClosureSize: sizesLoaded })} disabled={loadingGenerations} title="Read the generations again">
              <Icon name="refresh" size={14} /> Refresh
            </button>
          </div>
        }
      >
        {!generations && !generationsError ? (
          <div className="stack">
            <div className="skeleton" />
            <div className="skeleton" />
            <div className="skeleton" />
          </div>
        ) : null}
        {generations && list.length === 0 ? (
          <div className="empty">
            <Icon name="history" size={36} />
            <h2>No system generations here</h2>
            <p>There is no system profile at {generations.profile}. On NixOS, every rebuild adds one.</p>
          </div>
        ) : null}
        {list.length ? (
          <div className="sr-table-wrap">
            <table className="table sr-generations" data-testid="generations-table">
              <thead>
                <tr>
                  <th aria-label="Compare" />
                  <th>#</th>
                  <th>Built</th>
                  <th>NixOS</th>
                  <th>Kernel</th>
                  <th>
                    <Term learn="specialisations">Specialisations</Term>
                  </th>
                  <th className="sr-num">Size</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((g) => (
                  <tr key={g.generation} className={g.current ? 'sr-current' : undefined} data-testid={`generation-row-${g.generation}`}>
                    <td>
                      <input type="checkbox" aria-label={`Select generation ${g.generation} for comparison`} checked={selected.includes(g.generation)} onChange={() => toggleSelected(g.generation)} />
                    </td>
                    <td>
                      <div className="sr-gen-number">{g.generation}</div>
                      <StateBadges g={g} />
                    </td>
                    <td className="sr-date" data-label="Built">
                      <When iso={g.date} />
                    </td>
                    <td data-label="NixOS">
                      <div className="mono">
                        <NixosVersion version={g.nixosVersion} />
                      </div>
                      {g.configurationRevision ? (
                        <div className="faint mono" title={`Configuration revision ${g.configurationRevision}`}>
                          rev {g.configurationRevision.slice(0, 12)}
                        </div>
                      ) : null}
                    </td>
                    <td className="mono" data-label="Kernel">{g.kernelVersion}</td>
                    <td data-label="Specialisations" className={g.specialisations.length ? undefined : 'sr-empty-cell'}>
                      <SpecialisationActions generation={g} />
                    </td>
                    <td className="sr-num mono" data-label="Size">{g.closureSize === null ? <span className="faint">…</span> : formatBytes(g.closureSize)}</td>
                    <td className="sr-actions">
                      <GenerationActions generation={g} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>

      {diffError ? <ErrorBanner error={diffError} onRetry={compare} /> : null}
      {diff ? (
        <Card testId="diff-card">
          <DiffView diff={diff} onClose={closeDiff} />
        </Card>
      ) : null}
    </div>
  );
}

/** `24.11.711521.a73246e3eeb8`: the revision on its own line, so the list fits without scrolling sideways (the text stays whole). */
function NixosVersion({ version }: { version: string }) {
  const m = /^(.*?)(\.[0-9a-f]{7,40})$/.exec(version);
  if (!m) return <>{version}</>;
  return (
    <>
      {m[1]}
      <span className="sr-version-rev faint">{m[2]}</span>
    </>
  );
}
