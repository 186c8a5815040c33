import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TrayEntry, TrayMenu } from '../../shared/contract/desktop';
import type { RpcResponse } from '../../electron/rpc/router';
import { tempDir } from '../helpers/app';
import { createElectronStandIn, type StandIn } from './electron-standin';

/**
 * The Electron shell as `electron .` starts it: electron/main.ts is imported and runs its top-level
 * start-up (with electron/shell/*, the real router and services) against the stand-in `electron`
 * module in ./electron-standin.ts, which follows Electron 39's API (no Electron binary can run here;
 * tests/electron/smoke.spec.ts drives the real one where it exists). The host is a fixture NixOS host
 * made with real nix (three system generations), so the tray menu and the confirmations are real.
 *
 * Only what the shell itself does is checked: the IPC sender check, the tray menu and its clicks,
 * the single-instance lock, close-to-tray and quitting, and the refusal of navigation and new windows.
 */

/** tests/fixtures/make-host.mjs, typed for what this test uses (the fixture ships no declarations) */
const { makeHost, nixConfig } = (await import(new URL('../fixtures/make-host.mjs', import.meta.url).href)) as {
  makeHost(dir: string, opts: { generations?: number }): Promise<{ dir: string; hostFile: string; host: { systemProfile: string; configDir: string } }>;
  nixConfig: string;
};

const CALL = 'companion:call';
const EVENTS = 'companion:event';
const APP_ENTRY = 'app://companion/index.html';

let hostFile: string;
let host: { systemProfile: string; configDir: string };

beforeAll(async () => {
  const made = await makeHost(path.join(tempDir('nc-shell-'), 'host'), { generations: 3 });
  hostFile = made.hostFile;
  host = made.host;
}, 180_000);

type Control = StandIn['control'];
type Win = ReturnType<Control['windows']>[number];

let running: Control | null = null;
/** the stand-in `electron` module the running shell imported */
let electron: StandIn['electron'];

/**
 * Starts the shell in a fresh module registry with a fresh stand-in: `desktop` says whether the
 * session has a tray (KDE) or no graphical session at all; `closeToTray` is the saved setting.
 */
async function startShell(opts: { closeToTray?: boolean; desktop?: 'kde' | 'none'; lockHeldByAnotherInstance?: boolean } = {}) {
  mkdirSync(host.configDir, { recursive: true });
  writeFileSync(path.join(host.configDir, 'desktop.json'), JSON.stringify({ closeToTray: opts.closeToTray ?? false }));
  vi.stubEnv('NIXOS_COMPANION_HOST', hostFile);
  vi.stubEnv('NIXOS_COMPANION_SERVE', undefined);
  vi.stubEnv('WAYLAND_DISPLAY', undefined);
  if ((opts.desktop ?? 'kde') === 'kde') {
    vi.stubEnv('DISPLAY', ':0');
    vi.stubEnv('XDG_CURRENT_DESKTOP', 'KDE');
  } else {
    vi.stubEnv('DISPLAY', undefined);
    vi.stubEnv('XDG_CURRENT_DESKTOP', undefined);
  }

  const standIn = createElectronStandIn({ lockHeldByAnotherInstance: opts.lockHeldByAnotherInstance });
  const control = standIn.control;
  electron = standIn.electron;
  vi.resetModules();
  vi.doMock('electron', () => electron);
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  // the main script runs to its first await, then Electron reports ready
  const main = await import('../../electron/main');
  control.emitReady();
  await main.shellStarted;
  running = control;
  if (control.state.exitCode !== null) throw new Error(`The shell failed to start: ${errors.mock.calls.map((c) => c.join(' ')).join('\n')}`);
  errors.mockRestore();
  return control;
}

afterEach(() => {
  // quit as the desktop session would, so the app's watchers close
  if (running && !running.state.quit) {
    for (const w of running.windows()) w.destroy();
    running.quit();
  }
  running = null;
  vi.doUnmock('electron');
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** A call through the one IPC channel, as the preload's `companion.call` makes it. */
const call = (control: Control, from: { webContents: Win['webContents']; frame?: ReturnType<Control['addSubframe']> }, method: string, params: unknown = {}) =>
  control.invoke(from, CALL, method, params) as Promise<RpcResponse>;

async function result<T>(response: Promise<RpcResponse>): Promise<T> {
  const r = await response;
  if (!r.ok) throw new Error(`call failed: ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const refused = { ok: false, error: { code: 'refused', message: expect.stringContaining('did not come from the app’s own window') } };

function mainWindow(control: Control): Win {
  const main = control.windows().find((w) => !w.options.alwaysOnTop);
  if (!main) throw new Error('no main window');
  return main;
}

/** the one window that appeared after `before` was taken */
function newWindow(control: Control, before: Win[]): Win {
  const added = control.windows().filter((w) => !before.includes(w));
  expect(added).toHaveLength(1);
  return added[0]!;
}

describe('IPC: only the app’s own windows, in their main frame on the app origin, are answered', () => {
  it('answers the main window and refuses every other sender', async () => {
    const control = await startShell();
    const main = mainWindow(control);
    expect(main.webContents.getURL()).toBe(APP_ENTRY);

    const ok = await call(control, { webContents: main.webContents }, 'desktop.capabilities');
    expect(ok).toEqual({ ok: true, result: { shell: 'electron', tray: true, trayReason: null, notifications: true } });

    // an <iframe> inside the app's window: a foreign page, and even one on the app's own origin
    const foreignFrame = control.addSubframe(main.webContents, 'https://evil.example/');
    expect(await call(control, { webContents: main.webContents, frame: foreignFrame }, 'desktop.capabilities')).toEqual(refused);
    const ownOriginFrame = control.addSubframe(main.webContents, `${APP_ENTRY}#/system`);
    expect(await call(control, { webContents: main.webContents, frame: ownOriginFrame }, 'desktop.capabilities')).toEqual(refused);

    // a web contents the shell did not make, showing the app's page
    const stranger = new electron.BrowserWindow({ show: false });
    await stranger.loadURL(APP_ENTRY);
    expect(await call(control, { webContents: stranger.webContents }, 'desktop.capabilities')).toEqual(refused);

    // a message from the page's previous document arrives after it was replaced: its frame is gone
    const before = main.webContents.mainFrame;
    control.commit(main.webContents, `${APP_ENTRY}?reloaded`);
    expect(await call(control, { webContents: main.webContents, frame: before }, 'desktop.capabilities')).toEqual(refused);
    expect((await call(control, { webContents: main.webContents }, 'desktop.capabilities')).ok).toBe(true);

    // the main window's main frame showing something that only looks like the app
    for (const lookalike of ['app://companion.evil/index.html', 'app://companion:8080/index.html', 'https://companion/index.html']) {
      control.commit(main.webContents, lookalike);
      expect(await call(control, { webContents: main.webContents }, 'desktop.capabilities'), lookalike).toEqual(refused);
    }
  });

  it('pushes events to its own windows only', async () => {
    const control = await startShell();
    const main = mainWindow(control);
    const stranger = new electron.BrowserWindow({ show: false });
    await stranger.loadURL(APP_ENTRY);
    await result(call(control, { webContents: main.webContents }, 'desktop.settings.set', { closeToTray: true }));
    expect(control.sentTo(main.webContents)).toContainEqual({ channel: EVENTS, args: [expect.objectContaining({ topic: 'changed', what: 'settings' })] });
    expect(control.sentTo(stranger.webContents)).toEqual([]);
  });
});

/** The menu as the tray model describes it, in the shape Electron's MenuItems have. */
function expectedItems(entries: TrayEntry[]): unknown[] {
  return entries.map((e) => {
    if (e.type === 'separator') return { type: 'separator' };
    if (e.type === 'submenu') return { id: e.id, label: e.label, enabled: e.enabled, type: 'submenu', items: expectedItems(e.items) };
    return { id: e.id, label: e.label, enabled: e.enabled, type: e.checked === undefined ? 'normal' : 'checkbox', checked: e.checked ?? false };
  });
}

type MenuLike = { items: { id?: string; label: string; enabled: boolean; type: string; checked: boolean; submenu?: MenuLike }[] };
function renderedItems(menu: MenuLike): unknown[] {
  return menu.items.map((i) => {
    if (i.type === 'separator') return { type: 'separator' };
    if (i.type === 'submenu') return { id: i.id, label: i.label, enabled: i.enabled, type: 'submenu', items: renderedItems(i.submenu!) };
    return { id: i.id, label: i.label, enabled: i.enabled, type: i.type, checked: i.checked };
  });
}

describe('tray', () => {
  it('shows the tray model, and follows the profile when it changes', async () => {
    const control = await startShell();
    const main = mainWindow(control);
    const tray = control.tray();
    expect(tray).not.toBeNull();
    const model = await result<TrayMenu>(call(control, { webContents: main.webContents }, 'tray.menu'));
    // the model is the real one for this host: generation 3 of 3, rollback to 2
    expect(model.items).toContainEqual(expect.objectContaining({ id: 'system-current', label: expect.stringMatching(/^System: generation 3 /) }));
    expect(model.items).toContainEqual(expect.objectContaining({ id: 'system-rollback', label: expect.stringMatching(/^Roll back to 2 /), enabled: true }));
    expect(tray!.toolTip).toBe(model.tooltip);
    expect(renderedItems(tray!.contextMenu!)).toEqual(expectedItems(model.items));

    // someone switches the profile outside the app: the tray catches up by itself
    const nixEnv = (generation: number) =>
      execFileSync('nix-env', ['-p', host.systemProfile, '--switch-generation', String(generation)], { env: { ...process.env, NIX_CONFIG: nixConfig }, stdio: 'pipe' });
    nixEnv(2);
    try {
      await vi.waitFor(() => expect(tray!.contextMenu!.getMenuItemById('system-current')?.label).toMatch(/^System: generation 2 /), { timeout: 10_000, interval: 100 });
      const moved = await result<TrayMenu>(call(control, { webContents: main.webContents }, 'tray.menu'));
      expect(renderedItems(tray!.contextMenu!)).toEqual(expectedItems(moved.items));
      expect(tray!.toolTip).toBe(moved.tooltip);
    } finally {
      nixEnv(3);
    }
  });

  it('its items ask for the same confirmations as the window’s buttons, in a window of the app that may call it', async () => {
    const control = await startShell();
    const main = mainWindow(control);

    const describeFrom = async (win: Win, id: string) => {
      const c = await result<{ id: string } & Record<string, unknown>>(call(control, { webContents: win.webContents }, 'desktop.confirmation.get', { id }));
      const { id: _id, ...rest } = c;
      return rest;
    };
    const fromTray = async (itemId: string) => {
      const before = control.windows();
      control.clickTrayMenuItem(itemId);
      const win = newWindow(control, before);
      await vi.waitFor(() => expect(win.webContents.getURL()).toMatch(/#\/confirm\//));
      const m = /^app:\/\/companion\/index\.html#\/confirm\/([0-9a-f-]{36})\?window=1$/.exec(win.webContents.getURL());
      expect(m, win.webContents.getURL()).not.toBeNull();
      return { win, description: await describeFrom(win, m![1]!) };
    };
    const fromWindow = async (action: unknown) => {
      const { confirmationId } = await result<{ confirmationId: string }>(call(control, { webContents: main.webContents }, 'desktop.action.request', { action }));
      return describeFrom(main, confirmationId);
    };

    const rollback = await fromTray('system-rollback');
    expect(rollback.description).toMatchObject({ action: { kind: 'rollback', profile: 'system', target: 2, expectedCurrent: 3 }, method: 'system.rollback', from: { generation: 3 }, to: { generation: 2 } });
    expect(rollback.description).toEqual(await fromWindow({ kind: 'rollback', profile: 'system', target: 2, expectedCurrent: 3 }));
    expect(rollback.win.options).toMatchObject({ alwaysOnTop: true, webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false } });

    const switchTo1 = await fromTray('system-generation-1');
    expect(switchTo1.description).toMatchObject({ action: { kind: 'switch', profile: 'system', generation: 1, expectedCurrent: 3 }, method: 'system.switchGeneration' });
    expect(switchTo1.description).toEqual(await fromWindow({ kind: 'switch', profile: 'system', generation: 1, expectedCurrent: 3 }));

    const rebuild = await fromTray('rebuild');
    expect(rebuild.description).toMatchObject({ action: { kind: 'rebuild' }, method: 'system.rebuild' });
    expect(rebuild.description).toEqual(await fromWindow({ kind: 'rebuild' }));

    // a closed confirmation window is no longer one of the app's windows
    const { webContents } = rollback.win;
    const frame = webContents.mainFrame;
    control.closeButton(rollback.win);
    expect(rollback.win.isDestroyed()).toBe(true);
    await expect(call(control, { webContents, frame }, 'desktop.capabilities')).rejects.toThrow(/gone/);
  });

  it('"Open" and a click on the icon bring the window back', async () => {
    const control = await startShell({ closeToTray: true });
    const main = mainWindow(control);
    main.hide();
    control.clickTrayMenuItem('open');
    expect({ visible: main.isVisible(), focused: main.isFocused() }).toEqual({ visible: true, focused: true });
    main.minimize();
    control.clickTrayIcon();
    expect({ visible: main.isVisible(), minimized: main.isMinimized(), focused: main.isFocused() }).toEqual({ visible: true, minimized: false, focused: true });
  });
});

describe('single instance', () => {
  it('a second launch brings back the first window, hidden or minimized, and opens no other', async () => {
    const control = await startShell({ closeToTray: true });
    const main = mainWindow(control);
    const count = control.windows().length;

    main.hide();
    control.launchSecondInstance(['/usr/bin/nixos-companion']);
    expect({ visible: main.isVisible(), focused: main.isFocused() }).toEqual({ visible: true, focused: true });

    main.minimize();
    control.launchSecondInstance(['/usr/bin/nixos-companion']);
    expect({ visible: main.isVisible(), minimized: main.isMinimized(), focused: main.isFocused() }).toEqual({ visible: true, minimized: false, focused: true });
    expect(control.windows()).toHaveLength(count);
  });

  it('the second launch itself quits at once: no window, no tray, no IPC', async () => {
    const control = await startShell({ lockHeldByAnotherInstance: true });
    expect(control.state).toMatchObject({ lockRequested: true, quit: true, exitCode: null });
    expect(control.windows()).toEqual([]);
    expect(control.trays()).toEqual([]);
    expect(control.ipcChannels()).toEqual([]);
  });
});

describe('closing the window', () => {
  it('with close to tray: hides it; with the setting turned off: closes it and the app lives on in the tray', async () => {
    const control = await startShell({ closeToTray: true });
    const main = mainWindow(control);
    control.closeButton(main);
    expect({ destroyed: main.isDestroyed(), visible: main.isVisible() }).toEqual({ destroyed: false, visible: false });
    expect(control.state.quit).toBe(false);

    control.clickTrayMenuItem('open');
    expect(main.isVisible()).toBe(true);
    await result(call(control, { webContents: main.webContents }, 'desktop.settings.set', { closeToTray: false }));
    // the setting reaches the shell through the settings event
    await vi.waitFor(() => {
      if (!main.isDestroyed()) control.closeButton(main);
      expect(main.isDestroyed()).toBe(true);
    });
    expect(control.state.quit).toBe(false);
    expect(control.tray()).not.toBeNull();

    // the tray's "Open" and a second launch open a new window then
    control.clickTrayMenuItem('open');
    await vi.waitFor(() => expect(control.windows().filter((w) => !w.isDestroyed() && w.isVisible())).toHaveLength(1));
    const reopened = mainWindow(control);
    expect(reopened).not.toBe(main);
    control.closeButton(reopened);
    expect(reopened.isDestroyed()).toBe(true);
    control.launchSecondInstance(['/usr/bin/nixos-companion']);
    await vi.waitFor(() => expect(control.windows().filter((w) => !w.isDestroyed() && w.isVisible())).toHaveLength(1));
  });

  it('"Quit" in the tray quits even with close to tray: the window closes, the tray goes', async () => {
    const control = await startShell({ closeToTray: true });
    const main = mainWindow(control);
    control.clickTrayMenuItem('quit');
    expect(control.state.quit).toBe(true);
    expect(main.isDestroyed()).toBe(true);
    expect(control.trays().every((t) => t.isDestroyed())).toBe(true);
  });

  it('a quit from the desktop session (logout) is not stopped by close to tray', async () => {
    const control = await startShell({ closeToTray: true });
    const main = mainWindow(control);
    control.quit();
    expect(control.state.quit).toBe(true);
    expect(main.isDestroyed()).toBe(true);
  });

  it('without a tray, close to tray cannot hide the window: closing it quits the app', async () => {
    const control = await startShell({ closeToTray: true, desktop: 'none' });
    const main = mainWindow(control);
    expect(control.trays()).toEqual([]);
    const caps = await result<{ tray: boolean; trayReason: string | null }>(call(control, { webContents: main.webContents }, 'desktop.capabilities'));
    expect(caps).toMatchObject({ tray: false, trayReason: expect.stringMatching(/no graphical session/) });
    control.closeButton(main);
    expect(main.isDestroyed()).toBe(true);
    expect(control.state.quit).toBe(true);
  });
});

describe('navigation and new windows', () => {
  it('a page can neither navigate away nor open windows, in any window; links go out only through the allow-list', async () => {
    const control = await startShell();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const main = mainWindow(control);
    const before = control.windows();
    control.clickTrayMenuItem('rebuild');
    const confirm = newWindow(control, before);
    await vi.waitFor(() => expect(confirm.webContents.getURL()).toMatch(/#\/confirm\//));

    for (const win of [main, confirm]) {
      const wc = win.webContents;
      const page = wc.getURL();
      const windowsBefore = control.windows().length;
      const allowed = `https://nixos.org/manual/nixos/stable/?from=${win.id}`;
      const wiki = `https://wiki.nixos.org/wiki/Flakes?from=${win.id}`;
      const foreign = `https://evil.example/phish?from=${win.id}`;
      const foreignPopup = `https://evil.example/popup?from=${win.id}`;

      expect(control.navigate(wc, foreign)).toBe(false);
      expect(control.navigate(wc, allowed)).toBe(false);
      expect(control.navigate(wc, 'app://companion/other.html')).toBe(false);
      expect(control.navigate(wc, 'file:///etc/passwd')).toBe(false);
      expect(wc.getURL()).toBe(page);

      expect(control.openWindow(wc, foreignPopup)).toBeNull();
      expect(control.openWindow(wc, wiki, 'foreground-tab')).toBeNull();
      expect(control.openWindow(wc, APP_ENTRY)).toBeNull();
      expect(control.windows()).toHaveLength(windowsBefore);
      expect(control.attachWebview(wc)).toBe(false);

      // the allowed ones reach the system browser; the others are refused by the allow-list, and said so
      await vi.waitFor(() => expect(control.openedExternally).toEqual(expect.arrayContaining([allowed, wiki])));
      await vi.waitFor(() => {
        const warned = warn.mock.calls.map((c) => String(c[0]));
        expect(warned).toEqual(expect.arrayContaining([expect.stringContaining(foreign), expect.stringContaining(foreignPopup)]));
      });
    }
    expect(control.openedExternally.filter((u) => !/^https:\/\/(nixos\.org|wiki\.nixos\.org)\//.test(u))).toEqual([]);
  });

  it('the session denies every permission and download, and gives the app’s pages a strict CSP', async () => {
    const control = await startShell();
    const { webContents } = mainWindow(control);
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      expect(await control.requestPermission(webContents, permission), permission).toBe(false);
      expect(control.checkPermission(webContents, permission), permission).toBe(false);
    }
    expect(control.download(webContents, 'https://nixos.org/x.iso')).toBe(false);
    const headers = await control.responseHeaders(APP_ENTRY, { 'content-type': ['text/html'] });
    expect(headers).toMatchObject({ 'Content-Security-Policy': [expect.stringMatching(/default-src 'none'; script-src 'self'/)] });
    expect(await control.responseHeaders('https://nixos.org/', { 'content-type': ['text/html'] })).toEqual({ 'content-type': ['text/html'] });
    expect(control.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
  });
});
