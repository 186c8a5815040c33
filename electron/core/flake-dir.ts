import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Host } from '../host';

/**
 * Where the system flake really is. nixos-rebuild (the Bash one: `dirname "$(readlink -f
 * /etc/nixos/flake.nix)"`; nixos-rebuild-ng of NixOS 25.11: `Path("/etc/nixos/flake.nix").resolve().parent`)
 * builds the folder that holds the file flake.nix finally points to, so a `/etc/nixos/flake.nix` that
 * links into a dotfiles checkout builds that checkout, with its own configuration files and flake.lock.
 */
export interface FlakeFolder {
  /** the real folder: the one nixos-rebuild builds */
  dir: string;
  /** the folder lies outside the configuration folder (flake.nix is a link into another checkout) */
  outside: boolean;
}

/** The flake nixos-rebuild would build without --flake, or null when the configuration folder has no flake.nix. */
export async function flakeFolder(host: Pick<Host, 'nixosConfigDir'>): Promise<FlakeFolder | null> {
  const link = path.join(host.nixosConfigDir, 'flake.nix');
  const real = await realpath(link).catch(() => null);
  if (!real || !(await stat(real).then((s) => s.isFile(), () => false))) return null;
  const dir = path.dirname(real);
  const configDir = await realpath(host.nixosConfigDir).catch(() => path.resolve(host.nixosConfigDir));
  return { dir, outside: dir !== configDir };
}
