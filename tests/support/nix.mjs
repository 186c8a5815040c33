// The one test Nix environment: every test, fixture and benchmark that runs nix takes its settings and
// its nix from here, so a fresh machine (no /etc/nix/nix.conf, no nixbld group) behaves like this one.
//
// Two Nix versions are under test:
// - Nix 2.26 (Debian 13's nix-bin, put into .cache/modern-nix by ../shared/tools/modern-nix without
//   touching the system): the default, close to what NixOS 25.05/25.11 users run (2.28/2.31).
// - Nix 2.8 (Debian 12's nix-bin from apt): the old CLI, for the tests whose subject is Nix's CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** ../shared/data beside the repository (NC_SHARED_DATA overrides). */
export const sharedDataDir = process.env.NC_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
export const sharedData = (file) => path.join(sharedDataDir, file);

/**
 * Settings for every nix call in tests: nothing may reach the network (no substituters), builds run as
 * root without the nixbld group (Debian's nix-bin as root builds as `nixbld` by default, which a fresh
 * machine lacks) and without a sandbox (none can be set up here).
 */
export const testNixConfig = [
  'substituters =',
  'sandbox = false',
  'build-users-group =',
  'experimental-features = nix-command',
].join('\n');

/** Every nix tool the app calls by name (the host's `commands` keys for Nix). */
export const NIX_TOOLS = ['nix', 'nix-build', 'nix-channel', 'nix-collect-garbage', 'nix-env', 'nix-instantiate', 'nix-shell', 'nix-store'];

export const modernNixDir = process.env.NC_MODERN_NIX_DIR ?? path.join(repoRoot, '.cache/modern-nix');
const modernNixScript = path.resolve(repoRoot, '../shared/tools/modern-nix');

/** Debian 12's nix (2.8): the folder holding `nix` on the system PATH, outside the modern one. */
export function legacyNixBin() {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && path.resolve(dir) !== path.join(modernNixDir, 'bin') && existsSync(path.join(dir, 'nix'))) return dir;
  }
  for (const dir of ['/usr/bin', '/usr/local/bin']) if (existsSync(path.join(dir, 'nix'))) return dir;
  throw new Error('No nix on PATH: install Debian\'s nix-bin (npm test installs it on Debian as root).');
}

/** Nix 2.26's bin folder, fetched once (about 5 s) into .cache/modern-nix; throws with the reason when it cannot be had. */
export function ensureModernNix() {
  const bin = path.join(modernNixDir, 'bin');
  if (existsSync(path.join(bin, 'nix'))) return bin;
  if (!existsSync(modernNixScript)) throw new Error(`Cannot get Nix 2.26 for the tests: ${modernNixScript} is missing (the shared/ folder must sit beside the repository).`);
  const r = spawnSync('bash', [modernNixScript, modernNixDir], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0 || !existsSync(path.join(bin, 'nix'))) {
    throw new Error(`Cannot get Nix 2.26 for the tests (${modernNixScript} ${modernNixDir} failed):\n${(r.stderr || r.error?.message || '').trim()}`);
  }
  return bin;
}

/** `nix --version` of a bin folder, as "2.26.3". */
export function nixVersionOf(bin) {
  const r = spawnSync(path.join(bin, 'nix'), ['--version'], { encoding: 'utf8' });
  return /(\d+\.\d+(?:\.\d+)?)/.exec(r.stdout ?? '')?.[1] ?? 'unknown';
}

/** The app host's `commands` map that runs every nix tool from `bin`. */
export function nixCommands(bin) {
  return Object.fromEntries(NIX_TOOLS.map((tool) => [tool, path.join(bin, tool)]));
}

const withoutNixDirs = (p) => (p ?? '').split(':').filter((d) => d && path.resolve(d) !== path.join(modernNixDir, 'bin')).join(':');

/** An environment whose PATH finds `bin`'s nix first and whose NIX_CONFIG is the test one (plus `extra` lines). */
export function nixEnvFor(bin, extra = [], base = process.env) {
  return {
    ...base,
    PATH: [bin, withoutNixDirs(base.PATH)].join(':'),
    NIX_CONFIG: [testNixConfig, ...extra].join('\n'),
  };
}

/** The variants a test of Nix's CLI runs against: the current one first. */
export function nixVariants() {
  const modern = ensureModernNix();
  const legacy = legacyNixBin();
  return [
    { name: `nix ${nixVersionOf(modern)}`, bin: modern, commands: nixCommands(modern) },
    { name: `nix ${nixVersionOf(legacy)}`, bin: legacy, commands: nixCommands(legacy) },
  ];
}

/**
 * Puts the test environment into this process (test runners' configs call it, so every worker, every
 * served app and every command they start inherits it): Nix 2.26 first on PATH, the test NIX_CONFIG.
 */
export function applyTestNixEnv() {
  const env = nixEnvFor(ensureModernNix());
  process.env.PATH = env.PATH;
  process.env.NIX_CONFIG = env.NIX_CONFIG;
  return env;
}
