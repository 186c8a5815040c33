import { create } from 'zustand';
import type { Params, Preview, RebuildAction, Result, RpcError, SafeSwitchState, SystemSettings } from '../../shared/contract';
import { call, errorOf, onEvent } from '../lib/bridge';
import { useJobs } from './jobs';
import { useSystemGenerations } from './system-generations';

/** Methods whose jobs change the system; the Rebuild tab follows the newest of them. */
export const systemJobMethods = ['system.rebuild', 'system.safeSwitch', 'system.rollback', 'system.switchGeneration', 'system.switchSpecialisation'] as const;

type ConfigRead = Result<'system.config.read'>;
type Evaluation = Result<'system.config.evaluate'>;
type Backup = Result<'system.config.backups'>['backups'][number];

export interface RebuildForm {
  action: RebuildAction;
  upgrade: boolean;
  showTrace: boolean;
}

interface RebuildState {
  settings: SystemSettings | null;
  /** the system job the Rebuild tab shows */
  activeJobId: string | null;
  /** that job ended before this window opened (a later session): the tab says when, not all of it */
  activeJobFromEarlier: boolean;
  /** jobs waiting in their preview step, by job id */
  previews: Record<string, Preview | null>;
  safeSwitch: SafeSwitchState | null;
  error: RpcError | null;

  config: ConfigRead | null;
  configError: RpcError | null;
  /** the editor's text, which may differ from the saved file */
  draft: string;
  parseErrors: { line: number; column: number; message: string }[];
  evaluation: Evaluation | null;
  evaluating: boolean;
  saving: boolean;
  backups: Backup[];

  /** the Rebuild form's choices: kept here so leaving the tab and coming back does not reset them */
  form: RebuildForm;
  setForm(change: Partial<RebuildForm>): void;
  loadSettings(): Promise<void>;
  saveSettings(change: Partial<SystemSettings>): Promise<void>;
  findActiveJob(): Promise<void>;
  start(params: Params<'system.rebuild'>): Promise<string | null>;
  startSafeSwitch(): Promise<string | null>;
  answerPreview(jobId: string, proceed: boolean): Promise<void>;
  loadSafeSwitch(): Promise<void>;
  keepTrial(): Promise<void>;
  revertTrial(): Promise<void>;

  loadConfig(path?: string): Promise<void>;
  setDraft(text: string): void;
  parseDraft(): Promise<{ line: number; column: number; message: string }[]>;
  saveConfig(): Promise<boolean>;
  evaluate(): Promise<void>;
  loadBackups(): Promise<void>;
  restoreBackup(name: string): Promise<void>;
}

const windowOpenedAt = Date.now();

async function startJob(set: (s: Partial<RebuildState>) => void, run: () => Promise<{ jobId: string }>): Promise<string | null> {
  // what Undo goes back to when this job activates something: the generation that is the boot default now
  const before = useSystemGenerations.getState().generations?.current ?? null;
  try {
    const { jobId } = await run();
    set({ activeJobId: jobId, activeJobFromEarlier: false, error: null });
    if (before !== null) useSystemGenerations.setState((s) => ({ undoTo: { ...s.undoTo, [jobId]: before } }));
    return jobId;
  } catch (err) {
    set({ error: errorOf(err) });
    return null;
  }
}

export const useSystemRebuild = create<RebuildState>((set, get) => ({
  form: { action: 'switch', upgrade: false, showTrace: false },
  setForm(change) {
    set((s) => ({ form: { ...s.form, ...change } }));
  },
  settings: null,
  activeJobId: null,
  activeJobFromEarlier: false,
  previews: {},
  safeSwitch: null,
  error: null,
  config: null,
  configError: null,
  draft: '',
  parseErrors: [],
  evaluation: null,
  evaluating: false,
  saving: false,
  backups: [],

  async loadSettings() {
    try {
      set({ settings: await call('system.settings.get', {}) });
    } catch (err) {
      set({ error: errorOf(err) });
    }
  },
  async saveSettings(change) {
    try {
      set({ settings: await call('system.settings.set', change), error: null });
    } catch (err) {
      set({ error: errorOf(err) });
    }
  },
  async findActiveJob() {
    await useJobs.getState().refresh().catch(() => {});
    const { jobId: reattached } = await call('system.rebuild.reattach', {}).catch(() => ({ jobId: null }));
    if (reattached) await useJobs.getState().refresh().catch(() => {});
    const jobs = Object.values(useJobs.getState().jobs).filter((j) => (systemJobMethods as readonly string[]).includes(j.method));
    const running = jobs.find((j) => j.status === 'running');
    const newest = running ?? jobs.sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
    if (newest && !get().activeJobId) set({ activeJobId: newest.id, activeJobFromEarlier: newest.status !== 'running' && Date.parse(newest.endedAt ?? newest.startedAt) < windowOpenedAt });
    if (running) {
      await useJobs.getState().backfill(running.id).catch(() => {});
      const p = await call('system.rebuild.preview', { jobId: running.id }).catch(() => null);
      if (p?.waiting) set((s) => ({ previews: { ...s.previews, [running.id]: p.preview } }));
    }
  },
  start: (params) => startJob(set, () => call('system.rebuild', params)),
  startSafeSwitch: () => startJob(set, () => call('system.safeSwitch', {})),
  async answerPreview(jobId, proceed) {
    set((s) => {
      const previews = { ...s.previews };
      delete previews[jobId];
      return { previews };
    });
    try {
      await call('system.rebuild.confirm', { jobId, proceed });
    } catch (err) {
      set({ error: errorOf(err) });
    }
  },
  async loadSafeSwitch() {
    try {
      set({ safeSwitch: await call('system.safeSwitch.status', {}) });
    } catch {
      /* the banner stays hidden */
    }
  },
  async keepTrial() {
    try {
      set({ safeSwitch: await call('system.safeSwitch.confirm', {}) });
    } catch (err) {
      set({ error: errorOf(err) });
    }
  },
  async revertTrial() {
    try {
      set({ safeSwitch: await call('system.safeSwitch.revert', {}) });
    } catch (err) {
      set({ error: errorOf(err) });
    }
  },

  async loadConfig(path) {
    try {
      const config = await call('system.config.read', path ? { path } : {});
      set({ config, configError: null, draft: config.file?.content ?? '', parseErrors: [], evaluation: null });
    } catch (err) {
      set({ configError: errorOf(err) });
    }
  },
  setDraft(text) {
    set({ draft: text });
  },
  async parseDraft() {
    try {
      const { errors } = await call('system.config.parse', { content: get().draft });
      set({ parseErrors: errors });
      return errors;
    } catch {
      return get().parseErrors;
    }
  },
  async saveConfig() {
    const { config, draft } = get();
    if (!config?.file) return false;
    set({ saving: true });
    try {
      const saved = await call('system.config.write', { path: config.file.path, content: draft, expectedSha256: config.file.sha256 });
      set({ config: { ...config, file: { ...config.file, content: draft, sha256: saved.sha256 } }, configError: null });
      void get().loadBackups();
      return true;
    } catch (err) {
      set({ configError: errorOf(err) });
      return false;
    } finally {
      set({ saving: false });
    }
  },
  async evaluate() {
    set({ evaluating: true, evaluation: null });
    try {
      set({ evaluation: await call('system.config.evaluate', {}), configError: null });
    } catch (err) {
      set({ configError: errorOf(err) });
    } finally {
      set({ evaluating: false });
    }
  },
  async loadBackups() {
    try {
      const path = get().config?.file?.path;
      const { backups } = await call('system.config.backups', path ? { path } : {});
      set({ backups });
    } catch {
      set({ backups: [] });
    }
  },
  async restoreBackup(name) {
    try {
      await call('system.config.restore', { backup: name });
      await get().loadConfig(get().config?.file?.path);
      await get().loadBackups();
    } catch (err) {
      set({ configError: errorOf(err) });
    }
  },
}));

onEvent((event) => {
  if (event.topic === 'changed' && event.what === 'safe-switch') {
    useSystemRebuild.setState({ safeSwitch: event.detail as SafeSwitchState });
  }
  if (event.topic === 'job' && event.kind === 'started' && (systemJobMethods as readonly string[]).includes(event.method)) {
    useSystemRebuild.setState({ activeJobId: event.jobId, activeJobFromEarlier: false });
  }
  if (event.topic === 'job' && event.kind === 'phase' && event.phase === 'confirm') {
    void call('system.rebuild.preview', { jobId: event.jobId }).then((p) => {
      if (p.waiting) useSystemRebuild.setState((s) => ({ previews: { ...s.previews, [event.jobId]: p.preview } }));
    });
  }
  if (event.topic === 'job' && (event.kind === 'done' || event.kind === 'failed' || event.kind === 'cancelled')) {
    const previews = useSystemRebuild.getState().previews;
    if (event.jobId in previews) {
      const next = { ...previews };
      delete next[event.jobId];
      useSystemRebuild.setState({ previews: next });
    }
  }
});
