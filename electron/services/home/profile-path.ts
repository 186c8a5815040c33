import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Host } from '../../host';

/**
 * Where home-manager keeps its profile, as home-manager itself decides: the XDG state profile dir
 * when it exists, else the per-user dir under /nix/var. An explicit host key wins.
 */
export async function resolveHomeManagerProfile(host: Host): Promise<string | null> {
  if (host.homeManagerProfile) return host.homeManagerProfile;
  const xdgDir = path.join(process.env.XDG_STATE_HOME || path.join(host.homeDir, '.local/state'), 'nix/profiles');
  const dir = await access(xdgDir).then(() => xdgDir, () => `/nix/var/nix/profiles/per-user/${host.userName}`);
  return path.join(dir, 'home-manager');
}
