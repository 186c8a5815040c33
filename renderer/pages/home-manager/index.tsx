import { lazy, useEffect, useState, type ComponentType } from 'react';
import type { HomeStatus } from '../../../shared/contract';
import type { IconName } from '../../components/Icon';
import { Badge, Banner, Card, ErrorBanner, PageHeader, TabPanel, Tabs } from '../../components/ui';
import { homeReadiness, useHome } from '../../stores/home';
import { releaseInWords } from '../../lib/release';
import { useNavigation } from '../../stores/navigation';
import { GenerationsTab } from './GenerationsTab';
import { NewsTab } from './NewsTab';
import { SetupWizard } from './SetupWizard';
import { SwitchPanel } from './SwitchPanel';
import { NotNixOSNotice } from '../first-run/NotNixOSNotice';
import { useSystem } from '../../stores/system';
import './home-manager.css';

// the editor (CodeMirror) loads with its tab, not with the page
const EditorTab = lazy(() => import('./EditorTab').then((m) => ({ default: m.EditorTab })));

function StatusCard({ status }: { status: HomeStatus }) {
  return (
    <Card title="Your Home Manager" icon="user" testId="home-status">
      <div className="hm-facts">
        <div>
          <span className="stat-label">Version</span>
          <div data-testid="home-version">{status.version ?? 'unknown'}</div>
        </div>
        <div>
          <span className="stat-label">Current generation</span>
          <div data-testid="home-current">{status.profile.current ?? 'none'}</div>
        </div>
        <div>
          <span className="stat-label">{status.flake ? 'Flake' : 'Channel'}</span>
          <div data-testid="home-source">
            {status.flake ? (
              <span className="mono" title={status.flake.path}>
                homeConfigurations.{status.flake.attribute ? `"${status.flake.attribute}"` : '…'}
              </span>
            ) : status.homeManagerChannel ? (
              <span className="mono">{status.homeManagerChannel.release ?? status.homeManagerChannel.url}</span>
            ) : (
              <span className="faint">none (NixOS module?)</span>
            )}
          </div>
        </div>
        <div>
          <span className="stat-label">System</span>
          <div title={status.system.nixosVersion ?? undefined}>
            {releaseInWords(status.system.nixosVersion) ?? status.system.release ?? (status.system.unstable ? 'unstable' : 'unknown')}
          </div>
        </div>
        <div>
          <span className="stat-label">Builds with</span>
          <div className="faint" data-testid="home-nixpkgs">{status.system.detail}</div>
        </div>
      </div>
      <p className="faint">
        Configuration <span className="mono">{status.config.path}</span>
        {status.config.legacyLocation ? <Badge kind="warn">older location</Badge> : null} · profile <span className="mono">{status.profile.path}</span>
      </p>
      {status.releaseMismatch ? <Banner kind="warn" title="Home Manager and your system are on different releases.">{status.releaseMismatch}</Banner> : null}
      {status.needsRelogin ? (
        <Banner kind="info" title="Log out and in again to finish.">
          <span>
            home-manager is installed, but this session started before it existed. After a new login your PATH and session variables include it
            {status.channelsOnSessionPath ? '' : ', and NIX_PATH includes your channels (NixOS adds ~/.nix-defexpr/channels at login, only when it exists; until then home-manager in a terminal may not find its channel, while Switch here passes it)'}.
          </span>
        </Banner>
      ) : null}
      {status.flake ? (
        <p className="faint" data-testid="home-flake">
          home-manager uses your flake <span className="mono">{status.flake.path}</span>
          {status.flake.attribute ? (
            <>
              {' '}
              (<span className="mono">homeConfigurations."{status.flake.attribute}"</span>, chosen as home-manager chooses: your user name at this host’s name, else your user name)
            </>
          ) : status.flake.attributes ? (
            `, but it has no homeConfigurations for you: ${status.flake.attributes.join(', ') || 'none'}`
          ) : (
            ' (its configuration is read when you switch)'
          )}
          . Edit the home.nix it imports on the home.nix tab.
        </p>
      ) : null}
      {status.config.legacyLocation ? <Banner kind="info" title="Your home.nix is in ~/.config/nixpkgs.">Home Manager still reads it there, but prefers ~/.config/home-manager/home.nix: move it when convenient.</Banner> : null}
    </Card>
  );
}

function OverviewTab() {
  const status = useHome((s) => s.status)!;
  return (
    <div className="stack">
      <StatusCard status={status} />
      <SwitchPanel />
    </div>
  );
}

const tabs: { key: string; label: string; icon: IconName; Tab: ComponentType }[] = [
  { key: 'overview', label: 'Overview', icon: 'user', Tab: OverviewTab },
  { key: 'generations', label: 'Generations', icon: 'history', Tab: GenerationsTab },
  { key: 'config', label: 'home.nix', icon: 'terminal', Tab: EditorTab },
  { key: 'news', label: 'News', icon: 'info', Tab: NewsTab },
];

/** Home Manager, standalone: the setup wizard until it is installed, then status, switch, generations, editor and news. */
export function HomeManagerPage() {
  const { status, statusError, loadStatus, setupJobId } = useHome();
  const { path, go } = useNavigation();
  const [wizardDone, setWizardDone] = useState(false);
  useEffect(() => {
    void loadStatus();
    void useHome.getState().reattach();
  }, [loadStatus]);
  const current = tabs.find((t) => t.key === path.split('/')[0]) ?? tabs[0]!;
  // keep the wizard on screen after an install until the person moves on (it holds the relogin note)
  const showWizard = status && (homeReadiness(status).kind === 'not-installed' || (setupJobId !== null && !wizardDone));
  const system = useSystem((s) => s.status);
  useEffect(() => {
    if (!useSystem.getState().status) void useSystem.getState().loadStatus();
  }, []);
  // not NixOS, without Nix: say so instead of a wizard that cannot work; with Nix, Home Manager works and a line says so
  const notNixOS = system?.isNixOS === false && !system.nix.installed && status && homeReadiness(status).kind === 'not-installed' ? system.osName : null;
  const nixOnly = system?.isNixOS === false && system.nix.installed ? system.osName : null;

  return (
    <div className="page" data-testid="page-home-manager">
      <PageHeader title="Home Manager" subtitle="Your own packages and dotfiles, declared in home.nix, with generations you can roll back." />
      {statusError ? <ErrorBanner error={statusError} onRetry={() => void loadStatus()} /> : null}
      {!status && !statusError ? <div className="skeleton" /> : null}
      {notNixOS !== null ? <NotNixOSNotice area="Home Manager" osName={notNixOS} /> : null}
      {nixOnly !== null ? (
        <p className="faint" data-testid="hm-not-nixos-note">
          This computer runs {nixOnly}, not NixOS: Home Manager works here with the Nix that is installed, and it follows your nixpkgs channel.
        </p>
      ) : null}
      {status && showWizard && notNixOS === null ? (
        <div onClickCapture={(e) => (e.target as HTMLElement).closest('[data-testid="setup-finish"]') && setWizardDone(true)}>
          <SetupWizard status={status} />
        </div>
      ) : null}
      {status && !showWizard ? (
        <>
          <Tabs id="home-manager" label="Home Manager" tabs={tabs.map((t) => ({ ...t, testId: `home-tab-${t.key}` }))} selected={current.key} onSelect={(key) => go('home-manager', key)} />
          <TabPanel id="home-manager" selected={current.key}>
            <current.Tab />
          </TabPanel>
        </>
      ) : null}
    </div>
  );
}
