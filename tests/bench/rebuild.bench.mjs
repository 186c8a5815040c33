// internal-json lines parsed per second by the rebuild progress parser (electron/services/system/nix-log.ts),
// against a baseline measured in the same run on the same lines: a bare JSON.parse of each line's payload.
// The lines are real: real nix-build (Nix 2.8) with `-v --log-format internal-json` building a chain of
// derivations that print build output, captured once, then replayed. Goal: ≥ 200,000 lines/s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-bench-rebuild-'));

const bundle = path.join(dir, 'nix-log.mjs');
await build({ entryPoints: [path.join(root, 'electron/services/system/nix-log.ts')], outfile: bundle, bundle: true, format: 'esm', platform: 'node', logLevel: 'warning' });
const { NixLogParser } = await import(pathToFileURL(bundle).href);

const env = { ...process.env, NIX_CONFIG: 'substituters =\nsandbox = false\nexperimental-features = nix-command\nmax-jobs = 2' };
const nonce = `${Date.now()}-${Math.random()}`;
const expr = `
let
  mk = i: deps: derivation {
    name = "bench-pkg-\${toString i}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "i=0; while [ $i -lt 2000 ]; do echo \\"compiling unit $i of bench-pkg\\"; i=$((i+1)); done; /bin/mkdir -p $out" ];
    inherit deps;
    nonce = "${nonce}";
  };
  level = n: if n == 0 then [] else [ (mk n (level (n - 1))) ];
in builtins.head (level 25)
`;
writeFileSync(path.join(dir, 'default.nix'), expr);
const started = Date.now();
const run = spawnSync('nix-build', [path.join(dir, 'default.nix'), '--no-out-link', '-v', '--log-format', 'internal-json'], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
if (run.status !== 0) {
  console.error(run.stderr.slice(-2000));
  process.exit(1);
}
const real = run.stderr.split('\n').filter((l) => l.startsWith('@nix '));
console.log(`captured ${real.length.toLocaleString()} real internal-json lines from nix-build in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// Replay to about a million lines.
const lines = [];
while (lines.length < 1_000_000) for (const l of real) lines.push(l);

function measure(label, fn, rounds = 3) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, s);
  }
  const perSecond = lines.length / best;
  console.log(`${label.padEnd(44)} ${best.toFixed(3)} s   ${Math.round(perSecond).toLocaleString().padStart(12)} lines/s`);
  return perSecond;
}

let sink = 0;
const baseline = measure('baseline: JSON.parse of each payload', () => {
  for (const l of lines) sink += JSON.parse(l.slice(5)).action.length;
});
const parser = measure('NixLogParser.feed (+ progress() every 1000)', () => {
  const p = new NixLogParser();
  for (let i = 0; i < lines.length; i++) {
    const r = p.feed(lines[i]);
    if (r.log) sink += r.log.length;
    if (i % 1000 === 0) sink += p.progress().builds.done;
  }
});
console.log(`ratio parser/baseline: ${(parser / baseline).toFixed(2)}  (goal: ≥ 200,000 lines/s → ${parser >= 200_000 ? 'met' : 'NOT met'})`);
if (sink === -1) console.log(sink);
