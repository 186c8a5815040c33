import type { RpcError, SearchSourceId, SearchSources, SourceStatus } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { ErrorBanner, ProgressBar } from '../../components/ui';

const listName: Record<SearchSourceId, string> = { packages: 'package list', nixos: 'NixOS option list', 'home-manager': 'Home Manager option list' };

function where(s: SourceStatus): string {
  if (s.origin === 'local-file') return 'from a local file';
  if (s.origin === 'home-manager') return 'from your Home Manager';
  return s.release ?? s.channel ?? '';
}

/** `code` in a message shown as code. */
function Words({ text }: { text: string }) {
  return <>{text.split(/(`[^`]+`)/).map((part, i) => (i % 2 === 1 ? <code key={i}>{part.slice(1, -1)}</code> : part))}</>;
}

/**
 * What a tab shows while its list is not on this computer: for a channel's list, downloading it is the
 * one big action, with the last download's error in words; the tabs that do have results are pointed to.
 */
export function MissingList({ source, sources, refreshError, downloading, progress, onDownload, onPick }: {
  source: SourceStatus;
  sources: SearchSources;
  refreshError: RpcError | null;
  downloading: boolean;
  progress: { label: string; fraction: number | null } | null;
  onDownload: () => void;
  onPick: (id: SearchSourceId) => void;
}) {
  const name = listName[source.id];
  const others = sources.sources.filter((s) => s.id !== source.id && s.available);
  const downloadable = source.origin === 'channel';
  return (
    <section className="card missing-list" data-testid="missing-list" aria-labelledby="missing-list-title">
      <Icon name={downloadable ? 'disk' : 'info'} size={28} />
      <h2 id="missing-list-title">{downloadable ? `The ${name} is not on this computer yet` : `No ${name} to search`}</h2>
      {downloadable ? (
        <p>
          Search looks through the {name} of {sources.channel.name} offline. It is downloaded once, then searching needs no network.
        </p>
      ) : source.message ? (
        <p>
          <Words text={source.message} />
        </p>
      ) : null}
      {downloadable && refreshError && !downloading ? (
        <div className="missing-list-error" data-testid="download-error">
          <ErrorBanner error={refreshError} />
        </div>
      ) : null}
      {downloadable ? (
        <div className="missing-list-action">
          <button className="btn primary big" data-testid="download-list" onClick={onDownload} disabled={downloading}>
            <Icon name="disk" /> {downloading ? `Downloading the ${name}…` : refreshError ? `Try downloading the ${name} again` : `Download the ${name}`}
          </button>
          {downloading && progress ? <ProgressBar fraction={progress.fraction} label={progress.label} /> : null}
        </div>
      ) : null}
      {others.length ? (
        <div className="missing-list-others" data-testid="tabs-with-results">
          <p className="muted">{downloadable ? 'Without a download, these already have results:' : 'These have results:'}</p>
          <div className="row">
            {others.map((s) => (
              <button key={s.id} className="btn" onClick={() => onPick(s.id)}>
                <Icon name="search" size={16} /> Search {s.label} <span className="faint">({where(s)})</span>
              </button>
            ))}
          </div>
        </div>
      ) : null}
    </section>
  );
}
