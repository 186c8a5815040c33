import { create } from 'zustand';
import type { RpcError, SystemStatus } from '../../shared/contract';
import { call, errorOf, onEvent } from '../lib/bridge';

interface SystemState {
  status: SystemStatus | null;
  statusError: RpcError | null;
  loading: boolean;
  storeSize: { bytes: number; paths: number } | null;
  storeSizeError: RpcError | null;
  loadStatus(): Promise<void>;
  loadStoreSize(): Promise<void>;
}

export const useSystem = create<SystemState>((set) => ({
  status: null,
  statusError: null,
  loading: false,
  storeSize: null,
  storeSizeError: null,
  async loadStatus() {
    set({ loading: true });
    try {
      set({ status: await call('system.status', {}), statusError: null });
    } catch (err) {
      set({ statusError: errorOf(err) });
    } finally {
      set({ loading: false });
    }
  },
  async loadStoreSize() {
    try {
      set({ storeSize: await call('system.storeSize', {}), storeSizeError: null });
    } catch (err) {
      set({ storeSizeError: errorOf(err) });
    }
  },
}));

onEvent((event) => {
  if (event.topic === 'changed' && (event.what === 'system-profile' || event.what === 'home-profile' || event.what === 'channels')) {
    void useSystem.getState().loadStatus();
  }
});
