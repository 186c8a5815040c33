/**
 * A STAND-IN for the `electron` module, for testing the Electron shell (electron/main.ts and
 * electron/shell/*) on machines where no Electron binary can run (it cannot be downloaded here).
 * The real binary is exercised by tests/electron/smoke.spec.ts where one exists.
 *
 * It follows Electron 39 (39.8.10, the version in package.json), for exactly the pieces the shell
 * uses, as node_modules/electron/electron.d.ts and the API docs (electronjs.org/docs/api: app,
 * browser-window, web-contents, web-frame-main, ipc-main, structures/ipc-main-invoke-event, tray, menu,
 * menu-item, protocol, session, shell, notification, screen, native-image) describe them, and the
 * order of quitting in Electron's shell/browser/browser.cc and lib/browser/init.ts. The signatures
 * of the stand-in classes are checked against electron.d.ts with `implements Pick<...>` below.
 *
 * What it keeps from Electron:
 * - app: `requestSingleInstanceLock()` is false when another instance holds the lock; `whenReady()`
 *   resolves when the world says Electron finished starting (`control.emitReady()`), never before the
 *   main script ran; 'second-instance' (event, argv, workingDirectory, additionalData) only after ready.
 *   `quit()`: 'before-quit' (preventable), then every window is asked to close (a prevented 'close'
 *   cancels the quit), then 'will-quit' (preventable) and 'quit'; 'window-all-closed' is not emitted
 *   while quitting. When the last window closes otherwise, 'window-all-closed' is emitted, and
 *   Electron's own default listener quits when nobody else listens. `exit()` closes every window
 *   without 'close', 'before-quit' or 'will-quit'.
 * - BrowserWindow, Tray, screen and session.defaultSession throw before the app is ready;
 *   protocol.registerSchemesAsPrivileged throws after it. A destroyed window throws
 *   "Object has been destroyed" on use, a destroyed tray "Tray is destroyed".
 * - `close()` emits 'close' (preventable, as the close button does), then 'closed'; `destroy()`
 *   emits only 'closed'. Creating a window emits app 'web-contents-created' then
 *   'browser-window-created'. 'ready-to-show' once, after the first load, if the window is hidden.
 * - webContents: `loadURL()` is programmatic, so it fires no 'will-navigate'; it needs a handler for a
 *   custom scheme (ERR_UNKNOWN_URL_SCHEME otherwise) and calls it with a GET `Request`. A navigation
 *   the page starts (`control.navigate`) fires 'will-navigate' (details event + the deprecated
 *   positional arguments) unless it only changes the hash; `preventDefault()` stops it.
 *   `window.open` and target=_blank (`control.openWindow`) ask the `setWindowOpenHandler` handler;
 *   without one, or with {action: 'allow'}, a new window is created.
 * - ipcMain.handle: one handler per channel ("Attempted to register a second handler"); an invoke
 *   gets an IpcMainInvokeEvent {type, sender, senderFrame, processId, frameId}; `senderFrame` is null
 *   once that frame navigated to another document or was removed; arguments and results pass
 *   through the structured clone algorithm; a throw reaches the page as
 *   "Error invoking remote method '<channel>': <error>".
 * - Menu.buildFromTemplate: an array of items that each have a label, a role or type 'separator';
 *   adjacent and edge separators are folded away; submenus arrays become Menus; items default to
 *   enabled, visible, unchecked; `item.click(event, focusedWindow, focusedWebContents)` flips a
 *   checkbox and then calls the template's click(menuItem, window, event). Disabled items cannot be
 *   clicked (the desktop's menu does not deliver them).
 * - session: with no permission handler Electron grants every permission; the shell's handlers decide.
 *
 * Where it still differs (none of it is something the shell relies on):
 * - Everything happens in this one Node process, synchronously where Electron waits for the renderer
 *   (a close does not run the page's beforeunload; a load "finishes" on the next tick).
 * - Pages are not rendered and run no script: `control.*` plays the page, the person and the
 *   desktop (an IPC call from a frame, a link click, the close button, a tray click, a second launch).
 * - Every cross-document navigation gives the main frame a new WebFrameMain (Chromium's RenderDocument
 *   behaviour); Electron may keep the old object for a same-site navigation.
 * - `show()` focuses; `restore()` only un-minimizes; `focus()` does not show a hidden window; window
 *   managers differ here.
 * - Template items are not re-sorted by before/after (the shell uses neither); no roles, accelerators,
 *   radio groups; nativeImage only records the path; a Notification is only recorded; one display
 *   of 1920x1080; no dialog, net, Menu.setApplicationMenu or other sessions (main.ts uses none).
 * - The only 'electron' import here is `import type`, for those signature checks; nothing runs it.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type * as E from 'electron';

/** Electron's main-process Event: `preventDefault()` and `defaultPrevented`. */
class StandInEvent {
  private prevented = false;
  preventDefault(): void {
    this.prevented = true;
  }
  get defaultPrevented(): boolean {
    return this.prevented;
  }
}
function newEvent<T extends object>(fields?: T): StandInEvent & T {
  return Object.assign(new StandInEvent(), fields);
}

const DESTROYED = 'Object has been destroyed';
const BUILTIN_SCHEMES = new Set(['http:', 'https:', 'file:', 'about:', 'data:', 'blob:']);

export interface StandInOptions {
  /** another instance of the app already holds the single-instance lock */
  lockHeldByAnotherInstance?: boolean;
  notificationsSupported?: boolean;
  appPath?: string;
}

export type StandIn = ReturnType<typeof createElectronStandIn>;

/** A fresh Electron world: `electron` is what `import ... from 'electron'` gives; `control` is the outside world. */
export function createElectronStandIn(options: StandInOptions = {}) {
  let ready = false;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
  let quitting = false; // Browser::is_quitting_
  let exiting = false;
  const state = { lockRequested: false, quit: false, exitCode: null as number | null };
  const windows: BrowserWindow[] = [];
  const trays: Tray[] = [];
  const notifications: Notification[] = [];
  const openedExternally: string[] = [];
  const privilegedSchemes: E.CustomScheme[] = [];
  const protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  const ipcHandlers = new Map<string, (event: E.IpcMainInvokeEvent, ...args: any[]) => unknown>();
  const sentToPages = new Map<WebContents, { channel: string; args: unknown[] }[]>();
  let nextId = 1;

  function requireReady(message: string): void {
    if (!ready) throw new Error(message);
  }

  // ---------------------------------------------------------------- app

  class App extends EventEmitter implements Pick<E.App, 'requestSingleInstanceLock' | 'whenReady' | 'isReady' | 'quit' | 'exit' | 'getAppPath' | 'isPackaged'> {
    readonly isPackaged = false;

    constructor() {
      super();
      // lib/browser/init.ts: with no listener of its own, the app quits when its last window closes
      this.on('window-all-closed', () => {
        if (this.listenerCount('window-all-closed') === 1) this.quit();
      });
    }

    requestSingleInstanceLock(_additionalData?: Record<any, any>): boolean {
      state.lockRequested = true;
      return !options.lockHeldByAnotherInstance;
    }

    whenReady(): Promise<void> {
      return readyPromise;
    }

    isReady(): boolean {
      return ready;
    }

    getAppPath(): string {
      return options.appPath ?? process.cwd();
    }

    quit(): void {
      if (quitting || state.quit) return;
      const before = newEvent();
      this.emit('before-quit', before);
      if (before.defaultPrevented) return;
      quitting = true;
      if (windows.length === 0) return notifyAndShutdown();
      for (const w of [...windows]) if (!w.isDestroyed()) w.close();
    }

    exit(exitCode = 0): void {
      state.exitCode = exitCode;
      exiting = true;
      for (const w of [...windows]) w.destroy();
      state.quit = true;
    }
  }
  const app = new App();

  function notifyAndShutdown(): void {
    if (state.quit) return;
    const willQuit = newEvent();
    app.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) {
      quitting = false;
      return;
    }
    state.quit = true;
    app.emit('quit', newEvent(), 0);
  }

  function windowClosed(win: BrowserWindow): void {
    windows.splice(windows.indexOf(win), 1);
    if (windows.length > 0) return;
    if (exiting) return;
    if (quitting) return notifyAndShutdown();
    app.emit('window-all-closed');
  }

  // ---------------------------------------------------------------- frames and web contents

  class WebFrameMain {
    readonly routingId = nextId++;
    readonly processId: number;
    readonly frames: WebFrameMain[] = [];
    detached = false;
    constructor(
      public url: string,
      readonly parent: WebFrameMain | null,
      processId: number,
    ) {
      this.processId = processId;
    }
    get top(): WebFrameMain {
      return this.parent ? this.parent.top : this;
    }
    isDestroyed(): boolean {
      return this.detached;
    }
    detach(): void {
      this.detached = true;
      for (const f of this.frames) f.detach();
    }
  }

  type OpenHandler = (details: E.HandlerDetails) => E.WindowOpenHandlerResponse;

  class WebContents extends EventEmitter implements Pick<E.WebContents, 'id' | 'loadURL' | 'getURL' | 'send' | 'setWindowOpenHandler' | 'isDestroyed'> {
    readonly id = nextId++;
    private readonly processId = nextId++;
    private frame: WebFrameMain;
    private openHandler: OpenHandler | null = null;
    private destroyed = false;
    loads = 0;

    constructor(readonly owner: BrowserWindow | null) {
      super();
      this.frame = new WebFrameMain('', null, this.processId);
      sentToPages.set(this, []);
      app.emit('web-contents-created', newEvent(), this);
    }

    get mainFrame(): WebFrameMain {
      return this.frame;
    }

    private alive(): void {
      if (this.destroyed) throw new TypeError(DESTROYED);
    }

    async loadURL(url: string, _options?: E.LoadURLOptions): Promise<void> {
      this.alive();
      const target = new URL(url);
      if (!BUILTIN_SCHEMES.has(target.protocol)) {
        const handler = protocolHandlers.get(target.protocol.slice(0, -1));
        if (!handler) throw new Error(`ERR_UNKNOWN_URL_SCHEME (-302) loading '${url}'`);
        if (!sameDocument(this.frame.url, url)) {
          const response = await handler(new Request(url));
          await response.arrayBuffer();
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
      this.commit(url);
      this.loads++;
      this.emit('did-finish-load', newEvent());
      if (this.loads === 1 && this.owner && !this.owner.isDestroyed() && !this.owner.isVisible()) this.owner.emit('ready-to-show', newEvent());
    }

    /** The page now shows `url`: a new document gets a new main frame, a hash change keeps it. */
    commit(url: string): void {
      if (sameDocument(this.frame.url, url)) {
        this.frame.url = url;
        this.emit('did-navigate-in-page', newEvent(), url, true, this.frame.processId, this.frame.routingId);
        return;
      }
      this.frame.detach();
      this.frame = new WebFrameMain(url, null, this.processId);
      this.emit('did-navigate', newEvent(), url, 200, 'OK');
    }

    getURL(): string {
      return this.frame.url;
    }

    send(channel: string, ...args: any[]): void {
      this.alive();
      sentToPages.get(this)!.push({ channel, args: structuredClone(args) });
    }

    setWindowOpenHandler(handler: OpenHandler): void {
      this.openHandler = handler;
    }

    windowOpenHandler(): OpenHandler | null {
      return this.openHandler;
    }

    isDestroyed(): boolean {
      return this.destroyed;
    }

    teardown(): void {
      if (this.destroyed) return;
      this.destroyed = true;
      this.frame.detach();
      this.emit('destroyed');
    }
  }

  function sameDocument(from: string, to: string): boolean {
    if (!from) return false;
    const strip = (u: string) => u.replace(/#.*$/, '');
    return strip(from) === strip(to) && to.includes('#');
  }

  // ---------------------------------------------------------------- windows

  class BrowserWindow
    extends EventEmitter
    implements
      Pick<
        E.BrowserWindow,
        | 'id'
        | 'loadURL'
        | 'show'
        | 'hide'
        | 'focus'
        | 'isFocused'
        | 'isVisible'
        | 'minimize'
        | 'isMinimized'
        | 'restore'
        | 'maximize'
        | 'isMaximized'
        | 'getNormalBounds'
        | 'close'
        | 'destroy'
        | 'isDestroyed'
      >
  {
    static getAllWindows(): BrowserWindow[] {
      return [...windows];
    }

    readonly id = nextId++;
    readonly webContents: WebContents;
    private visible = false;
    private focused = false;
    private minimized = false;
    private maximized = false;
    private destroyed = false;
    private readonly bounds: E.Rectangle;

    constructor(readonly options: E.BrowserWindowConstructorOptions = {}) {
      super();
      requireReady('Cannot create BrowserWindow before app is ready');
      this.bounds = { x: options.x ?? 320, y: options.y ?? 130, width: options.width ?? 800, height: options.height ?? 600 };
      windows.push(this);
      this.webContents = new WebContents(this);
      app.emit('browser-window-created', newEvent(), this);
      if (options.show !== false) this.show();
    }

    private alive(): void {
      if (this.destroyed) throw new TypeError(DESTROYED);
    }

    loadURL(url: string, options?: E.LoadURLOptions): Promise<void> {
      this.alive();
      return this.webContents.loadURL(url, options);
    }
    show(): void {
      this.alive();
      const wasVisible = this.visible;
      this.visible = true;
      this.focused = true;
      if (!wasVisible) this.emit('show');
      this.emit('focus');
    }
    hide(): void {
      this.alive();
      const wasVisible = this.visible;
      this.visible = false;
      this.focused = false;
      if (wasVisible) this.emit('hide');
    }
    focus(): void {
      this.alive();
      if (this.visible) {
        this.focused = true;
        this.emit('focus');
      }
    }
    isFocused(): boolean {
      this.alive();
      return this.focused && this.visible && !this.minimized;
    }
    isVisible(): boolean {
      this.alive();
      return this.visible;
    }
    minimize(): void {
      this.alive();
      this.minimized = true;
      this.focused = false;
      this.emit('minimize');
    }
    isMinimized(): boolean {
      this.alive();
      return this.minimized;
    }
    restore(): void {
      this.alive();
      if (!this.minimized) return;
      this.minimized = false;
      this.emit('restore');
    }
    maximize(): void {
      this.alive();
      this.maximized = true;
      this.emit('maximize');
    }
    isMaximized(): boolean {
      this.alive();
      return this.maximized;
    }
    getNormalBounds(): E.Rectangle {
      this.alive();
      return { ...this.bounds };
    }
    close(): void {
      this.alive();
      const event = newEvent();
      this.emit('close', event);
      if (event.defaultPrevented) {
        // Browser::OnWindowCloseCancelled: a window that stays open cancels a quit in progress
        quitting = false;
        return;
      }
      this.teardown();
    }
    destroy(): void {
      if (this.destroyed) return;
      this.teardown();
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    private teardown(): void {
      this.destroyed = true;
      this.visible = false;
      this.focused = false;
      this.webContents.teardown();
      this.emit('closed');
      windowClosed(this);
    }
  }

  // ---------------------------------------------------------------- ipcMain

  const ipcMain = new (class IpcMain extends EventEmitter implements Pick<E.IpcMain, 'handle' | 'handleOnce' | 'removeHandler'> {
    handle(channel: string, listener: (event: E.IpcMainInvokeEvent, ...args: any[]) => Promise<any> | any): void {
      if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      ipcHandlers.set(channel, listener);
    }
    handleOnce(channel: string, listener: (event: E.IpcMainInvokeEvent, ...args: any[]) => Promise<any> | any): void {
      this.handle(channel, (event, ...args) => {
        ipcHandlers.delete(channel);
        return listener(event, ...args);
      });
    }
    removeHandler(channel: string): void {
      ipcHandlers.delete(channel);
    }
  })();

  // ---------------------------------------------------------------- tray and menus

  class MenuItem {
    readonly id: string | undefined;
    readonly type: NonNullable<E.MenuItemConstructorOptions['type']>;
    readonly submenu: Menu | undefined;
    label: string;
    enabled: boolean;
    visible: boolean;
    checked: boolean;
    readonly click: (event: E.KeyboardEvent, focusedWindow: BrowserWindow | undefined, focusedWebContents: WebContents | undefined) => void;

    constructor(options: E.MenuItemConstructorOptions) {
      const sub = options.submenu;
      this.submenu = sub == null ? undefined : sub instanceof Menu ? sub : Menu.buildFromTemplate(sub as E.MenuItemConstructorOptions[]);
      this.type = options.type ?? (this.submenu ? 'submenu' : 'normal');
      if (this.type === 'submenu' && !this.submenu) throw new Error('Invalid submenu');
      if (!['normal', 'separator', 'submenu', 'checkbox', 'radio', 'header', 'palette'].includes(this.type)) throw new Error(`Unknown menu item type: ${this.type}`);
      this.id = options.id;
      this.label = options.label ?? '';
      this.enabled = options.enabled ?? true;
      this.visible = options.visible ?? true;
      this.checked = options.checked ?? false;
      const click = options.click;
      this.click = (event, focusedWindow, _focusedWebContents) => {
        if (this.type === 'checkbox') this.checked = !this.checked;
        if (typeof click === 'function') click(this as unknown as E.MenuItem, focusedWindow as unknown as E.BaseWindow | undefined, event);
      };
    }
  }

  class Menu {
    readonly items: MenuItem[] = [];

    static buildFromTemplate(template: Array<E.MenuItemConstructorOptions | MenuItem>): Menu {
      if (!Array.isArray(template)) throw new TypeError('Invalid template for Menu: Menu template must be an array');
      const valid = template.every((item) => item != null && typeof item === 'object' && (Object.hasOwn(item, 'label') || Object.hasOwn(item, 'role') || item.type === 'separator'));
      if (!valid) throw new TypeError('Invalid template for MenuItem: must have at least one of label, role or type');
      // fold adjacent separators, then drop the ones at either edge (removeExtraSeparators)
      let items = template.filter((e, i, arr) => e.visible === false || e.type !== 'separator' || i === 0 || arr[i - 1]!.type !== 'separator');
      items = items.filter((e, i, arr) => e.visible === false || e.type !== 'separator' || (i !== 0 && i !== arr.length - 1));
      const menu = new Menu();
      for (const item of items) menu.items.push(item instanceof MenuItem ? item : new MenuItem(item));
      return menu;
    }

    getMenuItemById(id: string): MenuItem | null {
      for (const item of this.items) {
        if (item.id === id) return item;
        const found = item.submenu?.getMenuItemById(id);
        if (found) return found;
      }
      return null;
    }
  }

  interface StandInImage {
    path: string;
    isEmpty(): boolean;
  }
  const nativeImage = {
    createFromPath(path: string): StandInImage {
      const found = existsSync(path);
      return { path, isEmpty: () => !found };
    },
  };

  class Tray extends EventEmitter implements Pick<E.Tray, 'setToolTip' | 'destroy' | 'isDestroyed'> {
    private tooltip = '';
    private menu: Menu | null = null;
    private destroyed = false;

    constructor(
      readonly image: StandInImage | string,
      _guid?: string,
    ) {
      super();
      requireReady('Cannot create Tray before app is ready');
      trays.push(this);
    }
    private alive(): void {
      if (this.destroyed) throw new Error('Tray is destroyed');
    }
    setToolTip(toolTip: string): void {
      this.alive();
      this.tooltip = toolTip;
    }
    setContextMenu(menu: Menu | null): void {
      this.alive();
      this.menu = menu;
    }
    destroy(): void {
      this.destroyed = true;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    get toolTip(): string {
      return this.tooltip;
    }
    get contextMenu(): Menu | null {
      return this.menu;
    }
  }
  // ---------------------------------------------------------------- notifications

  class Notification extends EventEmitter implements Pick<E.Notification, 'show' | 'close'> {
    static isSupported(): boolean {
      return options.notificationsSupported ?? true;
    }
    shown = false;
    constructor(readonly options: E.NotificationConstructorOptions = {}) {
      super();
      notifications.push(this);
    }
    show(): void {
      this.shown = true;
      this.emit('show', newEvent());
    }
    close(): void {
      this.emit('close', newEvent());
    }
  }

  // ---------------------------------------------------------------- protocol, session, shell, screen

  const protocol = {
    registerSchemesAsPrivileged(customSchemes: E.CustomScheme[]): void {
      if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
      privilegedSchemes.push(...customSchemes);
    },
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
      if (protocolHandlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
      protocolHandlers.set(scheme, handler);
    },
    unhandle(scheme: string): void {
      protocolHandlers.delete(scheme);
    },
    isProtocolHandled(scheme: string): boolean {
      return protocolHandlers.has(scheme);
    },
  } satisfies Pick<E.Protocol, 'registerSchemesAsPrivileged' | 'handle' | 'unhandle' | 'isProtocolHandled'>;

  type HeadersListener = (details: E.OnHeadersReceivedListenerDetails, callback: (response: E.HeadersReceivedResponse) => void) => void;
  type PermissionRequestHandler = Parameters<E.Session['setPermissionRequestHandler']>[0];
  type PermissionCheckHandler = Parameters<E.Session['setPermissionCheckHandler']>[0];
  type DevicePermissionHandler = Parameters<E.Session['setDevicePermissionHandler']>[0];
  type DisplayMediaHandler = Parameters<E.Session['setDisplayMediaRequestHandler']>[0];

  class Session extends EventEmitter implements Pick<E.Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'setDisplayMediaRequestHandler'> {
    headersListener: HeadersListener | null = null;
    permissionRequest: PermissionRequestHandler = null;
    permissionCheck: PermissionCheckHandler = null;
    devicePermission: DevicePermissionHandler = null;
    displayMedia: DisplayMediaHandler = null;
    readonly webRequest = {
      onHeadersReceived: (listener: HeadersListener | null) => {
        this.headersListener = listener;
      },
    };
    setPermissionRequestHandler(handler: PermissionRequestHandler): void {
      this.permissionRequest = handler;
    }
    setPermissionCheckHandler(handler: PermissionCheckHandler): void {
      this.permissionCheck = handler;
    }
    setDevicePermissionHandler(handler: DevicePermissionHandler): void {
      this.devicePermission = handler;
    }
    setDisplayMediaRequestHandler(handler: DisplayMediaHandler, _opts?: E.DisplayMediaRequestHandlerOpts): void {
      this.displayMedia = handler;
    }
  }
  let defaultSession: Session | null = null;
  const session = {
    get defaultSession(): Session {
      requireReady('Session can only be received when app is ready');
      return (defaultSession ??= new Session());
    },
  };

  const shell = {
    async openExternal(url: string, _options?: E.OpenExternalOptions): Promise<void> {
      openedExternally.push(url);
    },
  } satisfies Pick<E.Shell, 'openExternal'>;

  const screen = {
    getAllDisplays(): E.Display[] {
      requireReady("The 'screen' module can't be used before the app 'ready' event");
      const bounds = { x: 0, y: 0, width: 1920, height: 1080 };
      const workArea = { x: 0, y: 0, width: 1920, height: 1040 };
      return [
        {
          accelerometerSupport: 'unknown',
          bounds,
          colorDepth: 24,
          colorSpace: '{primaries:BT709, transfer:SRGB, matrix:RGB, range:FULL}',
          depthPerComponent: 8,
          detected: true,
          displayFrequency: 60,
          id: 1,
          internal: false,
          label: 'Stand-in display',
          maximumCursorSize: { width: 0, height: 0 },
          monochrome: false,
          nativeOrigin: { x: 0, y: 0 },
          rotation: 0,
          scaleFactor: 1,
          size: { width: bounds.width, height: bounds.height },
          touchSupport: 'unknown',
          workArea,
          workAreaSize: { width: workArea.width, height: workArea.height },
        },
      ];
    },
  } satisfies Pick<E.Screen, 'getAllDisplays'>;

  const electron = { app, BrowserWindow, ipcMain, Menu, MenuItem, Tray, nativeImage, Notification, protocol, session, shell, screen };

  // ---------------------------------------------------------------- the outside world

  type FrameRef = { webContents: WebContents; frame?: WebFrameMain };

  const control = {
    state,
    /** URLs handed to shell.openExternal */
    openedExternally,
    notifications,
    privilegedSchemes,

    /** Electron finished starting: 'ready', and whenReady() resolves. */
    emitReady(): void {
      ready = true;
      app.emit('ready', newEvent(), {});
      resolveReady();
    },

    /** Another `electron .` of the same app started and asked for the lock. */
    launchSecondInstance(argv: string[], workingDirectory = process.cwd()): void {
      if (!ready) throw new Error('second-instance is only emitted after ready');
      app.emit('second-instance', newEvent(), argv, workingDirectory, {});
    },

    /** The desktop session asks the app to quit (logout, or app.quit from elsewhere). */
    quit(): void {
      app.quit();
    },

    windows(): BrowserWindow[] {
      return [...windows];
    },

    /** The person presses the window's close button. */
    closeButton(win: BrowserWindow): void {
      win.close();
    },

    /** A frame inside the page (an <iframe>), showing `url`. */
    addSubframe(webContents: WebContents, url: string): WebFrameMain {
      const parent = webContents.mainFrame;
      const frame = new WebFrameMain(url, parent, parent.processId);
      parent.frames.push(frame);
      return frame;
    },

    /** The page ends up showing `url`, however it got there (bypasses will-navigate). */
    commit(webContents: WebContents, url: string): void {
      webContents.commit(url);
    },

    /** The page starts a navigation of its main frame (a link click, location = url). Returns whether it went ahead. */
    navigate(webContents: WebContents, url: string): boolean {
      if (sameDocument(webContents.getURL(), url)) {
        webContents.commit(url);
        return true;
      }
      const frame = webContents.mainFrame;
      const details = newEvent({ url, isSameDocument: false, isMainFrame: true, frame, initiator: frame });
      webContents.emit('will-navigate', details, url, false, true, frame.processId, frame.routingId);
      if (details.defaultPrevented) return false;
      webContents.commit(url);
      return true;
    },

    /** The page calls window.open(url) or follows a target=_blank link. Returns the new window, or null when refused. */
    openWindow(webContents: WebContents, url: string, disposition: E.HandlerDetails['disposition'] = 'new-window'): BrowserWindow | null {
      const handler = webContents.windowOpenHandler();
      const response: E.WindowOpenHandlerResponse = handler
        ? handler({ url, frameName: '', features: '', disposition, referrer: { url: webContents.getURL(), policy: 'strict-origin-when-cross-origin' } })
        : { action: 'allow' };
      if (response.action === 'deny') return null;
      const child = new BrowserWindow(response.overrideBrowserWindowOptions ?? {});
      void child.loadURL(url).catch(() => {});
      return child;
    },

    /** The page's <webview> is about to attach. Returns whether it may. */
    attachWebview(webContents: WebContents): boolean {
      const event = newEvent();
      webContents.emit('will-attach-webview', event, {}, {});
      return !event.defaultPrevented;
    },

    /** A frame calls ipcRenderer.invoke(channel, ...args) (the main frame unless one is given). */
    async invoke(from: FrameRef, channel: string, ...args: unknown[]): Promise<unknown> {
      const { webContents } = from;
      const frame = from.frame ?? webContents.mainFrame;
      if (webContents.isDestroyed()) throw new Error('The page is gone.');
      const handler = ipcHandlers.get(channel);
      if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      const event = newEvent({ type: 'frame' as const, sender: webContents, processId: frame.processId, frameId: frame.routingId });
      Object.defineProperty(event, 'senderFrame', { get: () => (frame.isDestroyed() ? null : frame), enumerable: true });
      try {
        return structuredClone(await handler(event as unknown as E.IpcMainInvokeEvent, ...structuredClone(args)));
      } catch (err) {
        throw new Error(`Error invoking remote method '${channel}': ${err}`);
      }
    },

    /** what the main process sent to this page with webContents.send */
    sentTo(webContents: WebContents): { channel: string; args: unknown[] }[] {
      return sentToPages.get(webContents) ?? [];
    },

    /** the app's live tray icon, if any */
    tray(): Tray | null {
      return trays.find((t) => !t.isDestroyed()) ?? null;
    },
    trays(): Tray[] {
      return [...trays];
    },

    /** The person clicks the tray icon itself. */
    clickTrayIcon(): void {
      const tray = control.tray();
      if (!tray) throw new Error('There is no tray icon.');
      tray.emit('click', { altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, triggeredByAccelerator: false }, { x: 0, y: 0, width: 22, height: 22 }, { x: 11, y: 11 });
    },

    /** The person picks the tray menu item with this id. */
    clickTrayMenuItem(id: string): void {
      const item = control.tray()?.contextMenu?.getMenuItemById(id);
      if (!item) throw new Error(`The tray menu has no item "${id}".`);
      if (!item.enabled || !item.visible) throw new Error(`The tray menu item "${id}" is disabled or hidden, so it cannot be clicked.`);
      const focused = windows.find((w) => w.isFocused());
      item.click({ triggeredByAccelerator: false }, focused, focused?.webContents);
    },

    /** A page asks for a permission (camera, notifications, ...). Electron grants it when no handler is set. */
    requestPermission(webContents: WebContents, permission: string): Promise<boolean> {
      const s = session.defaultSession;
      if (!s.permissionRequest) return Promise.resolve(true);
      return new Promise((resolve) =>
        s.permissionRequest!(webContents as unknown as E.WebContents, permission as never, resolve, { requestingUrl: webContents.getURL(), isMainFrame: true } as E.PermissionRequest),
      );
    },
    checkPermission(webContents: WebContents, permission: string): boolean {
      const s = session.defaultSession;
      if (!s.permissionCheck) return true;
      const origin = new URL(webContents.getURL()).origin;
      return s.permissionCheck(webContents as unknown as E.WebContents, permission as never, origin, { isMainFrame: true, requestingUrl: webContents.getURL(), embeddingOrigin: origin } as E.PermissionCheckHandlerHandlerDetails);
    },

    /** A download starts in the page. Returns whether it may go on. */
    download(webContents: WebContents, url: string): boolean {
      const event = newEvent();
      session.defaultSession.emit('will-download', event, { getURL: () => url }, webContents);
      return !event.defaultPrevented;
    },

    /** The response headers the page gets for `url`, after the session's onHeadersReceived. */
    responseHeaders(url: string, headers: Record<string, string[]>): Promise<Record<string, string | string[]> | 'cancelled'> {
      const listener = session.defaultSession.headersListener;
      if (!listener) return Promise.resolve(headers);
      return new Promise((resolve) =>
        listener({ url, responseHeaders: headers } as unknown as E.OnHeadersReceivedListenerDetails, (r) => resolve(r.cancel ? 'cancelled' : (r.responseHeaders ?? headers))),
      );
    },

    ipcChannels(): string[] {
      return [...ipcHandlers.keys()];
    },
  };

  return { electron, control };
}
