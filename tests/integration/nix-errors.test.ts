/**
 * The classifier against the real tools: each failure is made with real Nix (2.26 and 2.8) and its real
 * output explained. Unfree comes from the fixture's toy nixpkgs, which refuses unfree packages as
 * nixpkgs' check-meta.nix does, in its words; a collision from a builder that follows nixpkgs' buildEnv
 * (pkgs/build-support/buildenv/builder.pl, in Perl, with its `$SIG{__DIE__}` prefix and die message).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainNixError } from '../../electron/core/nix-errors';
import { errorExplanationSchema } from '../../shared/contract/core';
import { makeSystemHost, type SystemHost } from '../fixtures/system-host';
import { testApp } from '../helpers/app';
import { describeEachNix } from '../support/nix-each';
import { repoRoot } from '../support/nix.mjs';

const toyNixpkgs = path.join(repoRoot, 'tests/fixtures/nix');
const work = mkdtempSync(path.join(os.tmpdir(), 'nc-nix-errors-'));
const emptyHome = path.join(work, 'home');
mkdirSync(emptyHome);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

describeEachNix('Nix failures explained', (variant) => {
  /** stderr of a real nix tool that must fail */
  function fails(tool: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
    const r = spawnSync(path.join(variant.bin, tool), args, { encoding: 'utf8', env: { ...process.env, HOME: emptyHome, ...env }, timeout: 120_000, cwd: work });
    expect(r.status, `${tool} ${args.join(' ')} should fail; stderr: ${r.stderr}`).not.toBe(0);
    return r.stderr;
  }
  function file(name: string, text: string): string {
    const p = path.join(work, `${unique()}-${name}`);
    writeFileSync(p, text);
    return p;
  }
  const explain = (text: string, ctx: Parameters<typeof explainNixError>[1] = { tool: 'nixos-rebuild', configKind: 'channels' }) => {
    const e = explainNixError(text, ctx);
    if (e) errorExplanationSchema.parse(e);
    return e;
  };

  it('unfree: the toy nixpkgs refuses vscode in check-meta’s words until allowUnfree is set', () => {
    const expr = (config: string) => `(import ${toyNixpkgs} { ${config} }).vscode.name`;
    const text = fails('nix-instantiate', ['--eval', '-E', expr('')]);
    expect(text).toContain('has an unfree license (‘unfree’), refusing to evaluate.');
    const e = explain(text)!;
    expect(e.code).toBe('unfree');
    expect(e.title).toBe('vscode is not free software, and unfree packages are not allowed yet');
    expect(e.fixes[0]!.action).toEqual({ kind: 'add-to-config', target: 'system', option: 'nixpkgs.config.allowUnfree', value: true });
    // the fix the explanation offers is the one that works
    const allowed = spawnSync(path.join(variant.bin, 'nix-instantiate'), ['--eval', '-E', expr('config.allowUnfree = true;')], { encoding: 'utf8', env: { ...process.env, HOME: emptyHome } });
    expect(allowed.stdout.trim()).toBe('"vscode-1.95.3"');
  });

  it('unfree through the toy NixOS: nixpkgs.config.allowUnfree in the configuration lets it build', () => {
    const config = (extra: string) =>
      file('configuration.nix', `{ pkgs, ... }: {\n  environment.systemPackages = [ pkgs.vscode ];\n  fileSystems."/".device = "/dev/sda1";\n  boot.loader.grub.device = "/dev/sda";\n${extra}}\n`);
    const attr = ['--eval', '-E', `(import ${toyNixpkgs}/nixos { configuration = import CONFIG; }).config.environment.systemPackages`];
    const text = fails('nix-instantiate', [...attr.slice(0, 2), attr[2]!.replace('CONFIG', config('')), '--strict']);
    expect(explain(text)?.code).toBe('unfree');
    const ok = spawnSync(path.join(variant.bin, 'nix-instantiate'), [...attr.slice(0, 2), attr[2]!.replace('CONFIG', config('  nixpkgs.config.allowUnfree = true;\n')), '--strict'], { encoding: 'utf8', env: { ...process.env, HOME: emptyHome } });
    expect(ok.stderr).not.toContain('unfree');
    expect(ok.status).toBe(0);
  });

  it('undefined variable, with the closest names and the position', () => {
    const f = file('configuration.nix', '{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [ firefx ];\n}\n');
    const text = fails('nix-instantiate', ['--eval', '--strict', '-E', `(import ${f} { pkgs = {}; }).environment.systemPackages`]);
    const e = explain(text, { tool: 'nixos-rebuild', configKind: 'channels', closestNames: () => ['firefox'] })!;
    expect(e.code).toBe('undefined-variable');
    expect(e.suggestions).toEqual(['firefox']);
    expect(e.location).toEqual({ file: f, line: 3, column: 45 });
    expect(e.fixes[0]!.action).toEqual({ kind: 'open-file', file: f, line: 3, column: 45 });
  });

  it('missing attribute (Nix 2.26 suggests names itself)', () => {
    const f = file('pkgs.nix', 'let pkgs = { firefox = 1; hello = 2; }; in [ pkgs.firefx ]\n');
    const text = fails('nix-instantiate', ['--eval', '--strict', f]);
    const e = explain(text)!;
    expect(e.code).toBe('missing-attribute');
    expect(e.title).toBe('There is no “firefx” here');
    expect(e.suggestions).toEqual(['firefox']);
    expect(e.location?.line).toBe(1);
  });

  it('syntax error: the line, and a missing ; said as such', () => {
    const f = file('configuration.nix', '{\n  a = 1\n  b = 2;\n}\n');
    const e = explain(fails('nix-instantiate', ['--parse', f]))!;
    expect(e.code).toBe('syntax');
    expect(e.title).toMatch(/configuration\.nix has a typing mistake on line 3$/);
    expect(e.explanation).toContain('semicolon');
  });

  it('infinite recursion', () => {
    const f = file('rec.nix', 'let x = { a = x.a; }; in x.a\n');
    const e = explain(fails('nix-instantiate', ['--eval', f]))!;
    expect(e.code).toBe('infinite-recursion');
    expect(e.location).toMatchObject({ file: f, line: 1 });
  });

  it('hash mismatch of a fixed-output derivation gives the hash Nix got', () => {
    const f = file('fod.nix', `derivation { name = "src-${unique()}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo hi > $out" ]; outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; }\n`);
    const e = explain(fails('nix-build', ['--no-out-link', f]))!;
    expect(e.code).toBe('hash-mismatch');
    expect(e.fixes.at(-1)!.command).toBe('sha256-mOpuTyFvL7S2n/+bOkSELDhobKaF8/VdxIxdP7EQe+Q=');
  });

  it('collision in a buildEnv of two packages with the same file', () => {
    const id = unique();
    const builder = file(
      'buildenv.pl',
      // the parts of nixpkgs' builder.pl that meet a collision: same prefix on die, same message
      `use strict;\n$SIG{__DIE__} = sub { die "error: ", @_ };\nmy %seen;\nmkdir "$ENV{out}"; mkdir "$ENV{out}/bin";\nfor my $p (split ' ', $ENV{paths}) {\n  for my $f (glob "$p/bin/*") {\n    (my $rel = $f) =~ s{^\\Q$p\\E}{};\n    die "collision between \`$f' and \`$seen{$rel}'\\n" if $seen{$rel};\n    $seen{$rel} = $f;\n    symlink $f, "$ENV{out}$rel" or die "cannot link $f: $!";\n  }\n}\n`,
    );
    const f = file(
      'env.nix',
      `let mk = n: derivation { name = n; system = builtins.currentSystem; builder = "/bin/sh"; PATH = "/usr/bin:/bin"; args = [ "-c" "mkdir -p $out/bin; echo $name > $out/bin/vim" ]; };
in derivation { name = "system-path-${id}"; system = builtins.currentSystem; builder = "/usr/bin/perl"; args = [ ${builder} ]; paths = [ (mk "vim-9.1-${id}") (mk "vim-full-9.1-${id}") ]; }\n`,
    );
    const e = explain(fails('nix-build', ['--no-out-link', f]))!;
    expect(e.code).toBe('collision');
    expect(e.title).toBe('vim-full and vim both provide /bin/vim');
  });

  it('no network: a download from a host that does not resolve', () => {
    const text = fails('nix-instantiate', ['--eval', '-E', 'builtins.fetchurl "https://cache.nixos.invalid/nix-cache-info"', '--option', 'connect-timeout', '2', '--option', 'download-attempts', '1']);
    const e = explain(text)!;
    expect(e.code).toBe('network');
    expect(e.title).toBe('Nix could not reach cache.nixos.invalid');
  });

  it('disk full: a build whose folder is on a full 1 MiB tmpfs', () => {
    const tiny = path.join(work, `tiny-${unique()}`);
    mkdirSync(tiny);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny]);
    if (mounted.status !== 0) throw new Error(`mounting a tmpfs needs root: ${mounted.stderr}`);
    try {
      const f = file('big.nix', `derivation { name = "big-${unique()}"; system = builtins.currentSystem; builder = "/bin/sh"; PATH = "/usr/bin:/bin"; args = [ "-c" "head -c 8000000 /dev/zero > scratch && touch $out" ]; }\n`);
      const text = fails('nix-build', ['--no-out-link', f], { TMPDIR: tiny });
      expect(text).toContain('No space left on device');
      const e = explain(text)!;
      expect(e.code).toBe('disk-full');
      expect(e.fixes[0]!.action).toEqual({ kind: 'open-page', route: '#/system/cleanup' });
    } finally {
      spawnSync('umount', [tiny]);
    }
  });

  it('a flake file git does not track', () => {
    const repo = path.join(work, `flake-${unique()}`);
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'flake.nix'), '{ outputs = { self }: { value = import ./extra.nix; }; }\n');
    writeFileSync(path.join(repo, 'extra.nix'), '42\n');
    const git = (...args: string[]) => spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
    git('init', '-q');
    git('add', 'flake.nix');
    const text = fails('nix', ['eval', '--extra-experimental-features', 'nix-command flakes', `${repo}#value`]);
    const e = explain(text, { tool: 'nixos-rebuild', configKind: 'flake' })!;
    expect(e.code).toBe('untracked-flake-file');
    expect(e.title).toBe('Nix cannot see extra.nix in your flake');
    expect(e.fixes[0]!.command).toBe('git add extra.nix');
  });
});

describe('the app attaches the explanation where it shows the error', () => {
  let host: SystemHost;
  let app: Awaited<ReturnType<typeof testApp>>;
  let original: string;
  beforeAll(async () => {
    host = await makeSystemHost({ generations: 1 });
    original = readFileSync(host.configFile, 'utf8');
    const pkgs = path.join(host.dir, 'packages.json');
    const names = ['firefox', 'firefox-esr', 'hello', 'vscode'];
    writeFileSync(pkgs, JSON.stringify({ version: 2, packages: Object.fromEntries(names.map((n) => [n, { name: `${n}-1.0`, pname: n, version: '1.0', meta: {} }])) }));
    // the root helper reads its host from the environment, as it does when the app starts it
    process.env.NIXOS_COMPANION_HOST = host.withHost({ packagesJsonFile: pkgs }, 'errors');
    app = await testApp({ ...host.host, packagesJsonFile: pkgs });
  }, 120_000);
  afterAll(async () => {
    delete process.env.NIXOS_COMPANION_HOST;
    await app?.dispose();
  });

  it('evaluate: unfree explained, its fix applied through the previewed edit, and then it evaluates', async () => {
    writeFileSync(host.configFile, original.replace('    fastfetch\n', '    fastfetch\n    vscode\n'));
    const bad = await app.call('system.config.evaluate', {});
    expect(bad.ok).toBe(false);
    const fix = bad.error?.explanation?.fixes[0]?.action;
    expect(bad.error?.explanation?.code).toBe('unfree');
    expect(fix).toEqual({ kind: 'add-to-config', target: 'system', option: 'nixpkgs.config.allowUnfree', value: true });
    if (fix?.kind !== 'add-to-config') return;
    const item = { kind: 'setting' as const, name: fix.option, value: fix.value };
    const preview = await app.call('search.previewAdd', { target: fix.target, item });
    expect(preview.status).toBe('ready');
    expect(preview.diff).toContain('+  nixpkgs.config.allowUnfree = true;');
    const applied = await app.call('search.applyAdd', { target: fix.target, item, expectedSha256: preview.baseSha256! });
    expect(applied.backup).not.toBeNull();
    expect((await app.call('system.config.evaluate', {})).ok).toBe(true);
  });

  it('evaluate: an undefined name gets the closest names from the package list', async () => {
    writeFileSync(host.configFile, original.replace('    fastfetch\n', '    fastfetch\n    firefx\n'));
    const bad = await app.call('system.config.evaluate', {});
    expect(bad.error?.explanation?.code).toBe('undefined-variable');
    expect(bad.error?.explanation?.suggestions?.[0]).toBe('firefox');
    expect(bad.error?.explanation?.location?.file).toBe(host.configFile);
  });
});
