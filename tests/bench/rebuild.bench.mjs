// internal-json lines parsed per second by the rebuild progress parser (electron/services/system/nix-log.ts),
// against a baseline measured in the same run on the same lines: a bare JSON.parse of each line's payload.
// The lines are real: real nix-build (Nix 2.8) with `-v --log-format internal-json` building a chain of
// derivations that print build output, captured once, then replayed. Goal: ≥ 200,000 lines/s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureModernNix, nixEnvFor } from '../support/nix.mjs';
import { importFromApp } from './app-bundle.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-bench-rebuild-'));

const { NixLogParser } = await importFromApp(path.join(dir, 'nix-log.mjs'), "export { NixLogParser } from './electron/services/system/nix-log';");

const env = nixEnvFor(ensureModernNix(), ['max-jobs = 2']);
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

// ---------------------------------------------------------------------------------------------------
// A million log lines through the job manager and the loopback WebSocket to a client that parses every
// message, as the window does: one event per line (how jobs logged before batching) vs the batched
// events the job manager sends now. Baseline: writing the same lines to a file. The producer hands over
// 1,000 lines at a time and yields, as readline does with the helper's output.
{
  const { createWriteStream } = await import('node:fs');
  const { default: WebSocket } = await import('ws');
  const { EventBus, JobManager, startLoopback } = await importFromApp(
    path.join(dir, 'transport.mjs'),
    "export { EventBus } from './electron/exec/events'; export { JobManager } from './electron/exec/jobs'; export { startLoopback } from './electron/rpc/loopback';",
  );
  const N = 1_000_000;
  const text = (i) => `nixos-configuration-check>   checked item ${i + 1} of ${N}`;
  const yieldNow = () => new Promise((r) => setImmediate(r));
  const produce = async (each) => {
    for (let i = 0; i < N; i += 1000) {
      for (let j = i; j < i + 1000; j++) each(j);
      await yieldNow();
    }
  };

  const fileBaseline = async () => {
    const out = createWriteStream(path.join(dir, 'log.txt'));
    const t0 = process.hrtime.bigint();
    await produce((i) => out.write(`${text(i)}\n`));
    await new Promise((r) => out.end(r));
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };

  /** start a loopback server and a client; `run(bus, jobs)` logs the lines; resolves when the client saw the job end */
  const throughSocket = async (run) => {
    const bus = new EventBus();
    const jobs = new JobManager(bus);
    const server = await startLoopback({ router: {}, events: bus, rendererDir: dir });
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/events?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    let events = 0, lines = 0, missed = 0;
    const t0 = process.hrtime.bigint();
    const ended = new Promise((resolve) => {
      ws.on('message', (m) => {
        const e = JSON.parse(String(m));
        events++;
        if (e.kind === 'log') lines += e.lines.length;
        else if (e.kind === 'log-gap') missed += e.next - e.from;
        else if (e.kind === 'done') resolve();
      });
    });
    await run(bus, jobs);
    await ended;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    ws.close();
    await server.close();
    return { s, events, lines, missed };
  };

  const perLine = () =>
    throughSocket(async (bus) => {
      const base = { topic: 'job', jobId: 'bench', method: 'bench' };
      await produce((i) => bus.emit({ ...base, kind: 'log', index: i, lines: [{ stream: 'stdout', text: text(i) }] }));
      bus.emit({ ...base, kind: 'done', result: null });
    });
  const batched = () =>
    throughSocket(async (_bus, jobs) => {
      const { jobId } = jobs.start('bench', { title: 'bench' }, (job) => produce((i) => job.log(text(i), 'stdout')));
      await jobs.wait(jobId);
    });

  const file = await fileBaseline();
  const show = (label, r) =>
    console.log(
      `${label.padEnd(44)} ${r.s.toFixed(3)} s   ${Math.round(N / r.s).toLocaleString('en').padStart(12)} lines/s   ${r.events.toLocaleString('en')} messages` +
        (r.missed ? `, ${r.missed.toLocaleString('en')} lines left for jobs.log (client too slow)` : ''),
    );
  console.log(`\n${N.toLocaleString('en')} log lines to a WebSocket client that parses each message:`);
  console.log(`${'baseline: the same lines written to a file'.padEnd(44)} ${file.toFixed(3)} s   ${Math.round(N / file).toLocaleString('en').padStart(12)} lines/s`);
  const before = await perLine();
  show('one event per line (before batching)', before);
  const after = await batched();
  show('job manager batches (now)', after);
  console.log(`ratio batched/per-line: ${(before.s / after.s).toFixed(1)}x faster; batched/file: ${(file / after.s).toFixed(2)}`);
}
