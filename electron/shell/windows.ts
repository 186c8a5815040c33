import { BrowserWindow, screen } from 'electron';
import type { Host } from '../host';
import { APP_ENTRY } from '../services/desktop/app-origin';
import { loadWindowBounds, saveWindowBounds, visibleBounds } from '../services/desktop/settings';

type WindowOptions = Omit<Electron.BrowserWindowConstructorOptions, 'webPreferences'>;

/** Every window of the app is made here, with the same locked-down preferences (written out, so Electronegativity can check them). */
function secureWindow(options: WindowOptions, preload: string): BrowserWindow {
  return new BrowserWindow({
    ...options,
    webPreferences: {
      preload, // eng-disable PRELOAD_JS_CHECK -- the preload exposes only call and on over one checked IPC channel (electron/preload.ts)
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
}

export async function createMainWindow(opts: { host: Host; preload: string; icon: string; show: boolean }): Promise<BrowserWindow> {
  const saved = visibleBounds(await loadWindowBounds(opts.host), screen.getAllDisplays().map((d) => d.workArea));
  const win = secureWindow(
    {
      width: saved?.width ?? 1280,
      height: saved?.height ?? 820,
      ...(saved ? { x: saved.x, y: saved.y } : {}),
      minWidth: 900,
      minHeight: 600,
      show: false,
      title: 'NixOS Companion',
      icon: opts.icon,
      backgroundColor: '#00000000',
      autoHideMenuBar: true,
    },
    opts.preload,
  );
  if (saved?.maximized) win.maximize();
  win.once('ready-to-show', () => {
    if (opts.show) win.show();
  });

  let timer: NodeJS.Timeout | undefined;
  const remember = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (win.isDestroyed()) return;
      const b = win.getNormalBounds();
      void saveWindowBounds(opts.host, { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
    }, 500);
  };
  for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(e as 'resize', remember);

  await win.loadURL(APP_ENTRY);
  return win;
}

/** The small window a tray action opens: the confirmation page with the diff. */
export function openConfirmationWindow(opts: { preload: string; icon: string; confirmationId: string; parent: BrowserWindow | null }): BrowserWindow {
  const win = secureWindow(
    {
      width: 620,
      height: 640,
      minWidth: 480,
      minHeight: 420,
      title: 'Confirm – NixOS Companion',
      icon: opts.icon,
      autoHideMenuBar: true,
      alwaysOnTop: true,
      show: false,
    },
    opts.preload,
  );
  win.once('ready-to-show', () => {
    win.show();
    win.focus();
  });
  void win.loadURL(`${APP_ENTRY}#/confirm/${encodeURIComponent(opts.confirmationId)}?window=1`);
  return win;
}
