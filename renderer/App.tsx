import { lazy, Suspense, useEffect, useState, type ComponentType } from 'react';
import { Icon, Logo, type IconName } from './components/Icon';
import { onConnection } from './lib/bridge';
import { ConfirmPage, DesktopSettingsButton, NoTrayNotice, QuickActionsButton, RoutedJob, useConfirmRoute } from './pages/confirm';
import { HomePage } from './pages/home/HomePage';
import { FirstRunButton } from './pages/first-run/FirstRunGuide';
import { SafeSwitchBanner } from './pages/system/SafeSwitchBanner';
import './shell.css';
import { useNavigation, type Area } from './stores/navigation';

// Every area but Home is its own chunk, loaded when first opened: the first paint does not wait for the
// editor (CodeMirror), Markdown or the virtual lists of pages nobody opened yet.
const InstallPage = lazy(() => import('./pages/install').then((m) => ({ default: m.InstallPage })));
const SystemPage = lazy(() => import('./pages/system').then((m) => ({ default: m.SystemPage })));
const HomeManagerPage = lazy(() => import('./pages/home-manager').then((m) => ({ default: m.HomeManagerPage })));
const SearchPage = lazy(() => import('./pages/search').then((m) => ({ default: m.SearchPage })));
const LearnPage = lazy(() => import('./pages/learn').then((m) => ({ default: m.LearnPage })));

function PageLoading() {
  return (
    <div className="page" aria-busy="true">
      <p className="muted" role="status">
        Loading…
      </p>
    </div>
  );
}

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
        <FirstRunButton />
        <QuickActionsButton />
        <DesktopSettingsButton />
        <ConnectionState />
      </nav>
      <main className="main">
        <NoTrayNotice />
        <RoutedJob />
        <Suspense fallback={<PageLoading />}>
          <Page />
        </Suspense>
      </main>
      <SafeSwitchBanner />
    </div>
  );
}
