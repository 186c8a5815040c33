import { lazy, useEffect, type ComponentType } from 'react';
import type { IconName } from '../../components/Icon';
import { PageHeader, TabPanel, Tabs } from '../../components/ui';
import { useNavigation } from '../../stores/navigation';
import { useSystem } from '../../stores/system';
import { GenerationsTab } from './GenerationsTab';
import { RebuildTab } from './RebuildTab';
import { ChannelsTab } from './ChannelsTab';
import { CleanupTab } from './CleanupTab';
import { RestartBanner } from './RestartBanner';
import { NotNixOSNotice } from '../first-run/NotNixOSNotice';
import { UpdateReadyCard } from '../../components/UpdateReady';

// the editor (CodeMirror) loads with its tab, not with the page
const ConfigTab = lazy(() => import('./ConfigTab').then((m) => ({ default: m.ConfigTab })));

/** The System page: one tab per task, each in its own file. The tab is the first path segment: #/system/<tab>. */
const tabs: { key: string; label: string; icon: IconName; Tab: ComponentType }[] = [
  { key: 'generations', label: 'Generations', icon: 'history', Tab: GenerationsTab },
  { key: 'rebuild', label: 'Rebuild', icon: 'play', Tab: RebuildTab },
  { key: 'config', label: 'Configuration', icon: 'terminal', Tab: ConfigTab },
  { key: 'channels', label: 'Channels', icon: 'refresh', Tab: ChannelsTab },
  { key: 'cleanup', label: 'Clean up', icon: 'disk', Tab: CleanupTab },
];

export function SystemPage() {
  const { path, go } = useNavigation();
  const current = tabs.find((t) => t.key === path.split('/')[0]) ?? tabs[0]!;
  const restart = useSystem((s) => s.status?.restart);
  const notNixOS = useSystem((s) => (s.status?.isNixOS === false ? s.status.osName : null));
  useEffect(() => {
    void useSystem.getState().loadStatus();
  }, []);
  return (
    <div className="page" data-testid="page-system">
      <PageHeader title="System" subtitle="Your NixOS generations, rebuilds, rollbacks and configuration." />
      {/* not NixOS: one sentence says why these tabs show nothing of this computer, and where to start */}
      {notNixOS !== null ? <NotNixOSNotice area="System" osName={notNixOS} /> : null}
      <RestartBanner restart={restart} />
      <UpdateReadyCard />
      <Tabs id="system" label="System" tabs={tabs} selected={current.key} onSelect={(key) => go('system', key)} />
      <TabPanel id="system" selected={current.key}>
        <current.Tab />
      </TabPanel>
    </div>
  );
}
