import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent, type MouseEvent } from 'react';
import type { SearchSources, SourceStatus } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { Badge, ErrorBanner, PageHeader, ProgressBar, TabPanel, Tabs } from '../../components/ui';
import { When } from '../../components/When';
import { useNavigation } from '../../stores/navigation';
import { useRefreshJob, useSearch, type SearchResult, type SearchTab } from '../../stores/search';
import { AddDialog } from './AddDialog';
import { MissingList } from './MissingList';
import { OptionDetail, PackageDetail } from './Detail';
import './search.css';

const tabs: { id: SearchTab; label: string; placeholder: string }[] = [
  { id: 'packages', label: 'Packages', placeholder: 'Search packages: ripgrep, rg, video player…' },
  { id: 'nixos', label: 'NixOS options', placeholder: 'Search NixOS options: openssh, ssh server, services.nginx…' },
  { id: 'home-manager', label: 'Home Manager options', placeholder: 'Search Home Manager options: git, programs.zsh…' },
];

function SourceLine({ source, channel }: { source: SourceStatus | undefined; channel: SearchSources['channel'] | undefined }) {
  if (!source) return null;
  if (!source.available) return <span className="faint">{source.message ?? 'Not available.'}</span>;
  const local = source.origin === 'local-file';
  return (
    <span className="faint" data-testid="source-line">
      {local ? 'From your file' : (source.release ?? source.channel ?? (source.origin === 'home-manager' ? 'installed Home Manager' : ''))}
      {/* a file's date is when it was last changed, not when anyone published it */}
      {source.publishedAt ? (
        <>
          {local ? ', changed ' : ' · published '}
          <When iso={source.publishedAt} />
        </>
      ) : null}
      {source.fetchedAt && !local ? (
        <>
          {' · downloaded '}
          <When iso={source.fetchedAt} />
        </>
      ) : null}
      {source.count ? ` · ${source.count.toLocaleString()} entries` : ''}
      {channel?.from === 'flake' && channel.revision && source.origin === 'channel' ? (
        <>
          {` · your flake pins nixpkgs ${channel.revision.slice(0, 7)}`}
          {channel.lockedAt ? (
            <>
              {' from '}
              <When iso={channel.lockedAt} />
            </>
          ) : null}
        </>
      ) : null}
      {source.needsRefresh && source.message ? ` · ${source.message}` : ''}
    </span>
  );
}

const keyOf = (r: SearchResult) => (r.kind === 'package' ? `p:${r.value.attr}` : `o:${r.value.name}`);

interface RowProps {
  result: SearchResult;
  index: number;
  count: number;
  selected: boolean;
  start: number;
  measure: (el: HTMLLIElement | null) => void;
  onPick: () => void;
}

function ResultRow({ result, index, count, selected, start, measure, onPick }: RowProps) {
  const common = {
    ref: measure,
    id: `search-result-${index}`,
    'data-index': index,
    role: 'option',
    'aria-selected': selected,
    'aria-posinset': index + 1,
    'aria-setsize': count,
    className: 'result',
    style: { transform: `translateY(${start}px)` },
    onMouseDown: (e: MouseEvent) => e.preventDefault(),
    onClick: onPick,
  } as const;
  if (result.kind === 'package') {
    const p = result.value;
    return (
      <li {...common}>
        <div className="result-top">
          <ResultName name={p.attr} />
          <span className="result-version">{p.version}</span>
          {p.unfree ? <Badge kind="warn">unfree</Badge> : null}
          {p.broken ? <Badge kind="danger">broken</Badge> : null}
        </div>
        <div className="result-desc">{p.description || 'No description'}</div>
      </li>
    );
  }
  const o = result.value;
  return (
    <li {...common}>
      <div className="result-top">
        <ResultName name={o.name} />
        <span className="result-version">{o.type}</span>
      </div>
      <div className="result-desc">{o.description.replace(/\{\w+\}`([^`]*)`/g, '$1').replace(/[`*_]/g, '').split('\n')[0] || 'No description'}</div>
    </li>
  );
}

/**
 * A name that may not fit: the start gives way (with an ellipsis) before the last segment does, so
 * services.nginx.virtualHosts.<name>.kTLS and ….http3 stay told apart. The type or version next to it
 * gives way first.
 */
function ResultName({ name }: { name: string }) {
  const cut = Math.max(0, name.lastIndexOf('.'));
  return (
    <span className="result-name" title={name}>
      {cut > 0 ? <span className="result-name-head">{name.slice(0, cut)}</span> : null}
      <span className="result-name-tail">{name.slice(cut)}</span>
    </span>
  );
}

export function SearchPage() {
  const s = useSearch();
  const job = useRefreshJob();
  const go = useNavigation((n) => n.go);
  const inputRef = useRef<HTMLInputElement>(null);
  const detailRef = useRef<HTMLDivElement>(null);
  const source = s.sources?.sources.find((x) => x.id === s.tab);
  const listRef = useRef<HTMLDivElement>(null);
  // only the rows in view are in the page: a long list stays smooth, and rows keep their nodes while results arrive
  const virtualizer = useVirtualizer({
    count: s.results.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => 54,
    paddingStart: 6,
    paddingEnd: 6,
    scrollPaddingStart: 6,
    scrollPaddingEnd: 6,
    overscan: 8,
    getItemKey: (i) => keyOf(s.results[i]!),
  });
  useEffect(() => {
    if (s.results.length) virtualizer.scrollToIndex(s.selected, { align: 'auto' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.selected]);
  useEffect(() => {
    listRef.current?.scrollTo({ top: 0 });
  }, [s.query, s.tab]);

  useEffect(() => {
    void s.loadSources();
    inputRef.current?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // search as you type: a short pause after the last key
  useEffect(() => {
    const t = setTimeout(() => void useSearch.getState().run(), 60);
    return () => clearTimeout(t);
  }, [s.query, s.tab]);

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      s.select(s.selected + 1);
      if (s.selected >= s.results.length - 5) void s.more();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      s.select(s.selected - 1);
    } else if (e.key === 'Enter' && s.results.length) {
      e.preventDefault();
      detailRef.current?.focus();
    } else if (e.key === 'Escape') {
      s.setQuery('');
    }
  };

  const current = s.results[s.selected];
  const running = Boolean(s.refreshJobId);
  // this tab's list is not there: the page offers it (a download, or how to get it) instead of results
  const missing = source && !source.available ? source : null;
  return (
    <div className="page search-page">
      <PageHeader
        title="Search"
        subtitle="Packages, NixOS options and Home Manager options — offline, from your channel’s own lists."
        actions={
          <button className="btn" onClick={() => void s.refresh()} disabled={running} title="Download the lists for your channel again">
            <Icon name="refresh" />
            {running ? 'Refreshing…' : 'Refresh lists'}
          </button>
        }
      />
      {running ? (
        <div className="stack" data-testid="refresh-progress">
          <span className="muted">{job?.phase ?? 'Refreshing the lists…'}</span>
          <ProgressBar fraction={job?.progress?.fraction ?? null} label="Refreshing the search lists" />
        </div>
      ) : null}
      {s.sourcesError ? <ErrorBanner error={s.sourcesError} onRetry={() => void s.loadSources()} /> : null}
      {s.refreshError && !running && !missing ? <ErrorBanner error={s.refreshError} onRetry={() => void s.refresh()} /> : null}

      <div className="search-box">
        <Icon name="search" />
        <input
          ref={inputRef}
          type="search"
          aria-label="Search"
          role="combobox"
          aria-expanded={s.results.length > 0}
          aria-controls="search-results"
          aria-activedescendant={s.results.length ? `search-result-${s.selected}` : undefined}
          placeholder={tabs.find((t) => t.id === s.tab)!.placeholder}
          value={s.query}
          onChange={(e) => s.setQuery(e.target.value)}
          onKeyDown={onKeyDown}
          spellCheck={false}
          autoComplete="off"
        />
      </div>
      <Tabs id="search" label="What to search" tabs={tabs.map((t) => ({ key: t.id, label: t.label }))} selected={s.tab} onSelect={(id) => s.setTab(id)} />
      <TabPanel id="search" selected={s.tab}>
        {missing ? null : (
          <div className="spread">
            <SourceLine source={source} channel={s.sources?.channel} />
            {s.query.trim() && !s.error ? (
              <span className="faint" data-testid="result-count">
                {s.total.toLocaleString()} {s.total === 1 ? 'result' : 'results'}
              </span>
            ) : null}
          </div>
        )}
        {s.error && !missing ? <ErrorBanner error={s.error} onRetry={() => void s.run()} /> : null}

        {missing && s.sources ? (
          <MissingList
            source={missing}
            sources={s.sources}
            refreshError={s.refreshError}
            downloading={running}
            progress={job ? { label: job.phase ?? 'Downloading', fraction: job.progress?.fraction ?? null } : null}
            onDownload={() => void s.refresh()}
            onPick={(id) => {
              s.setTab(id);
              inputRef.current?.focus();
            }}
          />
        ) : (
          <div className="search-split">
            <div
              className="results card"
              ref={listRef}
              onScroll={(e) => {
                const el = e.currentTarget;
                if (el.scrollTop + el.clientHeight > el.scrollHeight - 300) void s.more();
              }}
            >
              <ul id="search-results" role="listbox" aria-label="Results" className="results-list" tabIndex={0} aria-activedescendant={s.results.length ? `search-result-${s.selected}` : undefined} onKeyDown={onKeyDown} style={{ height: s.results.length ? virtualizer.getTotalSize() : undefined }}>
                {virtualizer.getVirtualItems().map((item) => {
                  const r = s.results[item.index];
                  if (!r) return null;
                  return (
                    <ResultRow
                      key={item.key}
                      result={r}
                      index={item.index}
                      count={s.total}
                      selected={item.index === s.selected}
                      start={item.start}
                      measure={virtualizer.measureElement}
                      onPick={() => s.select(item.index)}
                    />
                  );
                })}
              </ul>
              {!s.results.length ? (
                <div className="results-empty">
                  {!s.query.trim() ? (
                    <>
                      <p>Type to search. ↑ and ↓ move through the results; Enter opens the details.</p>
                      <p className="faint">
                        Tips: a command name finds its package (<code>rg</code>), a service name finds its switch (<code>openssh</code>), <code>-word</code> leaves results out.
                      </p>
                    </>
                  ) : s.loading ? (
                    <p>Searching…</p>
                  ) : !s.error ? (
                    <p>Nothing matches “{s.query}”.</p>
                  ) : null}
                </div>
              ) : null}
            </div>
            <div className="card detail-pane" tabIndex={-1} ref={detailRef} aria-label="Details">
              {current ? (
                current.kind === 'package' ? <PackageDetail pkg={current.value} /> : <OptionDetail option={current.value} />
              ) : (
                <div className="empty">
                  <Icon name="search" size={32} />
                  <p>Details of the selected result appear here.</p>
                  <button className="btn small ghost" onClick={() => go('learn', 'search')}>
                    Packages or options? Learn the difference
                  </button>
                </div>
              )}
            </div>
          </div>
        )}
      </TabPanel>
      <AddDialog />
    </div>
  );
}
