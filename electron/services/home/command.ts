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
    const { stdout } = await ctx.runner.run(command.path, ['--version'], { timeoutMs: 15_000 });
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
    await ctx.runner.run(command.path, ['switch', '--rollback', '-h'], { timeoutMs: 15_000, cwd: ctx.host.homeDir });
    return true;
  } catch {
    return false;
  }
}

/** nix-env and friends print plain text; strip colours a terminal-aware script might add. */
export const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
