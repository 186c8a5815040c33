/**
 * Where the installed packages put the root helper. pkexec authorizes by exact executable path (the
 * polkit policy names it), so the packaged app must run exactly this file, never a copy in a temp dir.
 */
export const INSTALLED_HELPER = '/usr/lib/nixos-companion/nixos-companion-helper';

/**
 * The helper command for a packaged app: the host file's `helperCommand` wins; then
 * NIXOS_COMPANION_HELPER (the Nix package's wrapper sets it to its store path); then the fixed path
 * of the deb/AppImage install. Empty = the helper built in this checkout (development).
 */
export function packagedHelperCommand(opts: { configured: string[]; isPackaged: boolean; env: NodeJS.ProcessEnv; exists: (p: string) => boolean }): string[] {
  if (opts.configured.length) return opts.configured;
  const fromEnv = opts.env.NIXOS_COMPANION_HELPER;
  if (fromEnv && fromEnv.startsWith('/') && opts.exists(fromEnv)) return [fromEnv];
  if (opts.isPackaged && opts.exists(INSTALLED_HELPER)) return [INSTALLED_HELPER];
  return [];
}
