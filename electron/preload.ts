/**
 * The only bridge between the sandboxed renderer and the app: `window.companion = { call, on }`.
 * Nothing else is exposed; no Electron or Node object reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

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
});
