import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { derivationName } from '../../electron/core/store-names';
import { NixLogParser, locateOptionInText, parseNixErrorText } from '../../electron/services/system/nix-log';
import { toJobProgress } from '../../electron/services/system/rebuild';
import { nixEnvFor, nixVariants } from '../support/nix.mjs';

/** Real Nix output, from both Nix versions under test: the real nix-build with `-v --log-format internal-json`. */
const variants = nixVariants();
let NIX_ENV: NodeJS.ProcessEnv = nixEnvFor(variants[0]!.bin);

function nixBuild(expr: string, extra: string[] = []) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-nixlog-'));
  const file = path.join(dir, 'default.nix');
  writeFileSync(file, expr);
  const r = spawnSync('nix-build', [file, '--no-out-link', '-v', '--log-format', 'internal-json', ...extra], { env: NIX_ENV, encoding: 'utf8' });
  return { file, status: r.status, stdout: r.stdout, stderrLines: r.stderr.split('\n').filter(Boolean) };
}

const chain = (nonce: string) => `
let
  mk = name: deps: derivation {
    inherit name deps;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo compiling ${'${name}'}; echo warning from ${'${name}'} >&2; /bin/mkdir -p $out; echo ok > $out/f" ];
    nonce = "${nonce}";
  };
  a = mk "alpha-1.0" [];
  b = mk "beta-2.1" [ a ];
in mk "gamma-3" [ a b ]
`;

describe.each(variants)('NixLogParser on real nix-build output ($name)', ({ bin }) => {
  beforeAll(() => {
    NIX_ENV = nixEnvFor(bin);
  });

  it('counts builds the way Nix does, and turns build output into prefixed log lines', () => {
    const { status, stderrLines } = nixBuild(chain(`${Date.now()}-${Math.random()}`));
    expect(status).toBe(0);
    expect(stderrLines.every((l) => l.startsWith('@nix {'))).toBe(true);
    const parser = new NixLogParser();
    const logs: string[] = [];
    let maxRunning = 0;
    let sawExpected3 = false;
    for (const line of stderrLines) {
      const r = parser.feed(line);
      if (r.log) logs.push(r.log);
      const p = parser.progress();
      maxRunning = Math.max(maxRunning, p.builds.running);
      if (p.builds.expected === 3) sawExpected3 = true;
    }
    const end = parser.progress();
    expect(sawExpected3).toBe(true);
    expect(end.builds).toEqual({ done: 3, expected: 3, running: 0, failed: 0 });
    expect(maxRunning).toBe(1);
    expect(logs).toContain('alpha-1.0> compiling alpha-1.0');
    expect(logs).toContain('beta-2.1> warning from beta-2.1');
    expect(logs.some((l) => /^these 3 derivations will be built:/.test(l))).toBe(true);
    expect(parser.errors).toEqual([]);
    expect(parser.mainError()).toBeNull();
  });

  it('names the current activity while a build runs', () => {
    const { stderrLines } = nixBuild(chain(`act-${Date.now()}-${Math.random()}`));
    const parser = new NixLogParser();
    const seen = new Set<string>();
    for (const line of stderrLines) {
      parser.feed(line);
      const a = parser.progress().activity;
      if (a) seen.add(a);
    }
    expect(seen).toContain('building alpha-1.0');
    expect(seen).toContain('building gamma-3');
    expect(parser.progress().activity).toBe('');
  });

  it('reads a syntax error with file, line and column', () => {
    const { file, status, stderrLines } = nixBuild('{ config, ... }:\n{\n  foo = 1;\n  bar = [ 1 2 ;\n}\n');
    expect(status).not.toBe(0);
    const parser = new NixLogParser();
    for (const l of stderrLines) parser.feed(l);
    const err = parser.mainError();
    expect(err?.location).toEqual({ file, line: 4, column: 15 });
    expect(err?.summary).toBe("syntax error, unexpected ';'");
    expect(err?.text).toContain('4|   bar = [ 1 2 ;');
    expect(err?.text).not.toContain('\u001b');
  });

  it('reads an evaluation error and prefers the user file over the trace', () => {
    const { file, status, stderrLines } = nixBuild('let x = { a = 1; }; in\n{\n  y = x.b;\n}.y\n', ['--show-trace']);
    expect(status).not.toBe(0);
    const parser = new NixLogParser();
    for (const l of stderrLines) parser.feed(l);
    const err = parser.mainError()!;
    expect(err.summary).toBe("attribute 'b' missing");
    expect(err.location).toEqual({ file, line: 3, column: 7 });
  });

  it('reports a failing builder with its last log lines and the failed count', () => {
    const { status, stderrLines } = nixBuild(`derivation { name = "broken-1"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo about to fail; exit 3" ]; nonce = "${Date.now()}${Math.random()}"; }`);
    expect(status).not.toBe(0);
    const parser = new NixLogParser();
    const logs: string[] = [];
    for (const l of stderrLines) {
      const r = parser.feed(l);
      if (r.log) logs.push(r.log);
    }
    expect(logs).toContain('broken-1> about to fail');
    const err = parser.mainError()!;
    expect(err.summary).toBe('broken-1 failed to build (exit code 3)');
    expect(err.failedDerivation).toMatch(/^\/nix\/store\/[a-z0-9]{32}-broken-1\.drv$/);
    expect(err.logTail).toEqual(['about to fail']);
    expect(err.location).toBeNull();
  });
});

/** A system-like closure whose leaf fails: Nix reports the leaf, then one summary per derivation above it. */
const failingChain = (nonce: string) => `
let
  mk = name: deps: script: derivation {
    inherit name deps;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
    nonce = "${nonce}";
  };
  leaf = mk "leaf-lib-1.0" [ ] "echo compiling leaf-lib; echo \\"leaf.c:3: error: expected ';'\\" >&2; exit 2";
  mid = mk "mid-tool-2.0" [ leaf ] "/bin/mkdir $out";
  top = mk "top-app-3" [ mid ] "/bin/mkdir $out";
in mk "nixos-system-box-25.11" [ top ] "/bin/mkdir $out"
`;

describe.each(variants)('a failure deep in a closure names the derivation that failed first ($name)', ({ bin }) => {
  const run = (cmd: string, args: string[], expr: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-nixlog-'));
    const file = path.join(dir, 'default.nix');
    writeFileSync(file, expr);
    const r = spawnSync(cmd, [...args.map((a) => (a === 'FILE' ? file : a))], { env: nixEnvFor(bin), encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    return r.stderr;
  };
  const expectLeaf = (err: ReturnType<NixLogParser['mainError']>) => {
    expect(err?.summary).toBe('leaf-lib-1.0 failed to build (exit code 2)');
    expect(err?.failedDerivation).toMatch(/-leaf-lib-1\.0\.drv$/);
    expect(err?.logTail).toEqual(['compiling leaf-lib', "leaf.c:3: error: expected ';'"]);
    expect(err?.text).toContain("> leaf.c:3: error: expected ';'");
  };

  for (const [label, cmd, args] of [
    ['nix-build (what nixos-rebuild runs without flakes)', 'nix-build', ['FILE', '--no-out-link']],
    ['nix build (what nixos-rebuild runs for a flake)', 'nix', ['build', '-f', 'FILE', '--no-link']],
  ] as const) {
    it(`${label}, with internal-json`, () => {
      const stderr = run(cmd, [...args, '-v', '--log-format', 'internal-json'], failingChain(`json-${cmd}-${Date.now()}-${Math.random()}`));
      const parser = new NixLogParser();
      for (const l of stderr.split('\n')) if (l) parser.feed(l);
      // what Nix itself said last is a summary about the system, three levels up
      expect(parser.errors.at(-1)?.text).toMatch(/dependencies of derivation '[^']+-nixos-system-box-25\.11\.drv' failed to build/);
      expectLeaf(parser.mainError());
      expect(parser.progress().builds.failed).toBeGreaterThanOrEqual(1);
    });

    it(`${label}, plain text`, () => {
      const stderr = run(cmd, args as unknown as string[], failingChain(`text-${cmd}-${Date.now()}-${Math.random()}`));
      expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/failed to build$/);
      expectLeaf(parseNixErrorText(stderr));
    });
  }
});

describe('build failures in the format of newer Nix (2.29 and later; not installed here)', () => {
  // As Nix prints it from 2.29 on (src/libstore/build/derivation-goal.cc): "Cannot build" and a Reason line.
  const text = `building '/nix/store/mxpvhwgqn3q6sl1lykymcj77z7a1iifi-fail-1.drv'...
error: Cannot build '/nix/store/mxpvhwgqn3q6sl1lykymcj77z7a1iifi-fail-1.drv'.
       Reason: builder failed with exit code 1.
       Output paths:
         /nix/store/wxpxl5abpxrr4ljnwj100nhijnbn2riz-fail-1
       Last 1 log lines:
       > this build is supposed to fail
       For full logs, run:
         nix log /nix/store/mxpvhwgqn3q6sl1lykymcj77z7a1iifi-fail-1.drv
error: Cannot build '/nix/store/0yd8anm3i4ph7nknpbj8cqmcmvy9xvya-app.drv'.
       Reason: 1 dependency failed.
error: build of '/nix/store/0yd8anm3i4ph7nknpbj8cqmcmvy9xvya-app.drv' failed
`;
  it('names the first derivation whose builder failed, with Nix\'s log lines', () => {
    const err = parseNixErrorText(text)!;
    expect(err.summary).toBe('fail-1 failed to build (exit code 1)');
    expect(err.logTail).toEqual(['this build is supposed to fail']);
  });
});

describe.each(variants)('parseNixErrorText on real nix-instantiate ($name)', ({ bin }) => {
  it('reads the Nix ≥ 2.4 multi-line format', () => {
    NIX_ENV = nixEnvFor(bin);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-nixlog-'));
    const file = path.join(dir, 'configuration.nix');
    writeFileSync(file, '{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.hello ]\n  services.x = true;\n}\n');
    const r = spawnSync('nix-instantiate', ['--parse', file], { env: NIX_ENV, encoding: 'utf8' });
    const err = parseNixErrorText(r.stderr)!;
    expect(err.location).toEqual({ file, line: 4, column: 14 });
    expect(err.summary).toBe("syntax error, unexpected '=', expecting ';'");
  });
});

describe('parseNixErrorText', () => {
  it('reads the older one-line format', () => {
    const err = parseNixErrorText("building Nix...\nerror: undefined variable 'pkgz' at /etc/nixos/configuration.nix:12:5\n(use '--show-trace' to show detailed location information)")!;
    expect(err.location).toEqual({ file: '/etc/nixos/configuration.nix', line: 12, column: 5 });
    expect(err.summary).toBe("undefined variable 'pkgz'");
  });

  it('keeps the position in the user file when the trace also points into nixpkgs', () => {
    const text = `error: The option \`services.foo' does not exist. Definition values:
       - In \`/etc/nixos/configuration.nix': true

       at /nix/store/abc-source/lib/modules.nix:512:17:
`;
    const err = parseNixErrorText(text)!;
    expect(err.location).toEqual({ file: '/nix/store/abc-source/lib/modules.nix', line: 512, column: 17 });
    expect(err.file).toBe('/etc/nixos/configuration.nix');
    expect(err.summary).toBe("The option `services.foo' does not exist.");
    expect(locateOptionInText('{\n  # services.foo is new\n  services.foo = true;\n}\n', err.summary)).toEqual({ line: 3, column: 3 });
  });

  it('finds nothing in output without an error', () => {
    expect(parseNixErrorText('building the system configuration...\n')).toBeNull();
  });
});

describe('helpers', () => {
  it('names store paths like a person would', () => {
    expect(derivationName('/nix/store/q29mdc21pvpv7460h777wpll1dnlr1g4-hello-2.12.drv')).toBe('hello-2.12');
    expect(derivationName('/nix/store/yb56gmk8mymp30af7yfdgs3c80qvrb7s-cc')).toBe('cc');
  });

  it('turns counts into job progress', () => {
    const p = toJobProgress(
      { builds: { done: 1, expected: 3, running: 1, failed: 0 }, downloads: { done: 1, expected: 1, running: 0, failed: 0 }, bytesDone: 10, bytesExpected: 20, activity: 'building x', runningBuilds: ['x'] },
      0,
      5000,
    );
    expect(p.fraction).toBe(0.5);
    expect(p.counters).toMatchObject({ 'builds.done': 1, 'builds.expected': 3, 'downloads.done': 1, 'elapsed.seconds': 5 });
    expect(p.bytesTotal).toBe(20);
  });

  it('counts substitutions, bytes and expected totals from set-expected and progress results', () => {
    // The shape Nix emits when fetching from a binary cache (actCopyPaths 103 with set-expected for 100, copyPath 100 progress in bytes).
    const lines = [
      { action: 'start', id: 1, type: 103, level: 0, text: '' },
      { action: 'result', id: 1, type: 106, fields: [100, 5000] },
      { action: 'result', id: 1, type: 105, fields: [0, 2, 0, 0] },
      { action: 'start', id: 2, type: 108, level: 4, text: "copying path '/nix/store/q29mdc21pvpv7460h777wpll1dnlr1g4-hello-2.12' from 'https://cache.nixos.org'", fields: ['/nix/store/q29mdc21pvpv7460h777wpll1dnlr1g4-hello-2.12', 'https://cache.nixos.org'] },
      { action: 'start', id: 3, type: 100, level: 4, text: '', fields: ['/nix/store/q29mdc21pvpv7460h777wpll1dnlr1g4-hello-2.12', 'https://cache.nixos.org', 'local'] },
      { action: 'result', id: 3, type: 105, fields: [1500, 3000, 0, 0] },
      { action: 'result', id: 1, type: 105, fields: [0, 2, 1, 0] },
    ].map((o) => `@nix ${JSON.stringify(o)}`);
    const parser = new NixLogParser();
    for (const l of lines) parser.feed(l);
    let p = parser.progress();
    expect(p.downloads).toEqual({ done: 0, expected: 2, running: 1, failed: 0 });
    expect(p.bytesDone).toBe(1500);
    expect(p.bytesExpected).toBe(5000);
    expect(p.activity).toBe('copying hello-2.12');
    parser.feed(`@nix ${JSON.stringify({ action: 'result', id: 3, type: 105, fields: [3000, 3000, 0, 0] })}`);
    parser.feed(`@nix ${JSON.stringify({ action: 'stop', id: 3 })}`);
    parser.feed(`@nix ${JSON.stringify({ action: 'stop', id: 2 })}`);
    parser.feed(`@nix ${JSON.stringify({ action: 'result', id: 1, type: 105, fields: [1, 2, 0, 0] })}`);
    p = parser.progress();
    expect(p.downloads.done).toBe(1);
    expect(p.bytesDone).toBe(3000);
    expect(p.activity).toBe('');
  });

  it('passes plain lines through and survives broken JSON', () => {
    const parser = new NixLogParser();
    expect(parser.feed('building the system configuration...').log).toBe('building the system configuration...');
    expect(parser.feed('@nix {not json').log).toBe('@nix {not json');
  });
});
