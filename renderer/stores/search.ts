import { create } from 'zustand';
import type { AddItem, AddPreview, AddTarget, OptionResult, PackageResult, RpcError, SearchSources } from '../../shared/contract';
import { call, errorOf, onEvent } from '../lib/bridge';
import { useJobs, waitForJob } from './jobs';

export type SearchTab = 'packages' | 'nixos' | 'home-manager';
export type SearchResult = { kind: 'package'; value: PackageResult } | { kind: 'option'; value: OptionResult };

const PAGE = 50;

interface AddState {
  target: AddTarget;
  item: AddItem;
  preview: AddPreview | null;
  error: RpcError | null;
  busy: boolean;
  applied: { file: string; backup: string | null } | null;
}

interface SearchState {
  tab: SearchTab;
  query: string;
  results: SearchResult[];
  total: number;
  tookMs: number | null;
  loading: boolean;
  error: RpcError | null;
  selected: number;
  sources: SearchSources | null;
  /** reading the sources' status failed */
  sourcesError: RpcError | null;
  /** the last download of the lists failed (kept until the next one starts: reloading the status does not clear it) */
  refreshError: RpcError | null;
  refreshJobId: string | null;
  /** the channel the lists were last refreshed for on their own; a new channel gets a refresh too */
  autoRefreshFor: string | null;
  add: AddState | null;
  setTab(tab: SearchTab): void;
  setQuery(query: string): void;
  run(): Promise<void>;
  more(): Promise<void>;
  select(index: number): void;
  loadSources(): Promise<void>;
  refresh(force?: boolean): Promise<void>;
  startAdd(target: AddTarget, item: AddItem): Promise<void>;
  applyAdd(): Promise<void>;
  closeAdd(): void;
}

let sequence = 0;

const keyOf = (r: SearchResult) => (r.kind === 'package' ? `p:${r.value.attr}` : `o:${r.value.name}`);
function sameResults(a: SearchResult[], b: SearchResult[]) {
  return a.length === b.length && b.every((r, i) => keyOf(r) === keyOf(a[i]!));
}

async function fetchPage(tab: SearchTab, query: string, offset: number) {
  if (tab === 'packages') {
    const r = await call('search.packages', { query, limit: PAGE, offset });
    return { ...r, results: r.results.map((value): SearchResult => ({ kind: 'package', value })) };
  }
  const r = await call('search.options', { query, limit: PAGE, offset, source: tab });
  return { ...r, results: r.results.map((value): SearchResult => ({ kind: 'option', value })) };
}

export const useSearch = create<SearchState>((set, get) => ({
  tab: 'packages',
  query: '',
  results: [],
  total: 0,
  tookMs: null,
  loading: false,
  error: null,
  selected: 0,
  sources: null,
  sourcesError: null,
  refreshError: null,
  refreshJobId: null,
  autoRefreshFor: null,
  add: null,
  setTab(tab) {
    if (tab === get().tab) return;
    set({ tab, results: [], total: 0, selected: 0, error: null });
    void get().run();
  },
  setQuery(query) {
    set({ query });
  },
  async run() {
    const { tab, query, sources } = get();
    const mine = ++sequence;
    // a list that is not there yet: the page offers to download it instead of an error per keystroke
    const missing = sources?.sources.find((x) => x.id === tab)?.available === false;
    if (!query.trim() || missing) {
      set({ results: [], total: 0, tookMs: null, loading: false, error: null, selected: 0 });
      return;
    }
    set({ loading: true });
    try {
      const page = await fetchPage(tab, query, 0);
      if (mine !== sequence) return;
      // the same results again (a repeated search) keep their objects, so rows under the pointer stay as they are
      const before = get();
      const same = sameResults(before.results, page.results);
      // the selected result stays selected when it is still there
      const picked = before.results[before.selected];
      const kept = picked ? page.results.findIndex((r) => keyOf(r) === keyOf(picked)) : -1;
      set({ results: same ? before.results : page.results, total: page.total, tookMs: page.tookMs, error: null, selected: same ? before.selected : Math.max(0, kept) });
    } catch (err) {
      if (mine !== sequence) return;
      set({ error: errorOf(err), results: [], total: 0 });
    } finally {
      if (mine === sequence) set({ loading: false });
    }
  },
  async more() {
    const { tab, query, results, total } = get();
    if (results.length >= total || results.length >= 1000) return;
    const mine = sequence;
    try {
      const page = await fetchPage(tab, query, results.length);
      if (mine !== sequence) return;
      set({ results: [...results, ...page.results] });
    } catch (err) {
      set({ error: errorOf(err) });
    }
  },
  select(index) {
    const n = get().results.length;
    if (n) set({ selected: Math.max(0, Math.min(n - 1, index)) });
  },
  async loadSources() {
    try {
      const sources = await call('search.sources', {});
      set({ sources, sourcesError: null });
      const s = get();
      const channel = `${sources.channel.name}@${sources.channel.revision ?? ''}`;
      if (s.autoRefreshFor !== channel && !s.refreshJobId && sources.sources.some((x) => x.needsRefresh)) {
        set({ autoRefreshFor: channel });
        await get().refresh();
      }
    } catch (err) {
      set({ sourcesError: errorOf(err) });
    }
  },
  async refresh(force = false) {
    try {
      set({ refreshError: null });
      const { jobId } = await call('search.refresh', { force });
      set({ refreshJobId: jobId });
      const job = await waitForJob(jobId);
      set({ refreshJobId: null, refreshError: job.status === 'failed' && job.error ? job.error : null });
      await get().loadSources();
      if (get().query.trim()) await get().run();
    } catch (err) {
      set({ refreshJobId: null, refreshError: errorOf(err) });
    }
  },
  async startAdd(target, item) {
    set({ add: { target, item, preview: null, error: null, busy: true, applied: null } });
    try {
      const preview = await call('search.previewAdd', { target, item });
      set((s) => (s.add ? { add: { ...s.add, preview, busy: false } } : {}));
    } catch (err) {
      set((s) => (s.add ? { add: { ...s.add, error: errorOf(err), busy: false } } : {}));
    }
  },
  async applyAdd() {
    const add = get().add;
    if (!add?.preview?.baseSha256) return;
    set({ add: { ...add, busy: true, error: null } });
    try {
      const r = await call('search.applyAdd', { target: add.target, item: add.item, expectedSha256: add.preview.baseSha256 });
      set((s) => (s.add ? { add: { ...s.add, busy: false, applied: { file: r.file, backup: r.backup } } } : {}));
    } catch (err) {
      set((s) => (s.add ? { add: { ...s.add, busy: false, error: errorOf(err) } } : {}));
    }
  },
  closeAdd() {
    set({ add: null });
  },
}));

/** the running refresh job, for its progress bar */
export function useRefreshJob() {
  const id = useSearch((s) => s.refreshJobId);
  return useJobs((s) => (id ? s.jobs[id] : undefined));
}

onEvent((event) => {
  if (event.topic === 'changed' && (event.what === 'search-sources' || event.what === 'channels')) void useSearch.getState().loadSources();
});
