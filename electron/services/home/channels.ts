import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../../context';
import { readChannelList, releaseFromChannelPath } from '../system/status';
import { resolveStorePath } from '../system/profile';

export interface UserChannel {
  name: string;
  url: string;
  release: string | null;
}

/** Where nix-channel keeps this user's channel profile: it links ~/.nix-defexpr/channels to it on every update. */
export async function userChannelsDir(ctx: AppContext): Promise<string> {
  if (ctx.host.userChannelsDir) return ctx.host.userChannelsDir;
  const link = path.join(ctx.host.homeDir, '.nix-defexpr/channels');
  const target = await readlink(link).catch(() => null);
  if (target) return path.resolve(path.dirname(link), target);
  return path.join(process.env.NIX_STATE_DIR || '/nix/var/nix', 'profiles/per-user', ctx.host.userName, 'channels');
}

/** `release-24.11` / `master` from a home-manager archive URL; `24.11` / `unstable` from a nixpkgs channel URL. */
export function releaseFromUrl(url: string): string | null {
  const hm = /\/(release-\d{2}\.\d{2}|master)\.tar\.(?:gz|bz2|xz)$/.exec(url);
  if (hm) return hm[1]!;
  const nixpkgs = /(?:nixos|nixpkgs)-(\d{2}\.\d{2}|unstable)(?:-small|-darwin)?\/?$/.exec(url);
  return nixpkgs ? nixpkgs[1]! : null;
}

export async function listUserChannels(ctx: AppContext): Promise<UserChannel[]> {
  const urls = await readChannelList(ctx.host.userChannelsFile);
  const dir = await userChannelsDir(ctx);
  const out: UserChannel[] = [];
  for (const [name, url] of urls) {
    out.push({ name, url, release: releaseFromUrl(url) ?? releaseFromChannelPath(await resolveStorePath(path.join(dir, name))) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Names present in the channel profile (what `<name>` resolves to after an update). */
export async function unpackedChannels(ctx: AppContext): Promise<string[]> {
  const names = await readdir(await userChannelsDir(ctx)).catch(() => [] as string[]);
  return names.filter((n) => n !== 'manifest.nix' && !n.startsWith('.'));
}

export function homeManagerChannelUrl(baseUrl: string, branch: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${branch}.tar.gz`;
}
