import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGenerationLine } from '../../electron/services/home/generations';
// @ts-expect-error plain ESM fixture without types
import { applyEnv, makeHomeEnv } from '../fixtures/home/make-home-env.mjs';
import { testApp } from '../helpers/app';

/**
 * Generations made without this area's helpers or stand-in: plain `nix-build` of toy store paths
 * (an `activate` that only records its run, a `home-path` with package links), installed with plain
 * `nix-env --profile <p> --set <path>`, dates set with `touch -h`. No home-manager command exists, so
 * rollback has to take the route for releases without `switch --rollback`.
 */
type App = Awaited<ReturnType<typeof testApp>>;
type Fix = ReturnType<typeof makeHomeEnv>;

const toyGeneration = (log: string, tag: string, packages: Record<string, string>) => `
let
  sh = args: name: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; PATH = "/usr/bin:/bin"; args = [ "-c" args ]; };
  pkg = name: version: sh "mkdir -p $out/bin; printf '#!/bin/sh\\\\necho ${'$'}{name} ${'$'}{version}\\\\n' > $out/bin/${'$'}{name}; chmod +x $out/bin/${'$'}{name}" "${'$'}{name}-${'$'}{version}";
  pkgs = [ ${Object.entries(packages).map(([n, v]) => `(pkg "${n}" "${v}")`).join(' ')} ];
  homePath = sh ("mkdir -p $out/bin; " + builtins.concatStringsSep "; " (map (p: "ln -s \${p}/bin/* $out/bin/") pkgs)) "home-manager-path";
in derivation {
  name = "home-manager-generation";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  PATH = "/usr/bin:/bin";
  inherit homePath;
  args = [ "-c" ''
    mkdir -p $out
    ln -s $homePath $out/home-path
    printf '#!/bin/sh\\necho "toy ${tag} activating"\\necho "$(dirname "$(readlink -f "$0")")" >> ${log}\\n' > $out/activate
    chmod +x $out/activate
  '' ];
}`;

/** The pipeline the real `home-manager generations` runs in the profile directory. */
function realGenerationsPipeline(profileDir: string): string[] {
  const script = `cd "$1" && cur=$(readlink home-manager || true) && ls --color=never -gG --time-style=long-iso --sort time home-manager-*-link | cut -d' ' -f 4- | sed -E -e "/\${cur:-^$}/ { s/\\$/ (current)/ }" -e 's/home-manager-([[:digit:]]*)-link/: id \\1/'`;
  return execFileSync('bash', ['-c', script, 'bash', profileDir], { encoding: 'utf8' }).trim().split('\n');
}

describe('generations made outside the fixtures: plain nix-build + nix-env --set', () => {
  let fix: Fix;
  let restore: () => void;
  let app: App;
  let profile: string;
  const paths: string[] = [];
  const log = () => path.join(fix.home, 'toy-activations.log');
  const runs = () => (existsSync(log()) ? readFileSync(log(), 'utf8').trim().split('\n') : []);

  beforeAll(async () => {
    fix = makeHomeEnv();
    restore = applyEnv(fix.env);
    profile = path.join(fix.profileDir, 'home-manager');
    const sets: Record<string, string>[] = [{ hello: '2.10' }, { hello: '2.12', ripgrep: '14.1.0' }, { hello: '2.12', ripgrep: '14.1.0', jq: '1.7.1' }];
    sets.forEach((pkgs, i) => {
      const out = execFileSync('nix-build', ['--no-out-link', '--expr', toyGeneration(log(), String(i + 1), pkgs)], { encoding: 'utf8' }).trim();
      paths.push(out);
      execFileSync('nix-env', ['--profile', profile, '--set', out]);
    });
    // a person's generations are minutes apart; two share a minute to check the tie order
    for (const [n, stamp] of [[1, '2024-03-01 09:15:00'], [2, '2024-03-02 18:40:00'], [3, '2024-03-02 18:40:00']] as const) {
      execFileSync('touch', ['-h', '-d', stamp, path.join(fix.profileDir, `home-manager-${n}-link`)]);
    }
    app = await testApp({ ...fix.host, commands: { ...fix.host.commands, 'home-manager': path.join(fix.root, 'bin/no-home-manager-here') } });
  }, 120_000);
  afterAll(() => restore?.());

  it('lists them with the same lines as the real `home-manager generations` pipeline', async () => {
    const { generations, profile: p } = await app.call('home.generations', {});
    expect(p).toBe(profile);
    expect(generations.map((g) => formatGenerationLine({ ...g, date: new Date(g.date) }))).toEqual(realGenerationsPipeline(fix.profileDir));
    expect(generations.map((g) => [g.generation, g.current, g.storePath])).toEqual([[2, false, paths[1]], [3, true, paths[2]], [1, false, paths[0]]]);
    expect(generations.every((g) => g.hmVersion === null)).toBe(true);
    const status = await app.call('home.status', {});
    expect(status.profile).toEqual({ path: profile, generations: 3, current: 3 });
  });

  it('diffs their home-path packages', async () => {
    const d = await app.call('home.diff', { from: 1, to: 3 });
    expect(d.added.map((x) => `${x.name}-${x.version}`)).toEqual(['jq-1.7.1', 'ripgrep-14.1.0']);
    expect(d.changed).toEqual([{ name: 'hello', from: '2.10', to: '2.12' }]);
  });

  it('rolls back without a home-manager command: runs the previous activate and makes it current', async () => {
    const { jobId } = await app.call('home.rollback', {});
    const summary = await app.ctx.jobs.wait(jobId);
    expect(summary.error).toBeUndefined();
    expect(summary.result).toMatchObject({ method: 'profile and activate', from: 3, to: 2 });
    expect(runs()).toEqual([paths[1]]);
    expect(readlinkSync(profile)).toBe('home-manager-2-link');
    // no generation was added or lost: the same three links
    expect(readdirSync(fix.profileDir).filter((n) => /^home-manager-\d+-link$/.test(n)).sort()).toEqual(['home-manager-1-link', 'home-manager-2-link', 'home-manager-3-link']);
    expect(realGenerationsPipeline(fix.profileDir).filter((l) => l.endsWith('(current)'))).toEqual([expect.stringContaining(`: id 2 -> ${paths[1]}`)]);
    const lines = app.ctx.jobs.log(jobId, 0, 1000).lines.map((l) => l.text);
    expect(lines).toContain('toy 2 activating');
  });

  it('switches to any generation the same way', async () => {
    const { jobId } = await app.call('home.switchGeneration', { generation: 1 });
    const summary = await app.ctx.jobs.wait(jobId);
    expect(summary.error).toBeUndefined();
    expect(readlinkSync(profile)).toBe('home-manager-1-link');
    expect(runs().at(-1)).toBe(paths[0]);
  });

  it('finds the older per-user profile when ~/.local/state/nix/profiles does not exist', async () => {
    const perUser = path.join(fix.state, 'profiles/per-user/alice');
    mkdirSync(perUser, { recursive: true });
    renameSync(fix.profileDir, path.join(fix.root, 'moved-profiles'));
    try {
      execFileSync('nix-env', ['--profile', path.join(perUser, 'home-manager'), '--set', paths[2]!]);
      const { profile: p, generations } = await app.call('home.generations', {});
      expect(p).toBe(path.join(perUser, 'home-manager'));
      expect(generations.map((g) => [g.generation, g.current, g.storePath])).toEqual([[1, true, paths[2]]]);
      expect(generations.map((g) => formatGenerationLine({ ...g, date: new Date(g.date) }))).toEqual(realGenerationsPipeline(perUser));
    } finally {
      rmSync(perUser, { recursive: true, force: true });
      renameSync(path.join(fix.root, 'moved-profiles'), fix.profileDir);
    }
  });
});
