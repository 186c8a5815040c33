import { create } from 'zustand';
import type { LearnEntry, LearnResource, RpcError } from '../../shared/contract';
import { call, errorOf } from '../lib/bridge';

interface LearnState {
  entries: LearnEntry[];
  resources: LearnResource[];
  error: RpcError | null;
  linkError: RpcError | null;
  load(): Promise<void>;
  open(url: string, fromPackage?: string): Promise<void>;
}

export const useLearn = create<LearnState>((set, get) => ({
  entries: [],
  resources: [],
  error: null,
  linkError: null,
  async load() {
    if (get().entries.length) return;
    try {
      const r = await call('learn.entries', {});
      set({ entries: r.entries, resources: r.resources, error: null });
    } catch (err) {
      set({ error: errorOf(err) });
    }
  },
  /** opens a link in the system browser, through the main process’s allow-list */
  async open(url, fromPackage) {
    try {
      await call('learn.openExternal', fromPackage ? { url, fromPackage } : { url });
      set({ linkError: null });
    } catch (err) {
      set({ linkError: errorOf(err) });
    }
  },
}));
