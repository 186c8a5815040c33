import { create } from 'zustand';
import type { ChannelCheck, ChannelInfo, ClosureDiff, ClosureRef, DeleteGenerationsParams, DeleteGenerationsResult, GenerationsResult, Params, RpcError } from '../../shared/contract';
import { rollbackTargetOf } from '../../shared/rollback';
import { call, errorOf, onEvent } from '../lib/bridge';
import { systemPackagesIn } from '../lib/config-packages';
import { waitForJob } from './jobs';

/** The System page's generations (and what to do with them), diffs, channels and cleanup. */

/**
 * What a person confirmed after a preview, with the generation numbers that preview showed: the
 * action acts on exactly these, and is refused if the profile moved since.
 */
export type ActivationRequest =
  | { kind: 'rollback'; target: number; expectedCurrent: number }
  | { kind: 'switch'; generation: number; expectedCurrent: number | null }
  | { kind: 'specialisation'; generation: number; specialisation: string; expectedCurrent: number | null };

/** The generation a rollback goes to, for the list's "Roll back" button. */
export function rollbackTargetIn(result: GenerationsResult | null): number | null {
  return result ? rollbackTargetOf(result.generations.map((g) => g.generation), result.current) : null;
}

/** What the configuration's files (the main one and those it imports) list in environment.systemPackages; null when they cannot be read. */
async function configuredPackages(): Promise<Set<string> | null> {
  try {
    const main = await call('system.config.read', {});
    const texts = [main.file?.content ?? ''];
    const others = main.files.filter((f) => f.imported && f.path !== main.file?.path).slice(0, 30);
    for (const f of others) {
      const r = await call('system.config.read', { path: f.path }).catch(() => null);
      if (r?.file) texts.push(r.file.content);
    }
    const names = new Set<string>();
    for (const t of texts) for (const n of systemPackagesIn(t)) names.add(n);
    return names;
  } catch {
    return null;
  }
}

type CleanupRule = { olderThanDays: number } | { keepNewest: number } | { generations: number[] };

interface State {
  generations: GenerationsResult | null;
  generationsError: RpcError | null;
  loadingGenerations: boolean;
  /** closure sizes arrive in a second, slower call */
  sizesLoaded: boolean;
  selected: number[];

  diff: ClosureDiff | null;
  /** the package names the configuration lists in environment.systemPackages (read from its files), for the diff's badge */
  configured: Set<string> | null;
  diffError: RpcError | null;
  diffLoading: boolean;

  channels: ChannelInfo[] | null;
  channelsError: RpcError | null;
  channelChecks: Record<string, ChannelCheck>;
  checking: boolean;
  channelWarnings: string[];
  channelJobId: string | null;

  cleanupRule: CleanupRule | null;
  cleanupPreview: DeleteGenerationsResult | null;
  cleanupDone: DeleteGenerationsResult | null;
  cleanupError: RpcError | null;
  cleanupBusy: boolean;
  gcJobId: string | null;

  /** the generation each activation job replaced, by job id: where its Undo goes back to */
  undoTo: Record<string, number>;
  loadGenerations(opts?: { withClosureSize?: boolean }): Promise<void>;
  /** start the job; its id, or the error in words */
  activate(request: ActivationRequest): Promise<{ jobId: string } | { error: RpcError }>;
  toggleSelected(generation: number): void;
  clearSelection(): void;
  loadDiff(from: ClosureRef, to: ClosureRef): Promise<void>;
  closeDiff(): void;

  loadChannels(): Promise<void>;
  addChannel(name: string, url: string): Promise<boolean>;
  removeChannel(name: string): Promise<void>;
  updateChannels(names?: string[]): Promise<void>;
  checkChannels(): Promise<void>;

  previewCleanup(rule: CleanupRule): Promise<void>;
  confirmCleanup(): Promise<void>;
  cancelCleanup(): void;
  collectGarbage(): Promise<void>;
}

export const useSystemGenerations = create<State>((set, get) => ({
  generations: null,
  undoTo: {},
  generationsError: null,
  loadingGenerations: false,
  sizesLoaded: false,
  selected: [],
  diff: null,
  configured: null,
  diffError: null,
  diffLoading: false,
  channels: null,
  channelsError: null,
  channelChecks: {},
  checking: false,
  channelWarnings: [],
  channelJobId: null,
  cleanupRule: null,
  cleanupPreview: null,
  cleanupDone: null,
  cleanupError: null,
  cleanupBusy: false,
  gcJobId: null,

  async loadGenerations(opts = {}) {
    set({ loadingGenerations: true });
    try {
      const generations = await call('system.generations', { withClosureSize: opts.withClosureSize ?? false });
      const known = new Set(generations.generations.map((g) => g.generation));
      set((s) => ({ generations, generationsError: null, sizesLoaded: !!opts.withClosureSize, selected: s.selected.filter((n) => known.has(n)) }));
    } catch (err) {
      set({ generationsError: errorOf(err) });
    } finally {
      set({ loadingGenerations: false });
    }
  },
  async activate(request) {
    try {
      const started =
        request.kind === 'rollback'
          ? await call('system.rollback', { target: request.target, expectedCurrent: request.expectedCurrent })
          : request.kind === 'switch'
            ? await call('system.switchGeneration', { generation: request.generation, expectedCurrent: request.expectedCurrent })
            : await call('system.switchSpecialisation', { generation: request.generation, specialisation: request.specialisation, expectedCurrent: request.expectedCurrent });
      const before = request.expectedCurrent;
      if (before !== null) set((s) => ({ undoTo: { ...s.undoTo, [started.jobId]: before } }));
      return { jobId: started.jobId };
    } catch (err) {
      const error = errorOf(err);
      // refused because the profile moved: what the list shows is stale too
      if (error.code === 'conflict') void get().loadGenerations({ withClosureSize: get().sizesLoaded });
      return { error };
    }
  },
  toggleSelected(generation) {
    set((s) => {
      if (s.selected.includes(generation)) return { selected: s.selected.filter((n) => n !== generation) };
      // two at most: the newest pick replaces the older one
      return { selected: [...s.selected, generation].slice(-2) };
    });
  },
  clearSelection() {
    set({ selected: [] });
  },
  async loadDiff(from, to) {
    set({ diffLoading: true, diffError: null });
    void configuredPackages().then((configured) => set({ configured }));
    try {
      set({ diff: await call('system.diff', { from, to }) });
    } catch (err) {
      set({ diffError: errorOf(err), diff: null });
    } finally {
      set({ diffLoading: false });
    }
  },
  closeDiff() {
    set({ diff: null, diffError: null });
  },

  async loadChannels() {
    try {
      const { channels } = await call('system.channels.list', {});
      set({ channels, channelsError: null });
    } catch (err) {
      set({ channelsError: errorOf(err) });
    }
  },
  async addChannel(name, url) {
    try {
      const result = await call('system.channels.add', { name, url });
      set({ channels: result.channels, channelWarnings: result.warnings, channelsError: null });
      return true;
    } catch (err) {
      set({ channelsError: errorOf(err) });
      return false;
    }
  },
  async removeChannel(name) {
    try {
      const result = await call('system.channels.remove', { name });
      const checks = { ...get().channelChecks };
      delete checks[name];
      set({ channels: result.channels, channelWarnings: result.warnings, channelChecks: checks, channelsError: null });
    } catch (err) {
      set({ channelsError: errorOf(err) });
    }
  },
  async updateChannels(names) {
    try {
      const params: Params<'system.channels.update'> = names ? { names } : {};
      const { jobId } = await call('system.channels.update', params);
      set({ channelJobId: jobId, channelsError: null, channelWarnings: [] });
      const job = await waitForJob(jobId);
      if (job.status === 'done') {
        const result = job.result as { warnings?: string[] };
        set({ channelWarnings: result?.warnings ?? [], channelChecks: {} });
      } else if (job.status === 'failed' && job.error) set({ channelsError: job.error });
      await get().loadChannels();
    } catch (err) {
      set({ channelsError: errorOf(err) });
    }
  },
  async checkChannels() {
    set({ checking: true });
    try {
      const { channels } = await call('system.channels.checkUpdate', {});
      set({ channelChecks: Object.fromEntries(channels.map((c) => [c.name, c])), channelsError: null });
    } catch (err) {
      set({ channelsError: errorOf(err) });
    } finally {
      set({ checking: false });
    }
  },

  async previewCleanup(rule) {
    set({ cleanupBusy: true, cleanupError: null, cleanupDone: null, cleanupRule: rule });
    try {
      const params = { ...rule, dryRun: true } as DeleteGenerationsParams;
      set({ cleanupPreview: await call('system.deleteGenerations', params) });
    } catch (err) {
      set({ cleanupError: errorOf(err), cleanupPreview: null });
    } finally {
      set({ cleanupBusy: false });
    }
  },
  async confirmCleanup() {
    const preview = get().cleanupPreview;
    if (!preview || !preview.generations.length) return;
    set({ cleanupBusy: true, cleanupError: null });
    try {
      // Exactly the generations the person saw in the preview, not the rule re-applied later.
      const done = await call('system.deleteGenerations', { generations: preview.generations, dryRun: false });
      set({ cleanupDone: done, cleanupPreview: null });
      void get().loadGenerations({ withClosureSize: get().sizesLoaded });
    } catch (err) {
      set({ cleanupError: errorOf(err) });
    } finally {
      set({ cleanupBusy: false });
    }
  },
  cancelCleanup() {
    set({ cleanupPreview: null, cleanupRule: null });
  },
  async collectGarbage() {
    try {
      const { jobId } = await call('system.gc', {});
      set({ gcJobId: jobId, cleanupError: null });
      const job = await waitForJob(jobId);
      if (job.status === 'failed' && job.error) set({ cleanupError: job.error });
    } catch (err) {
      set({ cleanupError: errorOf(err) });
    }
  },
}));

onEvent((event) => {
  if (event.topic !== 'changed') return;
  const s = useSystemGenerations.getState();
  if (event.what === 'system-profile' && s.generations) void s.loadGenerations({ withClosureSize: s.sizesLoaded });
  if (event.what === 'channels' && s.channels) void s.loadChannels();
});
