import { create } from 'zustand';
import type { FlakeCheckResult, FlakeInputsResult, FlakeUpdateResult, RpcError } from '../../shared/contract';
import { call, errorOf, onEvent } from '../lib/bridge';
import { waitForJob } from './jobs';

/** Flake inputs of the system configuration: what flake.lock pins, a check for newer ones, and writing the new lock. */
interface State {
  info: FlakeInputsResult | null;
  error: RpcError | null;
  check: FlakeCheckResult | null;
  updated: FlakeUpdateResult | null;
  jobId: string | null;
  busy: 'check' | 'update' | null;
  load(): Promise<void>;
  runCheck(): Promise<void>;
  runUpdate(): Promise<void>;
  dismiss(): void;
}

export const useSystemFlake = create<State>((set, get) => ({
  info: null,
  error: null,
  check: null,
  updated: null,
  jobId: null,
  busy: null,
  async load() {
    try {
      set({ info: await call('system.flake.inputs', {}), error: null });
    } catch (err) {
      set({ error: errorOf(err) });
    }
  },
  async runCheck() {
    set({ busy: 'check', error: null, updated: null });
    try {
      const { jobId } = await call('system.flake.check', {});
      set({ jobId });
      const job = await waitForJob(jobId);
      if (job.status === 'done') set({ check: job.result as FlakeCheckResult });
      else if (job.error) set({ error: job.error, check: null });
    } catch (err) {
      set({ error: errorOf(err) });
    } finally {
      set({ busy: null });
    }
  },
  async runUpdate() {
    const check = get().check;
    set({ busy: 'update', error: null });
    try {
      const { jobId } = await call('system.flake.update', check ? { checkId: check.checkId } : {});
      set({ jobId });
      const job = await waitForJob(jobId);
      if (job.status === 'done') set({ updated: job.result as FlakeUpdateResult, check: null });
      else if (job.error) set({ error: job.error });
      await get().load();
    } catch (err) {
      set({ error: errorOf(err) });
    } finally {
      set({ busy: null });
    }
  },
  dismiss() {
    set({ updated: null });
  },
}));

onEvent((event) => {
  if (event.topic === 'changed' && event.what === 'config' && useSystemFlake.getState().info) void useSystemFlake.getState().load();
});
