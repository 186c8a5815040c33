import { create } from 'zustand';
import type { Drive, ImageResult, IsoArch, IsoEdition, Release, ResolvedImage, RpcError, StarterConfigInput, VentoyCopyResult, WriteResult } from '../../shared/contract';
import { call, errorOf, onEvent } from '../lib/bridge';
import { useJobs, waitForJob } from './jobs';
import { releaseOfVersion } from '../../shared/nixos-release';

export const steps = ['choose', 'download', 'drive', 'write', 'done'] as const;
export type Step = (typeof steps)[number];

interface Choice {
  id: string;
  label: string;
  description: string;
}

export interface StarterState {
  form: StarterConfigInput;
  content: string | null;
  valid: boolean | null;
  checked: boolean;
  parseError: string | null;
  savedPath: string | null;
  error: RpcError | null;
  busy: boolean;
}

interface InstallState {
  step: Step;
  catalog: { releases: Release[]; editions: Choice[]; arches: Choice[]; machineArch: IsoArch } | null;
  catalogError: RpcError | null;
  catalogLoading: boolean;
  source: 'download' | 'local';
  channel: string | null;
  edition: IsoEdition;
  arch: IsoArch;
  localPath: string;
  localSha256: string;
  /** the system file dialog (desktop window only) is open */
  picking: boolean;
  pickError: RpcError | null;
  resolved: ResolvedImage | null;
  resolveError: RpcError | null;
  resolving: boolean;
  imageJobId: string | null;
  image: ImageResult | null;
  imageError: RpcError | null;
  drives: Drive[];
  drivesError: RpcError | null;
  drivesLoading: boolean;
  loopDevicesShown: boolean;
  /** never preselected: null until the person picks one */
  device: string | null;
  mode: 'raw' | 'ventoy';
  verify: boolean;
  includeStarter: boolean;
  ventoyInfo: { freeBytes: number; isos: { name: string; size: number }[] } | null;
  ventoyInfoError: RpcError | null;
  writeJobId: string | null;
  writeResult: WriteResult | null;
  ventoyResult: VentoyCopyResult | null;
  writeError: RpcError | null;
  ejected: { poweredOff: boolean; message: string } | null;
  ejectError: RpcError | null;
  starter: StarterState;

  goto(step: Step): void;
  loadCatalog(): Promise<void>;
  setSource(source: 'download' | 'local'): void;
  choose(patch: Partial<Pick<InstallState, 'channel' | 'edition' | 'arch' | 'localPath' | 'localSha256'>>): void;
  resolve(): Promise<void>;
  pickImage(): Promise<void>;
  startImage(): Promise<void>;
  cancelJob(jobId: string | null): Promise<void>;
  loadDrives(): Promise<void>;
  selectDrive(path: string | null): void;
  setMode(mode: 'raw' | 'ventoy'): void;
  setVerify(verify: boolean): void;
  setIncludeStarter(v: boolean): void;
  startWrite(): Promise<void>;
  eject(): Promise<void>;
  setStarter(patch: Partial<StarterConfigInput>): void;
  generateStarter(): Promise<void>;
  saveStarter(): Promise<void>;
  restart(): void;
}

const defaultStarter = (): StarterConfigInput => {
  const tz = (() => {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    } catch {
      return 'UTC';
    }
  })();
  const lang = (typeof navigator !== 'undefined' ? navigator.language : 'en-US') || 'en-US';
  const m = /^([a-z]{2,3})-([A-Z]{2})$/.exec(lang);
  return {
    hostname: 'nixos',
    userName: '',
    fullName: '',
    timeZone: /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+){0,2}$/.test(tz) ? tz : 'UTC',
    keyboardLayout: 'us',
    locale: m ? `${m[1]}_${m[2]}.UTF-8` : 'en_US.UTF-8',
    desktop: 'gnome',
    ssh: false,
    flakes: false,
  };
};

export const useInstall = create<InstallState>((set, get) => ({
  step: 'choose',
  catalog: null,
  catalogError: null,
  catalogLoading: false,
  source: 'download',
  channel: null,
  edition: 'graphical',
  arch: 'x86_64',
  localPath: '',
  localSha256: '',
  picking: false,
  pickError: null,
  resolved: null,
  resolveError: null,
  resolving: false,
  imageJobId: null,
  image: null,
  imageError: null,
  drives: [],
  drivesError: null,
  drivesLoading: false,
  loopDevicesShown: false,
  device: null,
  mode: 'raw',
  verify: true,
  includeStarter: false,
  ventoyInfo: null,
  ventoyInfoError: null,
  writeJobId: null,
  writeResult: null,
  ventoyResult: null,
  writeError: null,
  ejected: null,
  ejectError: null,
  starter: { form: defaultStarter(), content: null, valid: null, checked: false, parseError: null, savedPath: null, error: null, busy: false },

  goto(step) {
    set({ step });
    if (step === 'drive') void get().loadDrives();
  },

  async loadCatalog() {
    set({ catalogLoading: true, catalogError: null });
    try {
      const r = await call('installer.releases', {});
      const stable = r.releases.find((x) => x.kind === 'stable') ?? r.releases[0];
      set({ catalog: r, channel: get().channel ?? stable?.channel ?? null, arch: r.machineArch });
      void get().resolve();
    } catch (err) {
      set({ catalogError: errorOf(err) });
    } finally {
      set({ catalogLoading: false });
    }
  },

  setSource(source) {
    set({ source, resolveError: null });
  },

  choose(patch) {
    set({ ...patch, resolved: 'channel' in patch || 'edition' in patch || 'arch' in patch ? null : get().resolved });
    if ('channel' in patch || 'edition' in patch || 'arch' in patch) void get().resolve();
  },

  async resolve() {
    const { channel, edition, arch } = get();
    if (!channel) return;
    set({ resolving: true, resolveError: null });
    try {
      const r = await call('installer.resolve', { channel, edition, arch });
      if (get().channel === channel && get().edition === edition && get().arch === arch) set({ resolved: r });
    } catch (err) {
      if (get().channel === channel && get().edition === edition && get().arch === arch) set({ resolveError: errorOf(err), resolved: null });
    } finally {
      set({ resolving: false });
    }
  },

  async pickImage() {
    set({ picking: true, pickError: null });
    try {
      const r = await call('installer.pickImage', {});
      if (r.path) set({ localPath: r.path });
    } catch (err) {
      set({ pickError: errorOf(err) });
    } finally {
      set({ picking: false });
    }
  },

  async startImage() {
    const s = get();
    set({ image: null, imageError: null, step: 'download', device: null, writeResult: null, ventoyResult: null, writeError: null });
    try {
      const { jobId } =
        s.source === 'local'
          ? await call('installer.checkLocal', { path: s.localPath.trim(), ...(s.localSha256.trim() ? { sha256: extractHex(s.localSha256) } : {}) })
          : await call('installer.download', { channel: s.channel!, edition: s.edition, arch: s.arch });
      set({ imageJobId: jobId });
      const job = await waitForJob(jobId);
      if (get().imageJobId !== jobId) return;
      if (job.status === 'done') set({ image: job.result as ImageResult });
      else if (job.status === 'failed' && job.error) set({ imageError: job.error });
      else if (job.status === 'cancelled') set({ imageError: { code: 'cancelled', message: s.source === 'local' ? 'Checking was stopped.' : 'Download paused. Start it again to continue from where it stopped.' } });
    } catch (err) {
      set({ imageError: errorOf(err) });
    }
  },

  async cancelJob(jobId) {
    if (!jobId) return;
    await useJobs.getState().cancel(jobId).catch(() => {});
  },

  async loadDrives() {
    const image = get().image?.path;
    set({ drivesLoading: true });
    try {
      const r = await call('usb.drives', image ? { image } : {});
      const device = get().device;
      // the picked drive went away or became unusable: un-pick it rather than write somewhere else
      const still = r.drives.find((d) => d.path === device && !d.blockedReason);
      set({ drives: r.drives, loopDevicesShown: r.loopDevicesShown, drivesError: null, device: still ? device : null });
      if (!still || !still.ventoy) set({ mode: 'raw' });
    } catch (err) {
      set({ drivesError: errorOf(err) });
    } finally {
      set({ drivesLoading: false });
    }
  },

  selectDrive(path) {
    const d = get().drives.find((x) => x.path === path);
    set({ device: d && !d.blockedReason ? d.path : null, mode: 'raw', ejected: null, ejectError: null });
  },
  setMode(mode) {
    set({ mode, ventoyInfo: null, ventoyInfoError: null });
    const device = get().device;
    if (mode === 'ventoy' && device) {
      call('usb.ventoyInfo', { device }).then(
        (r) => get().device === device && set({ ventoyInfo: { freeBytes: r.freeBytes, isos: r.isos } }),
        (err: unknown) => get().device === device && set({ ventoyInfoError: errorOf(err) }),
      );
    }
  },
  setVerify(verify) {
    set({ verify });
  },
  setIncludeStarter(v) {
    set({ includeStarter: v });
  },

  async startWrite() {
    const s = get();
    const drive = s.drives.find((d) => d.path === s.device);
    if (!drive || !s.image) return;
    set({ step: 'write', writeError: null, writeResult: null, ventoyResult: null, ejected: null, ejectError: null });
    const expected = { size: drive.size, serial: drive.serial, diskseq: drive.diskseq };
    try {
      let configuration: string | undefined;
      if (s.mode === 'ventoy' && s.includeStarter) {
        await get().generateStarter();
        const st = get().starter;
        if (st.valid && st.content) configuration = st.content;
      }
      const { jobId } =
        s.mode === 'ventoy'
          ? await call('usb.copyToVentoy', { image: s.image.path, device: drive.path, expected, ...(s.image.expectedSha256 ? { sha256: s.image.expectedSha256 } : {}), ...(configuration ? { configuration } : {}) })
          : await call('usb.write', { image: s.image.path, device: drive.path, verify: s.verify, expected });
      set({ writeJobId: jobId });
      const job = await waitForJob(jobId);
      if (get().writeJobId !== jobId) return;
      if (job.status === 'done') {
        if (s.mode === 'ventoy') set({ ventoyResult: job.result as VentoyCopyResult, step: 'done' });
        else set({ writeResult: job.result as WriteResult, step: 'done' });
      } else if (job.status === 'failed' && job.error) set({ writeError: job.error });
      else set({ writeError: { code: 'cancelled', message: 'Writing was stopped. The stick is only partly written and will not boot: write it again, or reformat it.' } });
    } catch (err) {
      set({ writeError: errorOf(err) });
    }
  },

  async eject() {
    const device = get().device;
    if (!device) return;
    try {
      const r = await call('usb.eject', { device });
      set({ ejected: { poweredOff: r.poweredOff, message: r.message }, ejectError: null });
    } catch (err) {
      set({ ejectError: errorOf(err) });
    }
  },

  setStarter(patch) {
    set((s) => ({ starter: { ...s.starter, form: { ...s.starter.form, ...patch }, content: null, valid: null, savedPath: null, error: null } }));
  },

  async generateStarter() {
    set((s) => ({ starter: { ...s.starter, busy: true, error: null } }));
    try {
      const r = await call('installer.starterConfig', starterParams(get()));
      set((s) => ({ starter: { ...s.starter, content: r.content, valid: r.valid, checked: r.checked, parseError: r.parseError } }));
    } catch (err) {
      set((s) => ({ starter: { ...s.starter, error: errorOf(err), content: null, valid: null } }));
    } finally {
      set((s) => ({ starter: { ...s.starter, busy: false } }));
    }
  },

  async saveStarter() {
    set((s) => ({ starter: { ...s.starter, busy: true, error: null } }));
    try {
      const r = await call('installer.saveStarterConfig', starterParams(get()));
      set((s) => ({ starter: { ...s.starter, savedPath: r.path } }));
    } catch (err) {
      set((s) => ({ starter: { ...s.starter, error: errorOf(err) } }));
    } finally {
      set((s) => ({ starter: { ...s.starter, busy: false } }));
    }
  },

  restart() {
    set({ step: 'choose', image: null, imageError: null, imageJobId: null, device: null, writeJobId: null, writeResult: null, ventoyResult: null, writeError: null, ejected: null, ejectError: null, mode: 'raw' });
  },
}));

/** The form plus the release being installed (from the image's version, e.g. 25.11.1234.abc), so option names fit it. */
function starterParams(s: Pick<InstallState, 'starter' | 'image' | 'resolved'>): StarterConfigInput {
  const release = starterRelease(s);
  return release ? { ...s.starter.form, release } : s.starter.form;
}

/** The NixOS release of the chosen image ("25.11"), when its version says. */
export function starterRelease(s: Pick<InstallState, 'image' | 'resolved'>): string | undefined {
  return releaseOfVersion(s.image?.version ?? s.resolved?.version);
}

/** The hex out of whatever was pasted: a bare hash, or a line of a .sha256 file. */
export function extractHex(text: string): string {
  return /[0-9a-fA-F]{64}/.exec(text)?.[0]?.toLowerCase() ?? text.trim();
}

onEvent((event) => {
  if (event.topic === 'changed' && event.what === 'drives' && useInstall.getState().step === 'drive') void useInstall.getState().loadDrives();
});
