import type { Release } from '../shared/contract/installer';
import type { PreflightReport } from '../shared/contract/system-preflight';
import { CommandRunner } from './exec/runner';
import { EventBus } from './exec/events';
import { JobManager } from './exec/jobs';
import { createPrivilegedRunner, type PrivilegedRunner } from './exec/privilege';
import type { Host } from './host';
import type { Desktop } from './services/desktop/desktop';
import type { ImagePicker } from './services/installer/pick-image';
import type { ExternalOpener } from './services/learn/open-external';
import type { SearchState } from './services/search/sources';
import type { BackgroundUpdates } from './services/system/background-update';
import type { DiffCaches } from './services/system/diff';
import type { PendingCheck } from './services/system/flake';
import type { DriveWatch } from './services/usb/drive-list';

/**
 * What the services keep between calls, for one app: made with its context and let go with it (createApp's
 * dispose stops what runs). Each service reads and writes only its own fields; nothing lives in
 * module-level tables.
 */
export class AppState {
  /** installer: the release list and when it was fetched */
  releases: { at: number; value: Release[] } | null = null;
  /** the Electron shell's file dialog, when there is one (`npm run serve` has none) */
  imagePicker: ImagePicker | null = null;
  /** the Electron shell's shell.openExternal; without it, xdg-open */
  externalOpener: ExternalOpener | null = null;
  /** tray, notifications, profile watcher (started by createApp) */
  desktop: Desktop | null = null;
  /** background update checks (started by the desktop) */
  backgroundUpdates: BackgroundUpdates | null = null;
  /** /dev watcher and lsblk poll, from the first drive list on */
  driveWatch: DriveWatch | null = null;
  /** loaded search indexes and the channel watch, from the first search on */
  search: SearchState | null = null;
  /** closures and references of store paths already read */
  diff: DiffCaches = { closures: new Map(), references: new Map() };
  /** flake input checks waiting to be applied, newest last */
  flakeChecks = new Map<string, PendingCheck>();
  /** when the Nix database may be read directly again after it could not be (ms since epoch) */
  nixDbRetryAt = 0;
  /** the pre-flight reports of the last rebuild jobs, by job id, oldest first */
  preflightReports = new Map<string, PreflightReport>();
  /** how to start this app again, for the autostart entry (the Electron shell sets its own executable) */
  launchCommand: string[] = ['nixos-companion'];
}

/** Everything a service needs from the outside world, made once per app and passed down. */
export interface AppContext {
  host: Host;
  runner: CommandRunner;
  privileged: PrivilegedRunner;
  events: EventBus;
  jobs: JobManager;
  state: AppState;
}

export function createContext(host: Host): AppContext {
  const events = new EventBus();
  return {
    host,
    runner: new CommandRunner(host),
    privileged: createPrivilegedRunner(host),
    events,
    jobs: new JobManager(events),
    state: new AppState(),
  };
}
