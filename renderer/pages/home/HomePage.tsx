import { useEffect } from 'react';
import type { SystemStatus } from '../../../shared/contract';
import { Icon } from '../../components/Icon';
import { Badge, Banner, Card, ErrorBanner, PageHeader, formatBytes } from '../../components/ui';
import { When } from '../../components/When';
import { Term } from '../../components/Term';
import { releaseInWords } from '../../lib/release';
import { homeReadiness, useHome } from '../../stores/home';
import { useNavigation } from '../../stores/navigation';
import { useSystem } from '../../stores/system';
import { RestartBanner } from '../system/RestartBanner';
import { FirstRunGuide } from '../first-run/FirstRunGuide';
import { UpdateReadyCard } from '../../components/UpdateReady';

function GenerationFacts({ status }: { status: SystemStatus }) {
  const { current, running, booted } = status;
  const differs = (a: typeof current, b: typeof current) => a && b && a.storePath !== b.storePath;
  return (
    <dl className="facts">
      <dt>Boot default</dt>
      <dd data-testid="current-generation">
        {current ? (
          <>
            Generation {current.generation} · made <When iso={current.date} />
          </>
        ) : (
          'none'
        )}
      </dd>
      <dt>Running now</dt>
      <dd data-testid="running-generation">
        {running ? (running.generation ? `Generation ${running.generation}` : 'a system outside the profile') : 'unknown'}{' '}
        {differs(current, running) ? <Badge kind="warn">differs from boot default</Badge> : null}
      </dd>
      <dt>
        <Term learn="booted" label="booted">Booted</Term>
      </dt>
      <dd data-testid="booted-generation">
        {booted ? (booted.generation ? `Generation ${booted.generation}` : 'a system outside the profile') : 'unknown'}{' '}
        {status.restart ? <Badge kind="accent" title={status.restart.title}>restart to finish</Badge> : null}
      </dd>
    </dl>
  );
}

function NotNixOS({ status }: { status: SystemStatus }) {
  const go = useNavigation((s) => s.go);
  return (
    <Card testId="not-nixos">
      <div className="empty">
        <Icon name="usb" size={40} />
        <h2>This computer is running {status.osName}, not NixOS</h2>
        <p style={{ maxWidth: '60ch' }}>
          You can still try NixOS: the app downloads the right installer image, checks it, and writes it to a USB stick safely. Then you boot from the stick and
          install, with a starter configuration the app writes for you.
        </p>
        <div className="row">
          <button className="btn primary" onClick={() => go('install')}>
            <Icon name="usb" size={16} /> Make a NixOS USB stick
          </button>
          <button className="btn" onClick={() => go('learn')}>
            What is NixOS?
          </button>
        </div>
        <p className="faint">{status.nix.installed ? `Nix ${status.nix.version} is installed here, so searching packages and home-manager work too.` : 'Nix is not installed here.'}</p>
      </div>
    </Card>
  );
}

/** Home Manager at a glance, from the same status its page uses (stores/home.ts). */
function HomeManagerCard() {
  const go = useNavigation((s) => s.go);
  const { status, loadStatus } = useHome();
  useEffect(() => {
    void loadStatus();
  }, [loadStatus]);
  const readiness = status ? homeReadiness(status) : null;
  return (
    <Card
      title="Home Manager"
      icon="user"
      testId="card-home-manager"
      actions={
        <button className="btn small" onClick={() => go('home-manager')}>
          {readiness?.kind === 'not-installed' ? 'Set up' : 'Open'} <Icon name="arrowRight" size={14} />
        </button>
      }
    >
      {!status || !readiness ? (
        <div className="skeleton" />
      ) : readiness.kind === 'ready' ? (
        <p>
          <Badge kind="ok">set up</Badge> {status.profile.generations} generation{status.profile.generations === 1 ? '' : 's'} of your personal setup{status.profile.current !== null ? `, generation ${status.profile.current} in use` : ''}.
        </p>
      ) : readiness.kind === 'command-missing' ? (
        <p data-testid="card-home-manager-missing">
          <Badge kind="warn">command missing</Badge> Your generations are here, but the <code>home-manager</code> command cannot be found. Open the page for the fix.
        </p>
      ) : (
        <p className="muted">Not set up. Home Manager keeps your dotfiles and personal packages in one file, with the same rollbacks as the system.</p>
      )}
    </Card>
  );
}

function Dashboard({ status }: { status: SystemStatus }) {
  const go = useNavigation((s) => s.go);
  const { storeSize, storeSizeError, loadStoreSize } = useSystem();
  useEffect(() => {
    void loadStoreSize();
  }, [loadStoreSize]);
  const cfg = status.configuration;
  return (
    <>
      {status.warnings.map((w) => (
        <Banner key={w} kind="warn" title="Your running system and boot default differ">
          <span data-testid="status-warning">{w}</span>
        </Banner>
      ))}
      <RestartBanner restart={status.restart} />
      <UpdateReadyCard />
      <div className="grid">
        <Card title="NixOS" icon="snow" testId="card-nixos">
          <div className="stat" data-testid="nixos-release">{releaseInWords(status.nixosVersion, status.osName)?.replace(/^NixOS /, '') ?? status.osName}</div>
          <div className="faint">
            version <span data-testid="nixos-version">{status.nixosVersion ?? 'unknown'}</span> · host {status.hostname}
          </div>
        </Card>
        <Card title="Generation" icon="history" testId="card-generation">
          <div className="stat">{status.current ? `#${status.current.generation}` : '—'}</div>
          <div className="faint">
            {status.generationCount} generation{status.generationCount === 1 ? '' : 's'} in the profile
            {status.current ? (
              <>
                {' '}
                · built <When iso={status.current.date} />
              </>
            ) : null}
          </div>
        </Card>
        <Card title="Nix store" icon="box" testId="card-store">
          <div className="stat" data-testid="store-size">{storeSize ? formatBytes(storeSize.bytes) : storeSizeError ? '—' : <span className="skeleton" style={{ display: 'block', width: 90, height: 26 }} />}</div>
          <div className="faint">
            {storeSize ? `${storeSize.paths.toLocaleString()} store paths` : storeSizeError ? storeSizeError.message : 'measuring…'} · Nix {status.nix.version ?? 'not found'}
          </div>
        </Card>
      </div>
      <div className="grid-2">
        <Card
          title="Generations"
          icon="layers"
          actions={
            <button className="btn small" onClick={() => go('system')}>
              Open System <Icon name="arrowRight" size={14} />
            </button>
          }
        >
          <GenerationFacts status={status} />
        </Card>
        <Card title="Configuration" icon="terminal" testId="card-config">
          <dl className="facts">
            <dt>Kind</dt>
            <dd data-testid="config-kind">{cfg.kind === 'flake' ? 'Flake' : cfg.kind === 'channels' ? 'Channels' : 'Not found'}</dd>
            <dt>Folder</dt>
            <dd className="mono">{cfg.dir}</dd>
            {cfg.kind === 'flake' ? (
              <>
                <dt>Attribute</dt>
                <dd className="mono">{cfg.flakeAttribute}</dd>
              </>
            ) : null}
            <dt>Channels</dt>
            <dd data-testid="channels">
              {cfg.channels.length === 0 ? 'none' : cfg.channels.map((c) => (
                <div key={c.name}>
                  <span className="mono">{c.name}</span> <span className="faint">{c.release ?? c.url ?? ''}</span>
                </div>
              ))}
            </dd>
          </dl>
        </Card>
        <HomeManagerCard />
        <Card title="Find anything" icon="search">
          <p className="muted">Search packages and configuration options offline, and add what you find to your configuration in one click.</p>
          <div>
            <button className="btn small" onClick={() => go('search')}>
              Search <Icon name="arrowRight" size={14} />
            </button>
          </div>
        </Card>
      </div>
    </>
  );
}

export function HomePage() {
  const { status, statusError, loading, loadStatus } = useSystem();
  useEffect(() => {
    void loadStatus();
  }, [loadStatus]);
  return (
    <div className="page" data-testid="page-home">
      <PageHeader
        title={status?.isNixOS === false ? 'Welcome' : 'Your system'}
        subtitle={status?.isNixOS === false ? 'NixOS Companion helps you try NixOS, then live with it.' : 'What is running, what boots next, and where your configuration lives.'}
        actions={
          <button className="btn" onClick={() => void loadStatus()} disabled={loading}>
            <Icon name="refresh" size={16} /> Refresh
          </button>
        }
      />
      <FirstRunGuide />
      {statusError ? <ErrorBanner error={statusError} onRetry={() => void loadStatus()} /> : null}
      {!status && !statusError ? (
        <div className="grid">
          {[0, 1, 2].map((i) => (
            <div key={i} className="card">
              <div className="skeleton" style={{ width: '40%' }} />
              <div className="skeleton" style={{ width: '70%', height: 26 }} />
            </div>
          ))}
        </div>
      ) : null}
      {status ? status.isNixOS ? <Dashboard status={status} /> : <NotNixOS status={status} /> : null}
    </div>
  );
}
