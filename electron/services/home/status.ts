import { readFile, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HomeStatus } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { pathExists } from '../../paths';
import { FLAKE_COMMAND, flakeRefToString, lockInputs, parseLock, type LockNode } from '../system/flake';
import { currentGeneration, listProfileLinks, readTrimmed, resolveStorePath } from '../system/profile';
import { nixVersion, releaseFromChannelPath } from '../system/status';
import { homeManagerChannelUrl, listUserChannels, releaseFromUrl, userChannelsDir } from './channels';
import { channelsOnSessionPath, findHomeManager, homeManagerVersion, userChannelsEntry, withUserChannels } from './command';
import { homeManagerProfile } from './profile-path';

export interface SystemRelease {
  nixosVersion: string | null;
  release: string | null;
  unstable: boolean;
  /** false when only the release number is known, not whether it is that stable release or unstable */
  certain: boolean;
  source: HomeStatus['system']['source'];
  /** where it was read, in words */
  detail: string;
}

type Parsed = { release: string | null; unstable: boolean; certain: boolean };

/**
 * A NixOS/nixpkgs version: `24.11.716.5e4fbfb6b3de` (a channel: stable), `25.05pre712345.abcdef` or
 * `25.05pre-git` (unstable). A system built from a flake is `YY.MM.YYYYMMDD.<rev>` whichever branch the
 * flake follows, no `pre` even on unstable: it is certainly unstable only when that date comes before
 * the release month (release-YY.MM branches off in that month), otherwise it could be either.
 */
export function releaseFromNixosVersion(text: string): Parsed {
  const m = /^(\d{2})\.(\d{2})(\S*)/.exec(text.trim());
  if (!m) return { release: null, unstable: false, certain: false };
  const release = `${m[1]}.${m[2]}`;
  const rest = m[3]!;
  if (/^pre/.test(rest)) return { release, unstable: true, certain: true };
  const flakeDate = /^\.(20\d{2})(\d{2})\d{2}\.[0-9a-f]+$/.exec(rest);
  if (flakeDate) {
    const beforeRelease = Number(flakeDate[1]) * 100 + Number(flakeDate[2]) < (2000 + Number(m[1])) * 100 + Number(m[2]);
    return beforeRelease ? { release, unstable: true, certain: true } : { release, unstable: false, certain: false };
  }
  return { release, unstable: false, certain: true };
}

/** A flake lock's original reference: `nixos-24.11` -> 24.11, `nixos-unstable`/`nixpkgs-unstable`/none (master) -> unstable. */
function releaseFromLockNode(node: LockNode | undefined): Parsed | null {
  const original = node?.original as Record<string, unknown> | undefined;
  if (!original) return null;
  const type = original.type;
  const ref = typeof original.ref === 'string' ? original.ref : null;
  const fromName = (name: string) => {
    const series = releaseFromUrl(name.replace(/\/(nixexprs\.tar\.xz)?$/, '')) ?? (/^(?:nixos|nixpkgs|release)-(\d{2}\.\d{2})(?:-small|-darwin)?$/.exec(name)?.[1] ?? null);
    if (series === 'unstable' || /^(master|nixos-unstable(-small)?|nixpkgs-unstable)$/.test(name)) return { release: null, unstable: true, certain: true };
    return series ? { release: series, unstable: false, certain: true } : null;
  };
  if (type === 'github' || type === 'gitlab' || type === 'git' || type === 'sourcehut') {
    if (ref) return fromName(ref);
    return type === 'github' && String(original.repo).toLowerCase() === 'nixpkgs' ? { release: null, unstable: true, certain: true } : null;
  }
  if ((type === 'tarball' || type === 'file') && typeof original.url === 'string') {
    const m = /\/(nixos-[\w.-]+|nixpkgs-[\w.-]+)\/nixexprs\.tar\.xz$/.exec(original.url) ?? /\/(nixos-[\w.-]+|nixpkgs-[\w.-]+)\/?$/.exec(original.url);
    return m ? fromName(m[1]!) : null;
  }
  return null;
}

/** The release of a nixpkgs source on disk: an unpacked channel has .version and .version-suffix, a flake source only .version. */
async function releaseOfSource(dir: string): Promise<{ parsed: Parsed; version: string } | null> {
  const version = await readTrimmed(path.join(dir, '.version'));
  if (version) {
    const suffix = await readTrimmed(path.join(dir, '.version-suffix'));
    if (suffix === null) return { parsed: { release: releaseFromNixosVersion(version).release, unstable: false, certain: false }, version };
    return { parsed: releaseFromNixosVersion(version + suffix), version: version + suffix };
  }
  const name = releaseFromChannelPath(await resolveStorePath(dir));
  const fromName = name && /^(?:nixos|nixpkgs)-(.+)$/.exec(name)?.[1];
  return fromName ? { parsed: releaseFromNixosVersion(fromName), version: fromName } : null;
}

async function readLock(dir: string) {
  const text = await readFile(path.join(dir, 'flake.lock'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return parseLock(text);
  } catch {
    return null;
  }
}

const under = (p: string, dir: string) => path.resolve(p) === path.resolve(dir) || path.resolve(p).startsWith(path.resolve(dir) + path.sep);

/**
 * Where `<nixpkgs>` resolves for Home Manager: NIX_PATH (with the user's channels first, as the app runs
 * home-manager) or, without NIX_PATH, Nix's default search path; entries in order, `nixpkgs=<target>`
 * or a folder holding `nixpkgs`.
 */
async function resolveNixpkgs(ctx: AppContext): Promise<{ kind: 'path'; path: string } | { kind: 'flake' } | { kind: 'url'; url: string } | null> {
  const stateDir = process.env.NIX_STATE_DIR || '/nix/var/nix';
  const nixPath = withUserChannels(process.env.NIX_PATH, userChannelsEntry(ctx), ctx.host.homeDir)
    ?? [path.join(ctx.host.homeDir, '.nix-defexpr/channels'), `nixpkgs=${stateDir}/profiles/per-user/root/channels/nixpkgs`, `${stateDir}/profiles/per-user/root/channels`].join(':');
  for (const entry of nixPath.split(':').filter(Boolean)) {
    const eq = entry.indexOf('=');
    if (eq >= 0) {
      if (entry.slice(0, eq) !== 'nixpkgs') continue;
      const target = entry.slice(eq + 1);
      if (target.startsWith('flake:')) return { kind: 'flake' };
      if (/^https?:/.test(target)) return { kind: 'url', url: target };
      if (await pathExists(target)) return { kind: 'path', path: target };
    } else if (await pathExists(path.join(entry, 'nixpkgs'))) {
      return { kind: 'path', path: path.join(entry, 'nixpkgs') };
    }
  }
  return null;
}

/**
 * The nixpkgs Home Manager will build against, and its release: a standalone Home Manager flake's
 * nixpkgs input; else `<nixpkgs>` on the search path (your own `nixpkgs` channel first, else root's
 * `nixos` channel, as NixOS sets NIX_PATH; `flake:nixpkgs` means the system flake's); else the system
 * flake's nixpkgs input; else `nixos-version`, which tells stable from unstable only for channel builds.
 */
export async function systemRelease(ctx: AppContext): Promise<SystemRelease> {
  const nixosVersion = await ctx.runner
    .run('nixos-version', [], { timeoutMs: 10_000 })
    .then((r) => r.stdout.trim() || null)
    .catch((err) => {
      if (err instanceof AppError) return null;
      throw err;
    });
  const result = (parsed: Parsed, source: SystemRelease['source'], detail: string): SystemRelease => ({ nixosVersion, ...parsed, source, detail });
  const flake = await homeFlake(ctx);
  if (flake) {
    const lock = await readLock(flake.dir);
    const node = lock ? lockInputs(lock).get('nixpkgs') : undefined;
    const parsed = releaseFromLockNode(node);
    if (parsed) return result(parsed, 'home-flake', `the nixpkgs input of ${path.join(flake.dir, 'flake.lock')} (${String((node?.original as Record<string, unknown>)?.ref ?? flakeRefToString(node?.original))})`);
    const locked = node?.locked as Record<string, unknown> | undefined;
    if (locked?.type === 'path' && typeof locked.path === 'string') {
      const source = await releaseOfSource(locked.path);
      if (source?.parsed.release) return result(source.parsed, 'home-flake', `the nixpkgs input of ${path.join(flake.dir, 'flake.lock')} (nixpkgs ${source.version})`);
    }
  }
  const resolved = await resolveNixpkgs(ctx);
  if (resolved?.kind === 'path') {
    const source = await releaseOfSource(resolved.path);
    if (source?.parsed.release) {
      const mine = [userChannelsEntry(ctx), await userChannelsDir(ctx)].some((d) => under(resolved.path, d));
      const owner = mine ? 'user-channel' : under(resolved.path, ctx.host.rootChannelsDir) ? 'root-channel' : 'nix-path';
      const words = owner === 'user-channel' ? 'your nixpkgs channel' : owner === 'root-channel' ? `root’s ${path.basename(resolved.path)} channel` : `<nixpkgs> at ${resolved.path}`;
      return result(source.parsed, owner, `${words} (nixpkgs ${source.version})`);
    }
  } else if (resolved?.kind === 'url') {
    const parsed = releaseFromLockNode({ original: { type: 'tarball', url: resolved.url } });
    if (parsed) return result(parsed, 'nix-path', `<nixpkgs> from ${resolved.url}`);
  }
  const systemLock = await readLock(ctx.host.nixosConfigDir);
  if (systemLock && (resolved?.kind === 'flake' || resolved === null)) {
    const node = lockInputs(systemLock).get('nixpkgs');
    const parsed = releaseFromLockNode(node);
    if (parsed) return result(parsed, 'system-flake', `the nixpkgs input of ${path.join(ctx.host.nixosConfigDir, 'flake.lock')} (${String((node?.original as Record<string, unknown>)?.ref ?? flakeRefToString(node?.original))})`);
  }
  if (nixosVersion) {
    const parsed = releaseFromNixosVersion(nixosVersion);
    if (parsed.release) return result(parsed, 'nixos-version', `nixos-version (${nixosVersion})`);
  }
  return result({ release: null, unstable: false, certain: false }, 'none', 'nothing: no nixpkgs on the search path, no flake, no nixos-version');
}

/** The home-manager branch that matches a nixpkgs release: release-YY.MM, or master for unstable; null when that cannot be told. */
export function matchingBranch(sys: { release: string | null; unstable: boolean; certain?: boolean }): string | null {
  if (sys.certain === false) return null;
  if (sys.unstable) return 'master';
  return sys.release ? `release-${sys.release}` : null;
}

/** A standalone Home Manager flake where home-manager looks for one (home-manager's setFlakeAttribute). */
export async function homeFlake(ctx: AppContext): Promise<{ dir: string; file: string } | null> {
  const hmDir = path.dirname(ctx.host.homeManagerConfig);
  for (const dir of [hmDir, path.join(path.dirname(hmDir), 'nixpkgs')]) {
    const file = path.join(dir, 'flake.nix');
    if (await pathExists(file)) return { dir: await realpath(dir).catch(() => dir), file };
  }
  return null;
}

/**
 * The homeConfigurations attribute `home-manager switch` picks, as it does: "$USER@<host>" (the last of
 * the hostname forms that exists) else "$USER". Read with `nix eval --offline` (nothing is fetched, the
 * lock file is left as it is); null when that cannot be evaluated without downloading.
 */
async function flakeAttribute(ctx: AppContext, dir: string): Promise<{ attribute: string | null; attributes: string[] | null }> {
  try {
    const { stdout } = await ctx.runner.run('nix', [...FLAKE_COMMAND, 'eval', '--offline', '--no-write-lock-file', '--json', `path:${dir}#homeConfigurations`, '--apply', 'builtins.attrNames'], { timeoutMs: 60_000, cwd: dir });
    const names = JSON.parse(stdout) as string[];
    const user = ctx.host.userName;
    const host = ctx.host.hostname;
    let attribute = names.includes(user) ? user : null;
    for (const n of [`${user}@${host}`, `${user}@${host.split('.')[0]}`]) if (names.includes(n)) attribute = n;
    return { attribute, attributes: names };
  } catch {
    return { attribute: null, attributes: null };
  }
}

/**
 * nix.conf `allowed-users` (default `*`): names, `@group`, or `*`. The last setting wins, as in nix.conf.
 * root may always use Nix.
 */
export async function nixAccess(ctx: AppContext): Promise<HomeStatus['nixAccess']> {
  const file = ctx.host.nixConfFile;
  const text = await readFile(file, 'utf8').catch(() => '');
  let value: string | null = null;
  for (const raw of text.split('\n')) {
    const m = /^\s*allowed-users\s*=\s*(.*?)\s*$/.exec(raw.replace(/#.*/, ''));
    if (m) value = m[1]!;
  }
  const entries = (value ?? '*').split(/\s+/).filter(Boolean);
  const rule = value === null ? 'allowed-users = * (the default)' : `allowed-users = ${value}`;
  const user = ctx.host.userName;
  if (user === 'root' || entries.includes('*') || entries.includes(user)) return { allowed: true, rule, file };
  const groups = entries.filter((e) => e.startsWith('@')).map((e) => e.slice(1));
  if (groups.length) {
    const groupText = await readFile(ctx.host.groupFile, 'utf8').catch(() => '');
    let primaryGid: number | null = null;
    try {
      primaryGid = os.userInfo().username === user ? os.userInfo().gid : null;
    } catch {
      primaryGid = null;
    }
    for (const line of groupText.split('\n')) {
      const [name, , gid, members = ''] = line.split(':');
      if (!name || !groups.includes(name)) continue;
      if (members.split(',').includes(user) || (primaryGid !== null && Number(gid) === primaryGid)) return { allowed: true, rule, file };
    }
  }
  return { allowed: false, rule, file };
}

/** home.nix as home-manager looks for it: ~/.config/home-manager/home.nix, then the older ~/.config/nixpkgs/home.nix. */
export async function resolveConfigPath(ctx: AppContext): Promise<{ path: string; exists: boolean; legacyLocation: boolean }> {
  const preferred = ctx.host.homeManagerConfig;
  if (await pathExists(preferred)) return { path: preferred, exists: true, legacyLocation: false };
  const legacy = path.join(path.dirname(path.dirname(preferred)), 'nixpkgs', path.basename(preferred));
  if (await pathExists(legacy)) return { path: legacy, exists: true, legacyLocation: true };
  return { path: preferred, exists: false, legacyLocation: false };
}

export async function homeStatus(ctx: AppContext): Promise<HomeStatus> {
  const profile = await homeManagerProfile(ctx.host);
  const [nix, sys, command, links, current, config, channels, access_, flake] = await Promise.all([
    nixVersion(ctx),
    systemRelease(ctx),
    findHomeManager(ctx),
    listProfileLinks(profile),
    currentGeneration(profile),
    resolveConfigPath(ctx),
    listUserChannels(ctx),
    nixAccess(ctx),
    homeFlake(ctx),
  ]);
  const channelsOnPath = channelsOnSessionPath(ctx);
  const version = await homeManagerVersion(ctx, command);
  const branch = matchingBranch(sys);
  const hmChannel = channels.find((c) => c.name === 'home-manager') ?? null;
  let releaseMismatch: string | null = null;
  if (!flake && hmChannel && branch && hmChannel.release && hmChannel.release !== branch) {
    const system = sys.unstable ? 'unstable nixpkgs' : `nixpkgs ${sys.release}`;
    releaseMismatch = `Your home-manager channel follows ${hmChannel.release}, but Home Manager builds with ${system} (${sys.detail}). Home Manager supports only the matching release: switch the channel to ${branch}.`;
  }
  const installed = command !== null || links.length > 0;
  const channelMissingFromSession = channels.some((c) => c.name === 'home-manager') && !channelsOnPath;
  return {
    nix: { installed: nix !== null, version: nix },
    system: sys,
    recommended: branch ? { branch, url: homeManagerChannelUrl(ctx.host.homeManagerArchiveBaseUrl, branch) } : null,
    installed,
    command,
    version,
    profile: { path: profile, generations: links.length, current },
    config,
    channels,
    homeManagerChannel: hmChannel,
    releaseMismatch,
    nixAccess: access_,
    needsRelogin: command !== null && (!command.onPath || channelMissingFromSession),
    channelsOnSessionPath: channelsOnPath,
    flake: flake ? { path: flake.file, ...(await flakeAttribute(ctx, flake.dir)) } : null,
  };
}
