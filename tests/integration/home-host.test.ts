import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
import { tempDir, testApp } from '../helpers/app';

type App = Awaited<ReturnType<typeof testApp>>;

/** Home Manager generations made by the shared fixture host (another builder than this area's stand-in). */
describe('home.* on the fixture NixOS host with a Home Manager profile', () => {
  let app: App;
  let host: Record<string, string>;
  let dir: string;
  let savedHome: string | undefined;

  beforeAll(async () => {
    dir = tempDir('nc-hm-host-');
    const made = await makeHost(dir, { generations: 2, homeManager: true });
    host = made.host;
    savedHome = process.env.FIXTURE_HM_ACTIVATION_LOG;
    process.env.FIXTURE_HM_ACTIVATION_LOG = path.join(dir, 'hm-activation.log');
    app = await testApp(made.host);
  }, 300_000);
  afterAll(() => {
    if (savedHome === undefined) delete process.env.FIXTURE_HM_ACTIVATION_LOG;
    else process.env.FIXTURE_HM_ACTIVATION_LOG = savedHome;
  });

  it('reads its generations: newest first, dates from the links, current marked, hm-version', async () => {
    const { generations, profile } = await app.call('home.generations', {});
    expect(profile).toBe(host.homeManagerProfile);
    expect(generations.map((g) => g.generation)).toEqual([2, 1]);
    expect(generations[0]!.current).toBe(true);
    expect(generations[0]!.storePath).toBe(readlinkSync(`${host.homeManagerProfile}-2-link`));
    expect(new Date(generations[0]!.date).getTime()).toBeGreaterThan(new Date(generations[1]!.date).getTime());
    expect(generations.every((g) => /^\d{2}\.\d{2}/.test(g.hmVersion ?? ''))).toBe(true);
    const status = await app.call('home.status', {});
    expect(status.installed).toBe(true);
    expect(status.profile).toMatchObject({ generations: 2, current: 2 });
    expect(status.homeManagerChannel?.name).toBe('home-manager');
  });

  it('diffs their packages through home-path', async () => {
    const diff = await app.call('home.diff', { from: 1, to: 2 });
    expect(diff.added.map((p) => p.name)).toContain('tmux');
    expect(diff.removed).toEqual([]);
  });

  it('switching to generation 1 runs its own activate and moves the profile', async () => {
    const { jobId } = await app.call('home.switchGeneration', { generation: 1 });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.error).toBeUndefined();
    expect(readlinkSync(host.homeManagerProfile!)).toBe(`${path.basename(host.homeManagerProfile!)}-1-link`);
    expect(readFileSync(path.join(dir, 'hm-activation.log'), 'utf8')).toContain(`activate ${readlinkSync(`${host.homeManagerProfile}-1-link`)}`);
    const gens = await app.call('home.generations', {});
    expect(gens.generations.find((g) => g.current)?.generation).toBe(1);
  });

  it('a 25.11 generation (gen-version 1) recorded without activation is marked so; switching to it runs activate --driver-version 1', async () => {
    const fixtures = path.resolve(__dirname, '../fixtures/nix');
    const expr = `let pkgs = import ${fixtures} { hostDir = "${dir}"; }; in import ${fixtures}/home-manager.nix { inherit pkgs; hostDir = "${dir}"; packages = [ pkgs.hello pkgs.jq ]; files = { git = "[user]\\n"; }; hmRelease = "25.11"; }`;
    const out = execFileSync('nix-build', ['--no-out-link', '--expr', expr], { encoding: 'utf8' }).trim();
    expect(readFileSync(path.join(out, 'gen-version'), 'utf8').trim()).toBe('1');
    // what home-manager 25.11 does first: record it in the profile (here nothing activates it afterwards)
    execFileSync('nix-env', ['--profile', host.homeManagerProfile!, '--set', out]);
    const recorded = await app.call('home.generations', {});
    expect(recorded.activationGap).toEqual({ recorded: 3, filesOf: 1 });
    expect(recorded.generations.find((g) => g.generation === 3)).toMatchObject({ current: true, notActivated: true, filesInPlace: false, genVersion: 1, hmVersion: '25.11' });

    const { jobId } = await app.call('home.switchGeneration', { generation: 3 });
    const done = await app.ctx.jobs.wait(jobId);
    expect(done.error).toBeUndefined();
    const log = app.ctx.jobs.log(jobId, 0, 1000).lines.map((l) => l.text);
    expect(log).toContain(`$ ${out}/activate --driver-version 1`);
    expect(log).not.toContain('Creating new profile generation');
    const after = await app.call('home.generations', {});
    expect(after.activationGap).toBeNull();
    expect(after.generations.map((g) => g.generation).sort()).toEqual([1, 2, 3]);
    expect(after.generations.find((g) => g.generation === 3)).toMatchObject({ current: true, notActivated: false, filesInPlace: true });
  });
});
