import { existsSync } from 'node:fs';
import { loadHost, type Host } from '../host';

/** Root's own host settings: the only host file the helper reads when it was elevated (the NixOS module writes it). */
export const TRUSTED_HOST_FILE = '/etc/nixos-companion/host.json';

/**
 * Where NixOS keeps its tools: the system's packages, then root's default profile (a multi-user Nix
 * install elsewhere). pkexec replaces PATH with a fixed /usr/sbin:/usr/bin:/sbin:/bin, which on NixOS
 * holds no nix, nixos-rebuild or git at all.
 */
export const NIXOS_TOOL_DIRS = ['/run/current-system/sw/bin', '/nix/var/nix/profiles/default/bin'];

/** Started by pkexec or sudo (they say who asked), rather than directly by a process that is root already. */
export const isElevated = (env: NodeJS.ProcessEnv) => env.PKEXEC_UID !== undefined || env.SUDO_UID !== undefined;

/** The PATH the elevated helper runs its commands with: NixOS's tool folders first, then what pkexec/sudo set. */
export function elevatedPath(inherited: string | undefined): string {
  const rest = (inherited ?? '').split(':').filter((dir) => dir && !NIXOS_TOOL_DIRS.includes(dir));
  return [...NIXOS_TOOL_DIRS, ...rest].join(':');
}

/**
 * The helper's host and PATH. Elevated, it trusts nothing from the caller's environment: the host comes
 * from root-owned defaults and TRUSTED_HOST_FILE, PATH gets NixOS's tool folders. Started directly (the
 * app is root already, or a test), it reads the host like the app does.
 */
export function helperEnvironment(env: NodeJS.ProcessEnv, trustedHostFile = TRUSTED_HOST_FILE): { host: Host; path: string | undefined } {
  if (!isElevated(env)) return { host: loadHost(env), path: env.PATH };
  const path = elevatedPath(env.PATH);
  return { host: loadHost({ HOME: '/root', USER: 'root', NIXOS_COMPANION_HOST: existsSync(trustedHostFile) ? trustedHostFile : undefined, PATH: path }), path };
}
