import { useEffect, useState, type ComponentType } from 'react';
import { Icon, Logo, type IconName } from './components/Icon';
import { onConnection } from './lib/bridge';
import { ConfirmPage, DesktopSettingsButton, NoTrayNotice, QuickActionsButton, RoutedJob, useConfirmRoute } from './pages/confirm';
import { HomePage } from './pages/home/HomePage';
import { HomeManagerPage } from './pages/home-manager';
import { InstallPage } from './pages/install';
import { LearnPage } from './pages/learn';
import { SearchPage } from './pages/search';
import { SystemPage } from './pages/system';
import { SafeSwitchBanner } from './pages/system/SafeSwitchBanner';
import { useNavigation, type Area } from './stores/navigation';

/** The navigation: one entry per area, each with its page. Areas replace their placeholder when they are built. */
const nav: { area: Area; label: string; icon: IconName; page: ComponentType }[] = [
  { area: 'home', label: 'Home', icon: 'home', page: HomePage },
  { area: 'install', label: 'Install media', icon: 'usb', page: InstallPage },
  { area: 'system', label: 'System', icon: 'system', page: SystemPage },
  { area: 'home-manager', label: 'Home Manager', icon: 'user', page: HomeManagerPage },
  { area: 'search', label: 'Search', icon: 'search', page: SearchPage },
  { area: 'learn', label: 'Learn', icon: 'book', page: LearnPage },
];

function ConnectionState() {
  const [state, setState] = useState<'open' | 'closed' | 'unknown'>('unknown');
  useEffect(() => onConnection(setState), []);
  if (window.companion) return null;
  return (
    <div className="nav-footer" title="The window talks to the app’s background service">
      <i className={`dot ${state === 'closed' ? 'off' : ''}`} />
      <span>{state === 'closed' ? 'Reconnecting…' : 'Connected'}</span>
    </div>
  );
}

export function App() {
  const { area, go } = useNavigation();
  const Page = nav.find((n) => n.area === area)?.page ?? HomePage;
  const confirm = useConfirmRoute();
  if (confirm) return <ConfirmPage id={confirm.id} inWindow={confirm.inWindow} onClose={() => go('home')} />;
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <Logo />
          <div className="brand-text">
            <div className="brand-name">NixOS Companion</div>
            <div className="brand-sub">Declarative, made friendly</div>
          </div>
        </div>
        {nav.map((n) => (
          <button key={n.area} className="nav-item" aria-current={n.area === area ? 'page' : undefined} onClick={() => go(n.area)} title={n.label}>
            <Icon name={n.icon} />
            <span>{n.label}</span>
          </button>
        ))}
        <div className="nav-spacer" />
        <QuickActionsButton />
        <DesktopSettingsButton />
        <ConnectionState />
      </nav>
      <main className="main">
        <NoTrayNotice />
        <RoutedJob />
        <Page />
      </main>
      <SafeSwitchBanner />
    </div>
  );
}
