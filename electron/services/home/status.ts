import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HomeStatus } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { currentGeneration, listProfileLinks } from '../system/profile';
import { nixVersion, readChannelList } from '../system/status';
import { homeManagerChannelUrl, listUserChannels, releaseFromUrl } from './channels';
import { findHomeManager, homeManagerVersion } from './command';
import { homeManagerProfile } from './profile-path';
import { pathExists } from '../../paths';

export interface SystemRelease {
  nixosVersion: string | null;
  release: string | null;
  unstable: boolean;
  source: HomeStatus['system']['source'];
}

/** `24.11.716.abc (Vicuna)` -> 24.11 stable; `25.05pre712.abc (Warbler)` -> unstable */
export function releaseFromNixosVersion(text: string): { release: string | null; unstable: boolean } {
  const m = /^(\d{2}\.\d{2})(\S*)/.exec(text.trim());
  if (!m) return { release: null, unstable: false };
  return { release: m[1]!, unstable: /pre/.test(m[2]!) };
}

/** The nixpkgs this user's packages follow: the running NixOS, else the user's nixpkgs channel, else root's nixos channel. */
export async function systemRelease(ctx: AppContext): Promise<SystemRelease> {
  try {
    const { stdout } = await ctx.runner.run('nixos-version', [], { timeoutMs: 10_000 });
    const version = stdout.trim();
    const parsed = releaseFromNixosVersion(version);
    if (parsed.release) return { nixosVersion: version, ...parsed, source: 'nixos-version' };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
  }
  const fromChannels = (urls: Map<string, string>, names: string[]) => {
    for (const name of names) {
      const url = urls.get(name);
      const release = url ? releaseFromUrl(url) : null;
      if (release === 'unstable') return { release: null, unstable: true };
      if (release && /^\d{2}\.\d{2}$/.test(release)) return { release, unstable: false };
    }
    return null;
  };
  const user = fromChannels(await readChannelList(ctx.host.userChannelsFile), ['nixpkgs', 'nixos']);
  if (user) return { nixosVersion: null, ...user, source: 'user-channel' };
  const root = fromChannels(await readChannelList(ctx.host.rootChannelsFile), ['nixos', 'nixpkgs']);
  if (root) return { nixosVersion: null, ...root, source: 'root-channel' };
  return { nixosVersion: null, release: null, unstable: false, source: 'none' };
}

/** The home-manager branch that matches a nixpkgs release: release-YY.MM, or master for unstable. */
export function matchingBranch(sys: { release: string | null; unstable: boolean }): string | null {
  if (sys.unstable) return 'master';
  return sys.release ? `release-${sys.release}` : null;
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
  const [nix, sys, command, links, current, config, channels, access_] = await Promise.all([
    nixVersion(ctx),
    systemRelease(ctx),
    findHomeManager(ctx),
    listProfileLinks(profile),
    currentGeneration(profile),
    resolveConfigPath(ctx),
    listUserChannels(ctx),
    nixAccess(ctx),
  ]);
  const version = await homeManagerVersion(ctx, command);
  const branch = matchingBranch(sys);
  const hmChannel = channels.find((c) => c.name === 'home-manager') ?? null;
  let releaseMismatch: string | null = null;
  if (hmChannel && branch && hmChannel.release && hmChannel.release !== branch) {
    const system = sys.unstable ? 'unstable nixpkgs' : `NixOS/nixpkgs ${sys.release}`;
    releaseMismatch = `Your home-manager channel follows ${hmChannel.release}, but this system uses ${system}. Home Manager supports only the matching release: switch the channel to ${branch}.`;
  }
  const installed = command !== null || links.length > 0;
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
    needsRelogin: command !== null && !command.onPath,
  };
}
