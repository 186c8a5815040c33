import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Host } from '../../host';

/**
 * Where home-manager keeps its profile, as home-manager itself decides: the XDG state profile dir
 * (`${XDG_STATE_HOME:-~/.local/state}/nix/profiles`) when that is a directory, else the per-user dir under
 * `${NIX_STATE_DIR:-/nix/var/nix}`. An explicit host key wins.
 */
export async function resolveHomeManagerProfile(host: Host): Promise<string | null> {
  if (host.homeManagerProfile) return host.homeManagerProfile;
  const xdgDir = path.join(process.env.XDG_STATE_HOME || path.join(host.homeDir, '.local/state'), 'nix/profiles');
  const globalDir = path.join(process.env.NIX_STATE_DIR || '/nix/var/nix', 'profiles/per-user', host.userName);
  const dir = (await stat(xdgDir).catch(() => null))?.isDirectory() ? xdgDir : globalDir;
  return path.join(dir, 'home-manager');
}

/** Same as resolveHomeManagerProfile, never null (it never is; the signature is kept for system.status). */
export async function homeManagerProfile(host: Host): Promise<string> {
  return (await resolveHomeManagerProfile(host)) ?? path.join('/nix/var/nix/profiles/per-user', host.userName, 'home-manager');
}

/** `${XDG_DATA_HOME:-~/.local/share}/home-manager`: news-read-ids lives here */
export function homeManagerDataDir(host: Host): string {
  return path.join(process.env.XDG_DATA_HOME || path.join(host.homeDir, '.local/share'), 'home-manager');
}
