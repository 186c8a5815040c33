// System benchmark: listing generations and diffing closures, each against a baseline measured in
// the same run on the same data.
//   - system.generations on profiles of 300 and 1,000 generations (every column; and with closure
//     sizes) vs `nix-env --list-generations` on the same profile (numbers and dates only), and vs
//     running the tools per generation as nixos-rebuild's bash list-generations does (300 only).
//   - system.diff of two ~2,000-package systems vs `nix store diff-closures` on the same pair.
// The app is the real one (router, zod validation, services), bundled here with esbuild.
// Goals (issue 3): 300 generations <= 0.3 s; diff no slower than nix store diff-closures.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSystems, nixEnv, writeProfile } from './system-closures.mjs';
import { importFromApp } from './app-bundle.mjs';
import { fmt, median, time as timeMedian } from './timing.mjs';

const work = path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'nc-bench-system');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
process.env.NIX_CONFIG = nixEnv.NIX_CONFIG;

const time = (fn, runs = RUNS) => timeMedian(fn, runs);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { env: nixEnv, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
};

/** What nixos-rebuild's bash list-generations does per generation: a handful of processes each. */
function perGenerationTools(profileDir, count) {
  const script = `
for n in $(seq 1 ${count}); do
  g="${profileDir}/system-$n-link"
  cat "$g/nixos-version" >/dev/null 2>&1
  ls "$(dirname "$(realpath "$g/kernel")")/lib/modules" >/dev/null 2>&1
  "$g/sw/bin/nixos-version" --configuration-revision >/dev/null 2>&1 || true
  "$g/sw/bin/nixos-version" >/dev/null 2>&1
  stat -c %Y "$g" >/dev/null
done`;
  execFileSync('bash', ['-c', script]);
}

console.log('system benchmark: building fixture systems with real nix (cached in the store after the first run)…');
mkdirSync(work, { recursive: true });
const started = performance.now();
// 60 distinct NixOS-shaped systems over 2,000 packages (3 package sets), cycled through the profiles.
const toplevels = buildSystems(path.join(work, 'build'), { packages: 2000, variants: 3, generations: 60, host: 'benchhost' });
console.log(`  built/found ${toplevels.length} systems in ${fmt(performance.now() - started)}`);

const { createApp, loadHost, clearClosureCaches } = await importFromApp(
  path.join(work, 'app.mjs'),
  "export { createApp } from './electron/app'; export { loadHost } from './electron/host'; export { clearClosureCaches } from './electron/services/system/diff';",
);

async function appFor(profileDir, overrides = {}) {
  const host = loadHost({ ...process.env, NIXOS_COMPANION_HOST: '' }, { systemProfile: path.join(profileDir, 'system'), currentSystem: path.join(work, 'none'), bootedSystem: path.join(work, 'none'), privilege: 'direct', ...overrides });
  const app = await createApp(host, { onInternalError: (m, e) => console.error(m, e) });
  const call = async (method, params) => {
    const res = await app.router.call(method, params);
    if (!res.ok) throw new Error(`${method}: ${res.error.message} ${res.error.detail ?? ''}`);
    return res.result;
  };
  call.clearCaches = () => clearClosureCaches(app.ctx);
  return call;
}

const results = [];
for (const count of [300, 1000]) {
  const profileDir = path.join(work, `profile-${count}`);
  writeProfile(profileDir, toplevels, { count });
  const call = await appFor(profileDir);
  const listed = await call('system.generations', {});
  if (listed.generations.length !== count) throw new Error(`listed ${listed.generations.length}, expected ${count}`);
  const ours = await time(() => call('system.generations', {}));
  const oursSized = await time(() => call('system.generations', { withClosureSize: true }));
  const nixEnvList = await time(() => run('nix-env', ['-p', path.join(profileDir, 'system'), '--list-generations']));
  results.push({ count, ours, oursSized, nixEnvList });
  console.log(`\nlist ${count} generations`);
  console.log(`  system.generations (all nixos-rebuild columns + running/booted): ${fmt(ours)}`);
  console.log(`  system.generations with closure sizes:                           ${fmt(oursSized)}`);
  console.log(`  baseline nix-env --list-generations (numbers and dates only):    ${fmt(nixEnvList)}`);
  console.log(`  ratio ours / nix-env: ${(ours / nixEnvList).toFixed(2)}x (with sizes ${(oursSized / nixEnvList).toFixed(2)}x)`);
  if (count === 300) {
    const sizedViaNix = await appFor(profileDir, { nixDbFile: '' });
    const oursSizedViaNix = await time(() => sizedViaNix('system.generations', { withClosureSize: true }), 3);
    console.log(`  system.generations with closure sizes, without the database (nix path-info): ${fmt(oursSizedViaNix)}`);
    const tools = await time(() => perGenerationTools(profileDir, count), 1);
    console.log(`  baseline processes per generation (what bash nixos-rebuild list-generations runs, without jq): ${fmt(tools)}`);
    console.log(`  ratio ours / per-generation processes: ${(ours / tools).toFixed(3)}x`);
    results[results.length - 1].tools = tools;
  }
}

// Diff: generations 1 and 2 have different package sets (variant 0 -> 1) of ~2,000 packages each.
const diffProfile = path.join(work, 'profile-300');
const call = await appFor(diffProfile);
const a = toplevels[0];
const b = toplevels[1];
const closureSize = run('nix-store', ['-qR', a]).trim().split('\n').length;
const diff = await call('system.diff', { from: 1, to: 2 });
// Cold: a fresh app each time, so nothing is cached (system.diff keeps the last few closures).
const coldSamples = [];
for (let i = 0; i <= RUNS; i++) {
  call.clearCaches();
  const t = performance.now();
  await call('system.diff', { from: 1, to: 2 });
  if (i > 0) coldSamples.push(performance.now() - t);
}
const ourDiff = median(coldSamples);
// The same cold diff without reading Nix's database (nix path-info + nix-store -q, the fallback path)
const viaNix = await appFor(diffProfile, { nixDbFile: '' });
const nixSamples = [];
for (let i = 0; i <= RUNS; i++) {
  viaNix.clearCaches();
  const t = performance.now();
  await viaNix('system.diff', { from: 1, to: 2 });
  if (i > 0) nixSamples.push(performance.now() - t);
}
const ourDiffViaNix = median(nixSamples);
const warmDiff = await time(() => call('system.diff', { from: 1, to: 2 }));
const peerDiff = await time(() => run('nix', ['store', 'diff-closures', a, b]));
console.log(`\ndiff two systems (${closureSize} store paths each, ${diff.changes.length} changed names)`);
console.log(`  system.diff (cold, nothing cached): ${fmt(ourDiff)}`);
console.log(`  system.diff (cold, without the database: nix path-info): ${fmt(ourDiffViaNix)}`);
console.log(`  system.diff (same pair again):      ${fmt(warmDiff)}`);
console.log(`  nix store diff-closures:            ${fmt(peerDiff)}`);
console.log(`  ratio ours / diff-closures: ${(ourDiff / peerDiff).toFixed(2)}x (without the database ${(ourDiffViaNix / peerDiff).toFixed(2)}x)`);

const r300 = results.find((r) => r.count === 300);
console.log('\nsummary');
console.log(`  300 generations: ${fmt(r300.ours)} (goal <= 300 ms: ${r300.ours <= 300 ? 'met' : 'NOT met'})`);
console.log(`  diff vs diff-closures: ${(ourDiff / peerDiff).toFixed(2)}x (goal <= 1.00x: ${ourDiff <= peerDiff ? 'met' : 'NOT met'})`);
if (process.env.BENCH_CLEAN) rmSync(work, { recursive: true, force: true });
process.exit(0);
