import { access, constants, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../../context';
import { homeManagerProfile } from './profile-path';

export interface HomeManagerCommand {
  path: string;
  /** found on the PATH this app was started with (false: found in the user's profile, so a new login is needed for shells) */
  onPath: boolean;
}

const isExecutable = (p: string) => access(p, constants.X_OK).then(() => true, () => false);

async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * The home-manager command: the configured one (absolute or on PATH), else where a fresh standalone
 * install puts it before the next login: the user's nix profile, or the home-manager generation's home-path.
 */
export async function findHomeManager(ctx: AppContext): Promise<HomeManagerCommand | null> {
  const configured = ctx.runner.resolve('home-manager');
  if (path.isAbsolute(configured)) return (await isExecutable(configured)) ? { path: configured, onPath: true } : null;
  const found = await onPath(configured);
  if (found) return { path: found, onPath: true };
  const { homeDir, userName } = ctx.host;
  const stateHome = process.env.XDG_STATE_HOME || path.join(homeDir, '.local/state');
  const candidates = [
    path.join(homeDir, '.nix-profile/bin/home-manager'),
    path.join(stateHome, 'nix/profile/bin/home-manager'),
    path.join('/etc/profiles/per-user', userName, 'bin/home-manager'),
    path.join(await homeManagerProfile(ctx.host), 'home-path/bin/home-manager'),
  ];
  for (const candidate of candidates) if (await isExecutable(candidate)) return { path: candidate, onPath: false };
  return null;
}

/** The home-manager release a generation was built by (its `hm-version` file), e.g. `24.11` or `25.05-pre+abc`. */
export async function generationVersion(storePath: string): Promise<string | null> {
  try {
    return (await readFile(path.join(storePath, 'hm-version'), 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

/** The installed version: the current generation's hm-version, else `home-manager --version`. */
export async function homeManagerVersion(ctx: AppContext, command: HomeManagerCommand | null): Promise<string | null> {
  const fromGeneration = await generationVersion(await homeManagerProfile(ctx.host));
  if (fromGeneration) return fromGeneration;
  if (!command) return null;
  try {
    const { stdout } = await ctx.runner.run(command.path, ['--version'], { timeoutMs: 15_000, env: englishMessages() });
    return /^\s*(\d{2}\.\d{2}[\w.+-]*)/.exec(stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether this home-manager has `switch --rollback` (added on master in July 2025, first released in
 * 25.11). A `25.11-pre` master may or may not have it, so ask the command itself:
 * `home-manager switch --rollback -h` prints the help and exits 0 where the option exists; older ones
 * stop at `--rollback` with "unknown option" and exit 1. Neither builds nor activates anything.
 */
export async function supportsSwitchRollback(ctx: AppContext, command: HomeManagerCommand | null): Promise<boolean> {
  if (!command) return false;
  try {
    await ctx.runner.run(command.path, ['switch', '--rollback', '-h'], { timeoutMs: 15_000, cwd: ctx.host.homeDir, env: englishMessages() });
    return true;
  } catch {
    return false;
  }
}

const LOCALE_CATEGORIES = ['LC_CTYPE', 'LC_NUMERIC', 'LC_TIME', 'LC_COLLATE', 'LC_MONETARY', 'LC_PAPER', 'LC_NAME', 'LC_ADDRESS', 'LC_TELEPHONE', 'LC_MEASUREMENT', 'LC_IDENTIFICATION'];

/**
 * home-manager translates its messages with gettext (LC_ALL, else LC_MESSAGES, else LANG; then
 * LANGUAGE), and the app reads some of them. Messages in C, everything else (character set, dates,
 * collation) as the person has it, so their files and programs behave the same during activation.
 */
export function englishMessages(env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { LC_MESSAGES: 'C', LANGUAGE: undefined };
  if (env.LC_ALL) {
    out.LC_ALL = undefined;
    for (const category of LOCALE_CATEGORIES) out[category] = env.LC_ALL;
  }
  return out;
}

/**
 * NIX_PATH with the user's channels first. NixOS adds ~/.nix-defexpr/channels to NIX_PATH at login, and
 * only when it already exists (nixos/modules/config/nix-channel.nix), so a session that started before
 * the first `nix-channel --update` cannot find <home-manager> or the user's own <nixpkgs>. Without
 * NIX_PATH, Nix's default search path already starts with ~/.nix-defexpr/channels.
 */
export function withUserChannels(nixPath: string | undefined, channelsDir: string, homeDir: string): string | undefined {
  if (nixPath === undefined) return undefined;
  const entries = nixPath.split(':').filter(Boolean);
  const link = path.join(homeDir, '.nix-defexpr/channels');
  if (entries.some((e) => path.resolve(e) === path.resolve(channelsDir) || path.resolve(e) === link)) return nixPath;
  return [channelsDir, ...entries].join(':');
}

/** The user's channels as NixOS puts them on NIX_PATH at login: ~/.nix-defexpr/channels (or the host's channel profile). */
export function userChannelsEntry(ctx: AppContext): string {
  return ctx.host.userChannelsDir || path.join(ctx.host.homeDir, '.nix-defexpr/channels');
}

/** The session's NIX_PATH has the user's channels (false: home-manager in a terminal may not find its channel until the next login). */
export function channelsOnSessionPath(ctx: AppContext): boolean {
  return withUserChannels(process.env.NIX_PATH, userChannelsEntry(ctx), ctx.host.homeDir) === process.env.NIX_PATH;
}

/** Environment for every home-manager and nix-shell run: the user's channels on NIX_PATH, messages in English. */
export function homeManagerEnv(ctx: AppContext, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const nixPath = withUserChannels(process.env.NIX_PATH, userChannelsEntry(ctx), ctx.host.homeDir);
  return { ...englishMessages(), ...(nixPath === undefined ? {} : { NIX_PATH: nixPath }), ...extra };
}

/**
 * Nix's "file 'X' was not found in the Nix search path", in words that say what to do. null when the
 * text has no such error.
 */
export function explainSearchPathError(text: string, where: { homeManagerChannelDownloaded: boolean; channelsDir: string }): string | null {
  const missing = /file '([^']+)' was not found in the Nix search path/.exec(text)?.[1];
  if (!missing) return null;
  if (missing === 'home-manager' || missing.startsWith('home-manager/')) {
    return where.homeManagerChannelDownloaded
      ? `Nix cannot find <home-manager> although your home-manager channel is downloaded (in ${where.channelsDir}): the Nix search path (NIX_PATH) it was given does not include your channels. NixOS adds ~/.nix-defexpr/channels to NIX_PATH when you log in, and only if it existed then: log out and in again.`
      : 'Nix cannot find <home-manager> because the home-manager channel is not downloaded. Retry from “Download the channel”.';
  }
  if (missing === 'nixpkgs' || missing.startsWith('nixpkgs/')) {
    return 'Home Manager builds with nixpkgs, and Nix finds none on its search path: you have no channel called nixpkgs and root has no nixos channel. Add one that matches your system (for example `nix-channel --add https://nixos.org/channels/nixos-24.11 nixpkgs`, then `nix-channel --update`).';
  }
  return `Nix cannot find <${missing}> on its search path (NIX_PATH).`;
}

/** nix-env and friends print plain text; strip colours a terminal-aware script might add. */
