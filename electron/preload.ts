/**
 * The only bridge between the sandboxed renderer and the app: `window.companion = { call, on, pathForFile }`.
 * Nothing else is exposed; no Electron or Node object reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';

const CALL_CHANNEL = 'companion:call';
const EVENT_CHANNEL = 'companion:event';

contextBridge.exposeInMainWorld('companion', {
  call(method: unknown, params: unknown): Promise<unknown> {
    if (typeof method !== 'string' || method.length > 100) {
      return Promise.resolve({ ok: false, error: { code: 'unknown-method', message: 'There is no such method.' } });
    }
    return ipcRenderer.invoke(CALL_CHANNEL, method, params);
  },
  on(listener: (event: unknown) => void): () => void {
    if (typeof listener !== 'function') return () => {};
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
  /** Where a file dropped on the window lives (Electron removed File.path); '' for anything else. */
  pathForFile(file: unknown): string {
    try {
      // throws for anything that is not a File
      return webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
  },
});
