// Home Manager benchmark, each figure against a baseline measured in the same run on the same data:
//   - home.generations on a real profile of 300 generations vs `home-manager generations` (the
//     stand-in runs home-manager's own `ls -gG --sort time | cut | sed` pipeline) on the same profile.
//   - home.diff of two generations vs the two `nix-store -q --references <home-path>` calls that
//     `home-manager packages` makes (the floor: the app runs exactly these, plus parsing).
//   - home.config.validate (router, zod, service) vs a bare `nix-instantiate --parse -`.
// The app is the real one (router, validation, services), bundled here with esbuild.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyEnv, makeGeneration, makeHomeEnv, standin } from '../fixtures/home/make-home-env.mjs';
import { importFromApp } from './app-bundle.mjs';
import { fmt, time as timeMedian } from './timing.mjs';

const work = path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'nc-bench-home');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const GENERATIONS = Number(process.env.BENCH_HOME_GENERATIONS ?? 300);

const time = (fn, runs = RUNS) => timeMedian(fn, runs);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const { createApp, loadHost } = await importFromApp(path.join(work, 'app.mjs'), "export { createApp } from './electron/app'; export { loadHost } from './electron/host';");

const fix = makeHomeEnv();
applyEnv(fix.env);
// two real generations from the stand-in, then a profile of GENERATIONS real generations alternating between them
makeGeneration(fix, { packages: ['hello', 'ripgrep', 'jq', 'htop', 'bat'] }, 'hello=2.10');
makeGeneration(fix, { packages: ['hello', 'ripgrep', 'fd', 'htop', 'tmux'], git: { name: 'A', email: 'a@b' } }, 'hello=2.12');
const profile = path.join(fix.profileDir, 'home-manager');
// every further generation is a distinct store path shaped like a generation (hm-version, home-path),
// added to the real store in one nix-store --add, then made a real profile generation with nix-env
const shapes = path.join(work, 'shapes');
const dirs = [];
for (let n = 3; n <= GENERATIONS; n++) {
  const d = path.join(shapes, `g${n}`, 'home-manager-generation');
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'hm-version'), `24.11-pre+${n}\n`);
  symlinkSync(readlinkSync(path.join(readlinkSync(`${profile}-${1 + (n % 2)}-link`), 'home-path')), path.join(d, 'home-path'));
  dirs.push(d);
}
const added = spawnSync('nix-store', ['--add', ...dirs], { env: process.env, encoding: 'utf8', maxBuffer: 1 << 26 });
if (added.status !== 0) throw new Error(added.stderr);
for (const storePath of added.stdout.trim().split('\n')) {
  const r = spawnSync('nix-env', ['--profile', profile, '--set', storePath], { env: process.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

const host = loadHost({ ...process.env, NIXOS_COMPANION_HOST: '' }, { ...fix.host, privilege: 'direct' });
const app = await createApp(host, { onInternalError: (m, e) => console.error(m, e) });
const call = async (method, params) => {
  const res = await app.router.call(method, params);
  if (!res.ok) throw new Error(`${method}: ${res.error.message}`);
  return res.result;
};

const listed = await call('home.generations', {});
if (listed.generations.length !== GENERATIONS) throw new Error(`expected ${GENERATIONS} generations, got ${listed.generations.length}`);
const gens = await time(() => call('home.generations', {}));
const gensBase = await time(() => {
  const r = standin(fix, ['generations']);
  if (r.status !== 0) throw new Error(r.stderr);
});

const homePath = (n) => readlinkSync(path.join(readlinkSync(`${profile}-${n}-link`), 'home-path'));
const diff = await time(() => call('home.diff', { from: 1, to: 2 }));
const diffBase = await time(() => {
  for (const n of [1, 2]) spawnSync('nix-store', ['-q', '--references', homePath(n)], { env: process.env });
});

const homeNix = (await call('home.config.read', {})).content;
const validate = await time(() => call('home.config.validate', { content: homeNix }));
const validateBase = await time(() => spawnSync('nix-instantiate', ['--parse', '-'], { input: homeNix, env: process.env }));

const rows = [
  [`home.generations (${GENERATIONS} generations)`, gens, '`home-manager generations` (ls|cut|sed)', gensBase],
  ['home.diff (2 generations)', diff, '2 × nix-store -q --references', diffBase],
  ['home.config.validate', validate, 'nix-instantiate --parse -', validateBase],
];
console.log(`home bench (median of ${RUNS} runs)`);
for (const [name, ms, baseName, baseMs] of rows) {
  console.log(`  ${name.padEnd(40)} ${fmt(ms).padStart(9)}   baseline ${baseName}: ${fmt(baseMs).padStart(9)}   ratio ${(ms / baseMs).toFixed(2)}×`);
}
await app.dispose();
