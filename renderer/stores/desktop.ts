import { create } from 'zustand';
import type { DesktopCapabilities, DesktopSettings, Params, RpcError } from '../../shared/contract';
import { call, errorOf, onEvent } from '../lib/bridge';

interface DesktopState {
  capabilities: DesktopCapabilities | null;
  settings: DesktopSettings | null;
  saving: boolean;
  error: RpcError | null;
  load(): Promise<void>;
  save(patch: Params<'desktop.settings.set'>): Promise<void>;
}

/** The app's own behaviour on the desktop: close to tray, start at login (an XDG autostart entry). */
export const useDesktop = create<DesktopState>((set, get) => ({
  capabilities: null,
  settings: null,
  saving: false,
  error: null,
  async load() {
    try {
      const [capabilities, settings] = await Promise.all([call('desktop.capabilities', {}), call('desktop.settings.get', {})]);
      set({ capabilities, settings, error: null });
    } catch (e) {
      set({ error: errorOf(e) });
    }
  },
  async save(patch) {
    const before = get().settings;
    // the box follows the click at once; the answer (what is really on disk) replaces it
    set({ saving: true, error: null, settings: before ? { ...before, ...patch } : before });
    try {
      set({ settings: await call('desktop.settings.set', patch) });
    } catch (e) {
      set({ error: errorOf(e), settings: before });
    } finally {
      set({ saving: false });
    }
  },
}));

onEvent((e) => {
  if (e.topic === 'changed' && e.what === 'settings' && useDesktop.getState().settings) void useDesktop.getState().load();
});
