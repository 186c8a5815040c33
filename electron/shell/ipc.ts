import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { EventBus } from '../exec/events';
import type { Router, RpcResponse } from '../rpc/router';
import { isAppUrl } from '../services/desktop/app-origin';

export const CALL_CHANNEL = 'companion:call';
export const EVENT_CHANNEL = 'companion:event';

/**
 * The Electron transport: one request channel answered by the router (never a throw across IPC: the
 * router returns {ok, result|error}), one event channel pushing the EventBus to our windows. A request
 * is answered only when it comes from one of our windows' main frame showing the app's own origin.
 */
export function registerIpc(router: Router, events: EventBus, windows: () => BrowserWindow[]): () => void {
  const isOurs = (event: IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame || !isAppUrl(frame.url)) return false;
    return windows().some((w) => !w.isDestroyed() && w.webContents.id === event.sender.id);
  };
  ipcMain.handle(CALL_CHANNEL, async (event, method: unknown, params: unknown): Promise<RpcResponse> => {
    if (!isOurs(event)) return { ok: false, error: { code: 'refused', message: 'This request did not come from the app’s own window, so it was refused.' } };
    return router.call(method, params);
  });
  const off = events.on((event) => {
    for (const w of windows()) if (!w.isDestroyed()) w.webContents.send(EVENT_CHANNEL, event);
  });
  return () => {
    off();
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}
