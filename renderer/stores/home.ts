import { create } from 'zustand';
import type { HomeExpireResult, HomeForm, HomeGeneration, HomeStatus, NewsItem, NixParseError, Result, RpcError, SetupStepId, SwitchResult } from '../../shared/contract';
import { call, errorOf, onEvent } from '../lib/bridge';
import { useJobs, waitForJob } from './jobs';

type Diff = Result<'home.diff'>;

interface HomeState {
  status: HomeStatus | null;
  statusError: RpcError | null;
  generations: HomeGeneration[];
  generationsError: RpcError | null;
  /** the profile records a generation whose activation did not finish (Home Manager 25.11 records first) */
  activationGap: { recorded: number; filesOf: number | null } | null;
  /** Clean up: what `home-manager expire-generations` would remove, or removed */
  expire: HomeExpireResult | null;
  expireError: RpcError | null;
  expireBusy: boolean;
  /** home.nix as on disk, and the editor's draft */
  config: { path: string; exists: boolean; content: string; sha256: string } | null;
  draft: string;
  parseError: NixParseError | null;
  configError: RpcError | null;
  saving: boolean;
  savedAt: number | null;
  news: NewsItem[] | null;
  newsError: RpcError | null;
  newsLoading: boolean;
  /** the jobs this page started (their live state is in the jobs store) */
  setupJobId: string | null;
  setupFrom: SetupStepId;
  switchJobId: string | null;
  switchResult: SwitchResult | null;
  activationJobId: string | null;
  /** the generation that was current before the last roll back or switch: what Undo goes back to */
  activationFrom: number | null;
  actionError: RpcError | null;
  diff: { from: number; to: number; result: Diff } | null;

  loadStatus(): Promise<void>;
  /** pick up home jobs that started before this window (a reload, a restart of the window) */
  reattach(): Promise<void>;
  loadGenerations(): Promise<void>;
  loadConfig(): Promise<void>;
  setDraft(text: string): void;
  validate(text: string): Promise<NixParseError | null>;
  saveConfig(content?: string): Promise<boolean>;
  generate(form: HomeForm): Promise<{ content: string; parseError: NixParseError | null } | null>;
  startSetup(branch: string, from?: SetupStepId, backupExtension?: string): Promise<void>;
  startSwitch(backupExtension?: string): Promise<void>;
  rollback(): Promise<void>;
  switchGeneration(generation: number): Promise<void>;
  removeGenerations(generations: number[]): Promise<{ removed: number[]; refused: { generation: number; reason: string }[] } | null>;
  loadDiff(from: number, to: number): Promise<void>;
  loadNews(markRead?: boolean): Promise<void>;
  expireGenerations(olderThanDays: number, dryRun: boolean): Promise<void>;
  clearExpire(): void;
  clearActionError(): void;
}

export const useHome = create<HomeState>((set, get) => {
  /** start a job, remember its id, refresh what it changes when it ends */
  async function track(key: 'setupJobId' | 'switchJobId' | 'activationJobId', start: () => Promise<{ jobId: string }>) {
    set({ actionError: null });
    try {
      const { jobId } = await start();
      set({ [key]: jobId } as Partial<HomeState>);
      const done = await waitForJob(jobId);
      if (key === 'switchJobId' && done.status === 'done') set({ switchResult: done.result as SwitchResult });
      await Promise.all([get().loadStatus(), get().loadGenerations()]);
    } catch (err) {
      set({ actionError: errorOf(err) });
    }
  }

  return {
    status: null,
    statusError: null,
    generations: [],
    generationsError: null,
    activationGap: null,
    expire: null,
    expireError: null,
    expireBusy: false,
    config: null,
    draft: '',
    parseError: null,
    configError: null,
    saving: false,
    savedAt: null,
    news: null,
    newsError: null,
    newsLoading: false,
    setupJobId: null,
    setupFrom: 'channel',
    switchJobId: null,
    switchResult: null,
    activationJobId: null,
    activationFrom: null,
    actionError: null,
    diff: null,

    async loadStatus() {
      try {
        set({ status: await call('home.status', {}), statusError: null });
      } catch (err) {
        set({ statusError: errorOf(err) });
      }
    },
    async reattach() {
      await useJobs.getState().refresh().catch(() => {});
      const jobs = Object.values(useJobs.getState().jobs).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      const latest = (methods: string[]) => jobs.find((j) => methods.includes(j.method)) ?? null;
      const pick = (key: 'setupJobId' | 'switchJobId' | 'activationJobId', methods: string[]) => {
        const j = latest(methods);
        if (!j || get()[key]) return;
        set({ [key]: j.id } as Partial<HomeState>);
        if (key === 'switchJobId' && j.status === 'done') set({ switchResult: j.result as SwitchResult });
        if (j.status === 'running') {
          void waitForJob(j.id).then((done) => {
            if (key === 'switchJobId' && done.status === 'done') set({ switchResult: done.result as SwitchResult });
            void get().loadStatus();
            void get().loadGenerations();
          });
        }
      };
      pick('switchJobId', ['home.switch']);
      pick('activationJobId', ['home.rollback', 'home.switchGeneration']);
      const setup = latest(['home.setup']);
      if (setup?.status === 'running') pick('setupJobId', ['home.setup']);
    },
    async loadGenerations() {
      try {
        const { generations, activationGap } = await call('home.generations', {});
        set({ generations, activationGap, generationsError: null });
      } catch (err) {
        set({ generationsError: errorOf(err) });
      }
    },
    async loadConfig() {
      try {
        const c = await call('home.config.read', {});
        set({ config: { path: c.path, exists: c.exists, content: c.content, sha256: c.sha256 }, draft: c.content, parseError: c.parseError, configError: null });
      } catch (err) {
        set({ configError: errorOf(err) });
      }
    },
    setDraft(text) {
      set({ draft: text, savedAt: null });
    },
    async validate(text) {
      try {
        const { error } = await call('home.config.validate', { content: text });
        set({ parseError: error });
        return error;
      } catch (err) {
        set({ configError: errorOf(err) });
        return null;
      }
    },
    async saveConfig(content) {
      const text = content ?? get().draft;
      set({ saving: true, configError: null });
      try {
        const expected = get().config?.exists ? get().config?.sha256 : undefined;
        await call('home.config.write', { content: text, ...(expected ? { expectedSha256: expected } : {}) });
        await get().loadConfig();
        set({ savedAt: Date.now() });
        return true;
      } catch (err) {
        set({ configError: errorOf(err) });
        return false;
      } finally {
        set({ saving: false });
      }
    },
    async generate(form) {
      try {
        const g = await call('home.config.generate', form);
        return { content: g.content, parseError: g.parseError };
      } catch (err) {
        set({ configError: errorOf(err) });
        return null;
      }
    },
    startSetup: (branch, from, backupExtension) => {
      set({ setupFrom: from ?? 'channel' });
      return track('setupJobId', () => call('home.setup', { branch, ...(from ? { from } : {}), ...(backupExtension ? { backupExtension } : {}) }));
    },
    startSwitch: (backupExtension) => {
      set({ switchResult: null });
      return track('switchJobId', () => call('home.switch', backupExtension ? { backupExtension } : {}));
    },
    rollback: () => {
      set({ activationFrom: get().generations.find((g) => g.current)?.generation ?? null });
      return track('activationJobId', () => call('home.rollback', {}));
    },
    switchGeneration: (generation) => {
      set({ activationFrom: get().generations.find((g) => g.current)?.generation ?? null });
      return track('activationJobId', () => call('home.switchGeneration', { generation }));
    },
    async removeGenerations(generations) {
      set({ actionError: null });
      try {
        const r = await call('home.removeGenerations', { generations });
        await get().loadGenerations();
        return r;
      } catch (err) {
        set({ actionError: errorOf(err) });
        return null;
      }
    },
    async loadDiff(from, to) {
      set({ actionError: null });
      try {
        set({ diff: { from, to, result: await call('home.diff', { from, to }) } });
      } catch (err) {
        set({ actionError: errorOf(err), diff: null });
      }
    },
    async loadNews(markRead = false) {
      set({ newsLoading: true });
      try {
        const r = await call('home.news', { markRead });
        set({ news: r.items, newsError: null });
      } catch (err) {
        set({ newsError: errorOf(err) });
      } finally {
        set({ newsLoading: false });
      }
    },
    async expireGenerations(olderThanDays, dryRun) {
      set({ expireBusy: true, expireError: null });
      try {
        set({ expire: await call('home.expireGenerations', { olderThanDays, dryRun }) });
        if (!dryRun) await get().loadGenerations();
      } catch (err) {
        set({ expireError: errorOf(err) });
      } finally {
        set({ expireBusy: false });
      }
    },
    clearExpire: () => set({ expire: null, expireError: null }),
    clearActionError: () => set({ actionError: null }),
  };
});

/**
 * Where Home Manager stands for this person, the one answer every tab and card uses:
 * - `not-installed`: no generations and no command: the setup wizard;
 * - `command-missing`: generations exist (Home Manager was installed once) but the `home-manager`
 *   command cannot be found, so Switch and News cannot run: say exactly that, with the fix;
 * - `ready`: the command is there.
 */
export type HomeReadiness =
  | { kind: 'not-installed' }
  | { kind: 'command-missing'; generation: number | null; version: string | null; fix: HomeCommandFix }
  | { kind: 'ready' };

/** How to get the `home-manager` command back: the setup's install step (with the channel it uses), or the command to run. */
export interface HomeCommandFix {
  /** the home-manager branch the setup's install step can use; null when the setup cannot do it (a flake, no channel) */
  setupBranch: string | null;
  command: string;
}

export function homeReadiness(status: HomeStatus): HomeReadiness {
  if (status.command) return { kind: 'ready' };
  if (status.profile.generations === 0 && status.profile.current === null) return { kind: 'not-installed' };
  const branch = /^(release-\d{2}\.\d{2}|master)$/.test(status.homeManagerChannel?.release ?? '') ? status.homeManagerChannel!.release : (status.recommended?.branch ?? null);
  const fix: HomeCommandFix = status.flake
    ? { setupBranch: null, command: `nix run home-manager/${branch ?? 'master'} -- switch` }
    : { setupBranch: status.homeManagerChannel ? branch : null, command: "nix-shell '<home-manager>' -A install" };
  return { kind: 'command-missing', generation: status.profile.current, version: status.version, fix };
}

/** The one Home Manager status, null until it is read. */
export function useHomeReadiness(): HomeReadiness | null {
  const status = useHome((s) => s.status);
  return status ? homeReadiness(status) : null;
}

/** the running or last job of a kind, from the jobs store */
export function useHomeJob(jobId: string | null) {
  return useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
}

onEvent((event) => {
  if (event.topic === 'changed' && (event.what === 'home-profile' || event.what === 'channels')) {
    void useHome.getState().loadStatus();
    void useHome.getState().loadGenerations();
  }
});

/** A package attribute as home.packages takes it inside `with pkgs;`: a Nix name, or a dotted path such as python3Packages.requests. */
export const packageAttrPattern = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/;
export const MAX_PACKAGE_ATTR = 100;

export interface PackageSuggestion {
  attr: string;
  version: string;
  description: string;
}

/** Whether the search feature has a package list to pick from, and which release it is. */
export async function packageListStatus(): Promise<{ available: boolean; release: string | null; message: string | null }> {
  try {
    const { sources } = await call('search.sources', {});
    const packages = sources.find((s) => s.id === 'packages');
    return { available: !!packages?.available, release: packages?.release ?? packages?.channel ?? null, message: packages?.message ?? null };
  } catch {
    return { available: false, release: null, message: null };
  }
}

/** Packages matching what was typed, from the search feature's offline list; only names home.nix can take. */
export async function suggestPackages(query: string, limit = 8): Promise<PackageSuggestion[]> {
  const { results } = await call('search.packages', { query: query.slice(0, 200), limit, offset: 0 });
  return results
    .filter((r) => packageAttrPattern.test(r.attr) && r.attr.length <= MAX_PACKAGE_ATTR)
    .map((r) => ({ attr: r.attr, version: r.version, description: r.description }));
}
