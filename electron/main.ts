/**
 * The Electron shell: lifecycle, single-instance lock, windows, tray and notifications. Thin on
 * purpose: everything it shows comes from the router and the desktop service (plain Node, tested);
 * only this file and electron/shell/ import 'electron'.
 */
import { BrowserWindow, app, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrayAction } from '../shared/contract/desktop';
import { createApp, type CompanionApp } from './app';
import { loadHost } from './host';
import { appRoot, builtRendererDir } from './paths';
import { startLoopback } from './rpc/loopback';
import { APP_ENTRY } from './services/desktop/app-origin';
import { HIDDEN_FLAG } from './services/desktop/autostart';
import { desktopOf } from './services/desktop/desktop';
import { connectExternalOpener, openLinkFromPage } from './services/desktop/external';
import { packagedHelperCommand } from './services/desktop/helper-path';
import { electronLaunchCommand, setLaunchCommand } from './services/desktop/launch';
import { readDesktopSettings } from './services/desktop/settings';
import { detectTraySupport } from './services/desktop/tray-support';
import { setImagePicker } from './services/installer/pick-image';
import { imagePicker } from './shell/file-dialog';
import { registerIpc } from './shell/ipc';
import { showJobNotification } from './shell/notify';
import { registerAppScheme, serveRenderer } from './shell/protocol';
import { guardAllWebContents, hardenSession } from './shell/security';
import { TrayIcon } from './shell/tray';
import { createMainWindow, openConfirmationWindow } from './shell/windows';

const argv = process.argv.slice(1);
const startHidden = argv.includes(HIDDEN_FLAG);
/** the loopback transport runs in the packaged app only when asked */
const serveToo = argv.includes('--serve') || process.env.NIXOS_COMPANION_SERVE === '1';

const preloadPath = path.join(appRoot(), 'dist/electron/preload.cjs');
const iconPath = (size: number) => path.join(appRoot(), `build/icons/${size}x${size}.png`);

registerAppScheme();
guardAllWebContents((url) => {
  if (companion) void openLinkFromPage(companion.ctx, url).then((r) => !r.opened && console.warn(`[links] not opened (${r.reason}): ${url.slice(0, 200)}`));
});

let companion: CompanionApp | null = null;
let mainWindow: BrowserWindow | null = null;
const confirmWindows = new Set<BrowserWindow>();
let tray: TrayIcon | null = null;
let closeToTray = false;
let quitting = false;

/** Set once the app is ready: opens the main window (again, after it was closed while the app lived on in the tray). */
let openMainWindow: ((show: boolean) => Promise<BrowserWindow>) | null = null;

async function showMain(route?: string) {
  if (!mainWindow || mainWindow.isDestroyed()) {
    if (!openMainWindow) return;
    mainWindow = await openMainWindow(true);
  }
  if (route) void mainWindow.loadURL(`${APP_ENTRY}${route}`);
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function onTrayAction(action: TrayAction) {
  switch (action.kind) {
    case 'open':
      void showMain();
      return;
    case 'quit':
      quitting = true;
      app.quit();
      return;
    default:
      try {
        desktopOf(companion!.ctx).requestAction(action, 'tray');
      } catch (err) {
        console.error('[tray]', err);
      }
  }
}
function startTray() {
  const support = detectTraySupport({ platform: process.platform, env: process.env, home: os.homedir(), exists: existsSync });
  if (support.available) {
    try {
      tray = new TrayIcon(iconPath(32), onTrayAction);
    } catch (err) {
      console.error('[tray] could not be created:', err);
      return { available: false, reason: 'The desktop did not accept a tray icon. The tray’s quick actions are in this window instead.' };
    }
  }
  return support;
}

async function refreshTray() {
  if (!tray || !companion) return;
  const res = await companion.router.call('tray.menu', {});
  if (res.ok) tray.render(res.result as Parameters<TrayIcon['render']>[0]);
}

async function main() {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => void showMain());
  await app.whenReady();

  const host = loadHost();
  host.helperCommand = packagedHelperCommand({ configured: host.helperCommand, isPackaged: app.isPackaged, env: process.env, exists: existsSync });

  hardenSession(session.defaultSession);
  serveRenderer(builtRendererDir());
  companion = await createApp(host);
  setLaunchCommand(companion.ctx, electronLaunchCommand({ execPath: process.execPath, appPath: app.getAppPath(), isPackaged: app.isPackaged, env: process.env }));
  const { ctx, router } = companion;
  connectExternalOpener(ctx, (url) => shell.openExternal(url)); // eng-disable OPEN_EXTERNAL_JS_CHECK -- only URLs that passed Learn's allow-list reach this (services/learn/open-external.ts: https to known sites, or a package's own homepage)
  setImagePicker(ctx, imagePicker(() => mainWindow));
  closeToTray = (await readDesktopSettings(host)).closeToTray;

  const support = startTray();
  openMainWindow = async (show) => {
    const win = await createMainWindow({ host, preload: preloadPath, icon: iconPath(256), show });
    win.on('close', (event) => {
      if (!quitting && closeToTray && tray) {
        event.preventDefault();
        win.hide();
      }
    });
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    return win;
  };
  mainWindow = await openMainWindow(!(startHidden && tray));
  registerIpc(router, ctx.events, () => [mainWindow, ...confirmWindows].filter((w): w is BrowserWindow => !!w && !w.isDestroyed()));

  desktopOf(ctx).attachShell({
    tray: { available: tray !== null, reason: tray ? null : support.reason },
    isWindowFocused: () => !!mainWindow && !mainWindow.isDestroyed() && mainWindow.isFocused(),
    notify: (notice) => showJobNotification(notice, iconPath(256), (route) => void showMain(route)),
    showConfirmation: (id) => {
      const win = openConfirmationWindow({ preload: preloadPath, icon: iconPath(256), confirmationId: id, parent: mainWindow });
      confirmWindows.add(win);
      win.on('closed', () => {
        confirmWindows.delete(win);
        desktopOf(ctx).confirmationWindowClosed(id);
      });
    },
  });

  let pending: NodeJS.Timeout | undefined;
  ctx.events.on((e) => {
    if (e.topic === 'changed' && e.what === 'settings') void readDesktopSettings(host).then((s) => (closeToTray = s.closeToTray));
    const affectsMenu = (e.topic === 'changed' && (e.what === 'system-profile' || e.what === 'home-profile' || e.what === 'updates')) || (e.topic === 'job' && e.kind !== 'log' && e.kind !== 'progress');
    if (!affectsMenu) return;
    clearTimeout(pending);
    pending = setTimeout(() => void refreshTray(), 200);
  });
  await refreshTray();

  if (serveToo) {
    const server = await startLoopback({ router, events: ctx.events, rendererDir: builtRendererDir() });
    process.stdout.write(`${JSON.stringify({ url: server.url, token: server.token })}\n`);
    app.on('will-quit', () => void server.close());
  }

  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('window-all-closed', () => {
    // With a tray the app lives on in it; without one, closing the window ends the app.
    if (!tray) app.quit();
  });
  app.on('will-quit', () => {
    tray?.destroy();
    void companion?.dispose();
  });
}

/** Settles once startup has finished, quit at the single-instance lock, or exited on an error (tests/electron-shell waits on it). */
export const shellStarted: Promise<void> = main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  app.exit(1);
});
