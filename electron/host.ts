import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The host environment: every system path, command name and remote base URL the app touches.
 * A JSON file named by NIXOS_COMPANION_HOST overrides any key (tests point the app at fixtures this way).
 * The README documents every key.
 */
const commandNames = [
  'nixos-rebuild',
  'nixos-version',
  'home-manager',
  'nix-channel',
  'nix-env',
  'nix',
  'nix-build',
  'nix-instantiate',
  'nix-store',
  'nix-collect-garbage',
  'nix-shell',
  'lsblk',
  'udevadm',
  'systemd-run',
  'systemd-inhibit',
  'pkexec',
  'git',
  'findmnt',
  'umount',
  'mount',
  'blkid',
  'partx',
  'eject',
  'xdg-open',
  'sqlite3',
] as const;
export type CommandName = (typeof commandNames)[number];

function defaults(env: NodeJS.ProcessEnv) {
  const home = env.HOME || os.homedir();
  const user = env.USER || os.userInfo().username;
  const xdgState = env.XDG_STATE_HOME || path.join(home, '.local/state');
  const xdgCache = env.XDG_CACHE_HOME || path.join(home, '.cache');
  const xdgConfig = env.XDG_CONFIG_HOME || path.join(home, '.config');
  return {
    systemProfile: '/nix/var/nix/profiles/system',
    currentSystem: '/run/current-system',
    bootedSystem: '/run/booted-system',
    nixosConfigDir: '/etc/nixos',
    rootChannelsDir: '/nix/var/nix/profiles/per-user/root/channels',
    rootChannelsFile: '/root/.nix-channels',
    nixStoreDir: '/nix/store',
    /** where the boot loader keeps kernels and boot entries (systemd-boot's boot.loader.efi.efiSysMountPoint, or XBOOTLDR's mount point) */
    bootDir: '/boot',
    /** Nix's database, read (read-only, with sqlite3) for closures and sizes; empty = always ask `nix` */
    nixDbFile: '/nix/var/nix/db/db.sqlite',
    osReleaseFile: '/etc/os-release',
    nixosMarkerFile: '/etc/NIXOS',
    homeDir: home,
    userName: user,
    hostname: os.hostname(),
    /** empty = resolve like home-manager does: the XDG state profile dir when it exists, else per-user */
    homeManagerProfile: '',
    homeManagerConfig: path.join(xdgConfig, 'home-manager/home.nix'),
    userChannelsFile: path.join(home, '.nix-channels'),
    /** the user's channel profile; empty = where ~/.nix-defexpr/channels points (nix-channel keeps that link), else nix's default */
    userChannelsDir: '',
    /** read for allowed-users (may this user talk to Nix at all) */
    nixConfFile: '/etc/nix/nix.conf',
    /** read for @group entries in allowed-users */
    groupFile: '/etc/group',
    stateDir: path.join(xdgState, 'nixos-companion'),
    cacheDir: path.join(xdgCache, 'nixos-companion'),
    configDir: path.join(xdgConfig, 'nixos-companion'),
    autostartDir: path.join(xdgConfig, 'autostart'),
    channelBaseUrl: 'https://channels.nixos.org',
    releasesBaseUrl: 'https://releases.nixos.org',
    homeManagerArchiveBaseUrl: 'https://github.com/nix-community/home-manager/archive',
    packagesJsonFile: '',
    optionsJsonFile: '',
    homeManagerOptionsFile: '',
    privilege: (process.platform === 'linux' ? (process.getuid?.() === 0 ? 'direct' : 'pkexec') : 'sudo-prompt') as
      | 'pkexec'
      | 'sudo-prompt'
      | 'direct',
    /** how to start the root helper: argv prefix; empty = the built helper next to the app */
    helperCommand: [] as string[],
    allowLoopDevices: false,
    /** let channel URLs use plain http to 127.0.0.1 (tests with a local channel server); https is required otherwise */
    allowHttpLoopbackChannels: false,
    /** hold a systemd-inhibit lock (idle, sleep) while writing a USB stick */
    keepAwake: true,
    /** where the install wizard saves the starter configuration.nix */
    starterConfigDir: path.join(home, 'nixos-starter'),
    useSystemdRun: true,
    /** root-owned, world-readable folder where the helper keeps builds awaiting activation and the running activation's log and state (reattach after a restart) */
    activationDir: '/run/nixos-companion',
    /** read for "on battery?" (each supply's type, online and status): background updates wait for mains power */
    powerSupplyDir: '/sys/class/power_supply',
    /** background update checks: seconds between checks; 0 = the schedule in the app settings (daily or weekly) */
    updateCheckEverySeconds: 0,
    commands: Object.fromEntries(commandNames.map((c) => [c, c])) as Record<CommandName, string>,
  };
}

export type Host = ReturnType<typeof defaults>;

const overrideSchema = z
  .object({
    systemProfile: z.string(),
    currentSystem: z.string(),
    bootedSystem: z.string(),
    nixosConfigDir: z.string(),
    rootChannelsDir: z.string(),
    rootChannelsFile: z.string(),
    nixStoreDir: z.string(),
    bootDir: z.string(),
    nixDbFile: z.string(),
    osReleaseFile: z.string(),
    nixosMarkerFile: z.string(),
    homeDir: z.string(),
    userName: z.string(),
    hostname: z.string(),
    homeManagerProfile: z.string(),
    homeManagerConfig: z.string(),
    userChannelsFile: z.string(),
    userChannelsDir: z.string(),
    nixConfFile: z.string(),
    groupFile: z.string(),
    stateDir: z.string(),
    cacheDir: z.string(),
    configDir: z.string(),
    autostartDir: z.string(),
    channelBaseUrl: z.string().url(),
    releasesBaseUrl: z.string().url(),
    homeManagerArchiveBaseUrl: z.string().url(),
    packagesJsonFile: z.string(),
    optionsJsonFile: z.string(),
    homeManagerOptionsFile: z.string(),
    privilege: z.enum(['pkexec', 'sudo-prompt', 'direct']),
    helperCommand: z.array(z.string()).min(1),
    allowLoopDevices: z.boolean(),
    allowHttpLoopbackChannels: z.boolean(),
    keepAwake: z.boolean(),
    starterConfigDir: z.string(),
    useSystemdRun: z.boolean(),
    activationDir: z.string(),
    powerSupplyDir: z.string(),
    updateCheckEverySeconds: z.number().int().min(0).max(366 * 86_400),
    commands: z.partialRecord(z.enum(commandNames), z.string().min(1)),
  })
  .partial()
  .strict();

export type HostOverrides = z.input<typeof overrideSchema>;

export function loadHost(env: NodeJS.ProcessEnv = process.env, overrides: HostOverrides = {}): Host {
  const base = defaults(env);
  let fromFile: HostOverrides = {};
  const file = env.NIXOS_COMPANION_HOST;
  if (file) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`NIXOS_COMPANION_HOST names ${file}, which could not be read as JSON: ${(err as Error).message}`);
    }
    const parsed = overrideSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`NIXOS_COMPANION_HOST file ${file} has unknown or invalid keys: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    fromFile = parsed.data;
  }
  const merged = { ...base, ...fromFile, ...overrides } as Host;
  merged.commands = { ...base.commands, ...fromFile.commands, ...overrides.commands };
  return merged;
}

export const hostKeys = Object.keys(overrideSchema.shape);
