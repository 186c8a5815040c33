import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { lutimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SwitchResult } from '../../shared/contract/home';
import { formatGenerationLine } from '../../electron/services/home/generations';
// @ts-expect-error plain ESM fixture without types
import { applyEnv, homeNix, makeGeneration, makeHomeEnv, makeHomeFlake, standin } from '../fixtures/home/make-home-env.mjs';
import { testApp } from '../helpers/app';

type App = Awaited<ReturnType<typeof testApp>>;
type Fix = ReturnType<typeof makeHomeEnv>;
const standinPath = path.resolve(__dirname, '../fixtures/home/bin/home-manager');

async function job<T>(app: App, method: 'home.switch' | 'home.rollback' | 'home.switchGeneration', params: Record<string, unknown>) {
  const { jobId } = await app.call(method as 'home.switch', params as never);
  const summary = await app.ctx.jobs.wait(jobId);
  return { summary, result: summary.result as T, log: app.ctx.jobs.log(jobId, 0, 100_000).lines.map((l) => l.text) };
}

const activations = (fix: Fix) => {
  const f = path.join(fix.home, '.local/state/hm-standin-activations.log');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
};

function withEnv(hmVersion: string, opts: Record<string, unknown> = {}) {
  const fix: Fix = makeHomeEnv({ hmVersion, ...opts });
  const restore = applyEnv(fix.env);
  return { fix, restore };
}

describe('home.switch, generations, diff, rollback on real nix profiles (home-manager 24.11)', () => {
  let fix: Fix;
  let restore: () => void;
  let app: App;

  beforeAll(async () => {
    ({ fix, restore } = withEnv('24.11'));
    // three real generations, made the way a person makes them
    makeGeneration(fix, { packages: ['hello'] }, 'hello=2.10');
    makeGeneration(fix, { packages: ['hello', 'ripgrep'] }, 'hello=2.12\nripgrep=14.1.0');
    makeGeneration(fix, { packages: ['hello', 'ripgrep', 'jq'], git: { name: 'Alice', email: 'alice@example.org' } }, 'hello=2.12\nripgrep=14.1.0\njq=1.7.1');
    app = await testApp({ ...fix.host, commands: { ...fix.host.commands, 'home-manager': standinPath } });
  });
  afterAll(() => restore?.());

  it('lists generations with the same order, numbers, store paths and current mark as `home-manager generations`', async () => {
    // give the links distinct minutes, as a person’s generations have, so the printed dates differ
    const dir = fix.profileDir;
    for (const [n, minutesAgo] of [[1, 30], [2, 20], [3, 10]] as const) {
      const t = new Date(Date.now() - minutesAgo * 60_000);
      // lutimes: the link's own mtime is the generation date
      await lutimes(path.join(dir, `home-manager-${n}-link`), t, t);
    }
    const { generations, profile } = await app.call('home.generations', {});
    expect(profile).toBe(path.join(dir, 'home-manager'));
    expect(generations.map((g) => [g.generation, g.current])).toEqual([[3, true], [2, false], [1, false]]);
    // home-manager 24.11 prints no " (current)" mark (25.11 does); otherwise the same lines
    const printed = standin(fix, ['generations']).stdout.trim().split('\n');
    const ours = generations.map((g) => formatGenerationLine({ ...g, date: new Date(g.date) }));
    expect(ours.map((l) => l.replace(/ \(current\)$/, ''))).toEqual(printed);
    expect(ours[0]).toMatch(/ \(current\)$/);
    expect(generations.every((g) => g.hmVersion === '24.11')).toBe(true);
    expect(generations[0]!.storePath).toBe(readlinkSync(path.join(dir, 'home-manager-3-link')));
  });

  it('diffs the packages of two generations from their home-path', async () => {
    const diff = await app.call('home.diff', { from: 1, to: 3 });
    expect(diff.added.map((p) => `${p.name}-${p.version}`)).toEqual(['git-1.0', 'jq-1.7.1', 'ripgrep-14.1.0']);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([{ name: 'hello', from: '2.10', to: '2.12' }]);
    // agrees with what `home-manager packages` (nix-store -q --references of home-path) lists
    const listed = standin(fix, ['packages']).stdout.trim().split('\n').sort();
    expect(listed).toEqual(['git-1.0', 'hello-2.12', 'home-manager-24.11', 'jq-1.7.1', 'ripgrep-14.1.0']);
    const back = await app.call('home.diff', { from: 3, to: 2 });
    expect(back.removed.map((p) => p.name)).toEqual(['git', 'jq']);
    expect((await app.callError('home.diff', { from: 1, to: 99 })).code).toBe('not-found');
  });

  it('switch: a file in the way is named, nothing changes, and a retry with -b backs it up', async () => {
    writeFileSync(fix.host.homeManagerConfig, homeNix({ home: fix.home, packages: ['hello'], bash: true }));
    writeFileSync(path.join(fix.home, '.bashrc'), '# my own bashrc\n');
    const runsBefore = activations(fix).length;
    const refused = await job<SwitchResult>(app, 'home.switch', {});
    expect(refused.summary.status).toBe('done');
    expect(refused.result.ok).toBe(false);
    expect(refused.result.clobbered).toEqual([{ path: path.join(fix.home, '.bashrc'), backupInTheWay: null }]);
    expect(refused.result.generation).toBe(3);
    expect(refused.result.previousGeneration).toBe(3);
    expect(refused.log.some((l) => /^Existing file '.*\/\.bashrc' is in the way of '\/nix\/store\/[0-9a-z]{32}-home-manager-files\/\.bashrc'$/.test(l))).toBe(true);
    // the previous generation stays active: profile unchanged, the file untouched
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-3-link');
    expect(readFileSync(path.join(fix.home, '.bashrc'), 'utf8')).toBe('# my own bashrc\n');
    expect(refused.summary.progress?.counters?.['builds.done']).toBeGreaterThan(0);
    expect(activations(fix).length).toBe(runsBefore); // it stopped at checkLinkTargets, before it finished

    const retried = await job<SwitchResult>(app, 'home.switch', { backupExtension: 'backup' });
    expect(retried.result.ok).toBe(true);
    expect(retried.result.generation).toBe(4);
    expect(retried.result.previousGeneration).toBe(3);
    expect(readFileSync(path.join(fix.home, '.bashrc.backup'), 'utf8')).toBe('# my own bashrc\n');
    expect(lstatSync(path.join(fix.home, '.bashrc')).isSymbolicLink()).toBe(true);
    expect(retried.result.unreadNews).toBe(1);
  });

  it('switch: when the backup name is taken too, that is named', async () => {
    writeFileSync(fix.host.homeManagerConfig, homeNix({ home: fix.home, packages: ['hello'], bash: true, zsh: true }));
    writeFileSync(path.join(fix.home, '.zshrc'), 'mine\n');
    writeFileSync(path.join(fix.home, '.zshrc.backup'), 'older\n');
    const r = await job<SwitchResult>(app, 'home.switch', { backupExtension: 'backup' });
    expect(r.result.ok).toBe(false);
    expect(r.result.clobbered).toEqual([{ path: path.join(fix.home, '.zshrc'), backupInTheWay: path.join(fix.home, '.zshrc.backup') }]);
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-4-link');
  });

  it('switch: a Nix error fails the job with Nix’s words, and the generation stays', async () => {
    writeFileSync(fix.host.homeManagerConfig, homeNix({ home: fix.home, packages: ['hello', 'notAPackageAnywhere'] }));
    const r = await job<SwitchResult>(app, 'home.switch', {});
    expect(r.summary.status).toBe('failed');
    expect(r.summary.error?.message).toMatch(/undefined variable 'notAPackageAnywhere'/);
    expect(r.summary.error?.message).toMatch(/Generation 4 is still the active one/);
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-4-link');
  });

  it('rollback before 25.11: switches the profile and runs the previous generation’s activate', async () => {
    const runsBefore = activations(fix);
    const r = await job<{ method: string; from: number; to: number }>(app, 'home.rollback', {});
    expect(r.summary.error).toBeUndefined();
    expect(r.result).toMatchObject({ method: 'profile and activate', from: 4, to: 3 });
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-3-link');
    const runs = activations(fix);
    expect(runs.length).toBe(runsBefore.length + 1);
    expect(runs.at(-1)).toContain(readlinkSync(path.join(fix.profileDir, 'home-manager-3-link')));
    expect(r.log).toContain('Starting Home Manager activation');
    // run as the manual says (no profile switch first), the old-style activation recorded generation 3
    // as a new generation 5 and cleaned up against generation 4; the app then made 3 itself current
    expect(r.log).toContain('Creating profile generation 5');
    expect(existsSync(path.join(fix.profileDir, 'home-manager-5-link'))).toBe(false);
    // generation 3 has no bashrc: its activation removed generation 4's link
    expect(existsSync(path.join(fix.home, '.bashrc'))).toBe(false);
  });

  it('switch to generation N, and a failed activation puts the profile back', async () => {
    const r = await job<{ to: number }>(app, 'home.switchGeneration', { generation: 4 });
    expect(r.summary.error).toBeUndefined();
    expect(r.result.to).toBe(4);
    expect(lstatSync(path.join(fix.home, '.bashrc')).isSymbolicLink()).toBe(true);
    // generation 4 has no git config, so its activation removed generation 3's link; a plain file there
    // is now in the way of generation 3
    expect(existsSync(path.join(fix.home, '.config/git/config'))).toBe(false);
    mkdirSync(path.join(fix.home, '.config/git'), { recursive: true });
    writeFileSync(path.join(fix.home, '.config/git/config'), '[user]\n');
    const blocked = await job(app, 'home.switchGeneration', { generation: 3 });
    expect(blocked.summary.status).toBe('failed');
    expect(blocked.summary.error?.message).toMatch(/Generation 3 could not be activated, so generation 4 is current again/);
    expect(blocked.summary.error?.detail).toMatch(/is in the way of/);
    expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-4-link');
    expect((await app.callError('home.switchGeneration', { generation: 0 })).code).toBe('invalid-params');
    expect((await job(app, 'home.switchGeneration', { generation: 42 })).summary.error?.code).toBe('not-found');
  });

  it('removes old generations but never the current one', async () => {
    const r = await app.call('home.removeGenerations', { generations: [1, 4, 77] });
    expect(r.removed).toEqual([1]);
    expect(r.refused.map((x) => x.generation)).toEqual([4, 77]);
    expect(existsSync(path.join(fix.profileDir, 'home-manager-1-link'))).toBe(false);
    expect(standin(fix, ['generations']).stdout).not.toMatch(/: id 1 ->/);
  });

  it('news: unread items from `home-manager news`, without marking them read unless asked', async () => {
    writeFileSync(fix.host.homeManagerConfig, homeNix({ home: fix.home, packages: ['hello'], zsh: true, git: { name: 'A', email: 'a@b' } }));
    const first = await app.call('home.news', {});
    expect(first.unread).toBe(3);
    expect(first.items.map((i) => i.time)).toEqual(['2024-01-01 10:00:00', '2022-09-05 11:05:25', '2017-09-10 22:15:19']);
    expect(first.items[0]!.message).toBe('The option \'programs.git.signing.key\' now accepts "null" to let\nGnuPG pick the key, e.g. ${config.home.username}\'s default.');
    expect(first.items[1]!.message).toBe("A new module is available: 'editorconfig'.");
    const readIds = path.join(fix.home, '.local/share/home-manager/news-read-ids');
    expect(readFileSync(readIds, 'utf8')).toBe('');
    const again = await app.call('home.news', { markRead: true });
    expect(again.unread).toBe(0);
    // home-manager's own state: every news id (sha256 of the message), sorted, one per line
    const ids = readFileSync(readIds, 'utf8').trim().split('\n');
    expect(ids).toEqual([...ids].sort());
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    expect(again.items).toHaveLength(3);
    const after = await app.call('home.news', {});
    expect(after.unread).toBe(0);
    expect(after.items).toHaveLength(3);
  });
});

describe('home-manager 25.11: switch --rollback, and a generation recorded before its activation failed', () => {
  it('rolls back through the CLI; a refused switch leaves the profile at the new generation, said and shown so', async () => {
    const { fix, restore } = withEnv('25.11');
    try {
      makeGeneration(fix, { packages: ['hello'] });
      makeGeneration(fix, { packages: ['hello', 'jq'] });
      const gen1 = readlinkSync(path.join(fix.profileDir, 'home-manager-1-link'));
      expect(readFileSync(path.join(gen1, 'gen-version'), 'utf8').trim()).toBe('1');
      const app = await testApp({ ...fix.host, commands: { ...fix.host.commands, 'home-manager': standinPath } });
      const r = await job<{ method: string; from: number; to: number }>(app, 'home.rollback', {});
      expect(r.summary.error).toBeUndefined();
      expect(r.result).toMatchObject({ method: 'home-manager switch --rollback', from: 2, to: 1 });
      expect(r.log).toContain('$ home-manager switch --rollback');
      expect(existsSync(path.join(fix.profileDir, 'home-manager-3-link'))).toBe(false);
      expect((await app.call('home.status', {})).version).toBe('25.11');

      // a file in the way: 25.11 records the new generation (nix-env --set) before activate refuses it
      writeFileSync(fix.host.homeManagerConfig, homeNix({ home: fix.home, packages: ['hello'], bash: true }));
      writeFileSync(path.join(fix.home, '.bashrc'), 'x\n');
      const s = await job<SwitchResult>(app, 'home.switch', {});
      expect(s.log).toContain(`Existing file '${path.join(fix.home, '.bashrc')}' would be clobbered`);
      expect(s.result.clobbered.map((c) => c.path)).toEqual([path.join(fix.home, '.bashrc')]);
      expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-3-link');
      expect(readFileSync(path.join(fix.home, '.bashrc'), 'utf8')).toBe('x\n');
      expect(s.result).toMatchObject({ ok: false, generation: 3, previousGeneration: 1, notActivated: { recorded: 3, filesOf: 1 } });
      expect(s.result.message).toContain('The profile records generation 3, but your files are still generation 1’s');
      expect(s.result.message).toContain('Retry with a backup, or roll back.');
      const listed = await app.call('home.generations', {});
      expect(listed.activationGap).toEqual({ recorded: 3, filesOf: 1 });
      expect(listed.generations.map((g) => [g.generation, g.current, g.notActivated, g.filesInPlace, g.genVersion])).toEqual(
        expect.arrayContaining([[3, true, true, false, 1], [1, false, false, true, 1], [2, false, false, false, 1]]),
      );
      // the stand-in printed it the same way: its profile's current generation is 3
      expect(standin(fix, ['generations']).stdout).toMatch(/: id 3 -> .* \(current\)/);

      // retrying with a backup activates the recorded generation: profile and files agree again
      const retried = await job<SwitchResult>(app, 'home.switch', { backupExtension: 'backup' });
      expect(retried.result).toMatchObject({ ok: true, generation: 3, notActivated: null });
      expect(readFileSync(path.join(fix.home, '.bashrc.backup'), 'utf8')).toBe('x\n');
      const after = await app.call('home.generations', {});
      expect(after.activationGap).toBeNull();
      expect(after.generations.find((g) => g.generation === 3)).toMatchObject({ current: true, notActivated: false, filesInPlace: true });
    } finally {
      restore();
    }
  });

  it('switching to a gen-version generation sets the profile first and runs activate --driver-version 1', async () => {
    const { fix, restore } = withEnv('25.11');
    try {
      makeGeneration(fix, { packages: ['hello'] });
      makeGeneration(fix, { packages: ['hello', 'jq'] });
      const app = await testApp({ ...fix.host, commands: { ...fix.host.commands, 'home-manager': path.join(fix.root, 'bin/no-home-manager') } });
      const r = await job<{ method: string; to: number }>(app, 'home.switchGeneration', { generation: 1 });
      expect(r.summary.error).toBeUndefined();
      expect(r.result).toMatchObject({ method: 'profile and activate', to: 1 });
      expect(r.log.some((l) => /\/activate --driver-version 1$/.test(l))).toBe(true);
      // no duplicate generation: the driver-version 1 activation leaves the profile alone
      expect(r.log).not.toContain('Creating new profile generation');
      expect(existsSync(path.join(fix.profileDir, 'home-manager-3-link'))).toBe(false);
      expect(readlinkSync(path.join(fix.profileDir, 'home-manager'))).toBe('home-manager-1-link');
      expect((await app.call('home.generations', {})).activationGap).toBeNull();
    } finally {
      restore();
    }
  });
});

describe('home-manager in a German session (LANG=de_DE.UTF-8)', () => {
  it('prints German, and the app still reads its news count and activation', async () => {
    const { fix, restore } = withEnv('24.11');
    const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_MESSAGES: process.env.LC_MESSAGES, LANGUAGE: process.env.LANGUAGE };
    try {
      makeGeneration(fix, { packages: ['hello'] });
      Object.assign(process.env, { LANG: 'de_DE.UTF-8' });
      for (const k of ['LC_ALL', 'LC_MESSAGES', 'LANGUAGE'] as const) delete process.env[k];
      // the command itself speaks German here, as the real one does with its translations
      writeFileSync(fix.host.homeManagerConfig, homeNix({ home: fix.home, packages: ['hello', 'jq'] }));
      const plain = standin(fix, ['switch'], { LANG: 'de_DE.UTF-8' });
      expect(plain.stdout).toContain('Starte Home-Manager-Aktivierung');
      expect(plain.stderr).toContain('Es gibt eine ungelesene und relevante Nachricht.');

      const app = await testApp({ ...fix.host, commands: { ...fix.host.commands, 'home-manager': standinPath } });
      writeFileSync(fix.host.homeManagerConfig, homeNix({ home: fix.home, packages: ['hello', 'jq', 'ripgrep'] }));
      const r = await job<SwitchResult>(app, 'home.switch', {});
      expect(r.result).toMatchObject({ ok: true, generation: 3, unreadNews: 1 });
      expect(r.log).toContain('Starting Home Manager activation');
      expect(r.summary.phase).toBe('Activating: linking files into your home');
      const news = await app.call('home.news', {});
      expect(news.unread).toBe(1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      restore();
    }
  });
});

describe('home.expireGenerations: home-manager expire-generations, and what nix-collect-garbage -d would add', () => {
  it('picks what `home-manager expire-generations "-D days"` removes, removes it, and lists every profile’s other old generations', async () => {
    const { fix, restore } = withEnv('24.11');
    try {
      for (const pkgs of [['hello'], ['hello', 'jq'], ['jq'], ['hello', 'ripgrep'], ['ripgrep']]) makeGeneration(fix, { packages: pkgs });
      // generation 5 is newest; the current one is made old too: expire keeps it anyway
      execFileSync('nix-env', ['--profile', path.join(fix.profileDir, 'home-manager'), '--switch-generation', '2']);
      const day = 24 * 60 * 60 * 1000;
      for (const [n, age] of [[1, 40], [2, 35], [3, 20], [4, 12], [5, 1]] as const) {
        const t = new Date(Date.now() - age * day);
        await lutimes(path.join(fix.profileDir, `home-manager-${n}-link`), t, t);
      }
      const app = await testApp({ ...fix.host, commands: { ...fix.host.commands, 'home-manager': standinPath } });
      const preview = await app.call('home.expireGenerations', { olderThanDays: 15, dryRun: true });
      expect(preview).toMatchObject({ dryRun: true, generations: [1, 3], keptCurrent: 2, remaining: 3 });
      expect(readdirSync(fix.profileDir).filter((n) => /^home-manager-\d+-link$/.test(n))).toHaveLength(5);

      // the real rule, run by the command on a copy of the profile folder
      const copy = path.join(fix.root, 'copy-state');
      mkdirSync(path.join(copy, 'nix'), { recursive: true });
      execFileSync('cp', ['-a', fix.profileDir, path.join(copy, 'nix/profiles')]);
      const expired = standin(fix, ['expire-generations', '-15 days'], { XDG_STATE_HOME: copy });
      expect(expired.status).toBe(0);
      const removedByCommand = [...expired.stdout.matchAll(/^Removing generation (\d+)$/gm)].map((m) => Number(m[1])).sort();
      expect(removedByCommand).toEqual(preview.generations);
      expect(expired.stderr).toContain('Cannot remove the current generation 2');

      // nix-collect-garbage -d would also take home-manager 4 and 5, and the old generations of the user profile
      const profileGens = readdirSync(fix.profileDir).filter((n) => /^profile-\d+-link$/.test(n)).length;
      expect(preview.beyond).toEqual([
        { profile: path.join(fix.profileDir, 'home-manager'), current: 2, generations: [4, 5] },
        { profile: path.join(fix.profileDir, 'profile'), current: profileGens, generations: Array.from({ length: profileGens - 1 }, (_, i) => i + 1) },
      ]);

      const done = await app.call('home.expireGenerations', { olderThanDays: 15, dryRun: false });
      expect(done.generations).toEqual([1, 3]);
      expect(readdirSync(fix.profileDir).filter((n) => /^home-manager-\d+-link$/.test(n)).sort()).toEqual(['home-manager-2-link', 'home-manager-4-link', 'home-manager-5-link']);
      expect((await app.callError('home.expireGenerations', { olderThanDays: 0, dryRun: true })).code).toBe('invalid-params');
    } finally {
      restore();
    }
  });
});

describe('a standalone Home Manager flake (~/.config/home-manager/flake.nix)', () => {
  it('is used by home-manager by itself: status names the attribute, switch and generations work', async () => {
    const { fix, restore } = withEnv('25.11', { flakes: true, rootChannel: null });
    try {
      const attribute = `alice@${os.hostname()}`;
      const { dir } = makeHomeFlake(fix, { attribute, config: { packages: ['hello'] } });
      // no home-manager channel and no <nixpkgs> at all: only the flake can build this
      const app = await testApp({ ...fix.host, commands: { ...fix.host.commands, 'home-manager': standinPath } });
      const first = await job<SwitchResult>(app, 'home.switch', {});
      expect(first.summary.error).toBeUndefined();
      expect(first.result).toMatchObject({ ok: true, generation: 1, previousGeneration: null });
      expect(first.log).toContain('$ home-manager switch');
      expect(existsSync(path.join(dir, 'flake.lock'))).toBe(true);
      const status = await app.call('home.status', {});
      expect(status.flake).toEqual({ path: path.join(dir, 'flake.nix'), attribute, attributes: [attribute] });
      expect(status.system).toMatchObject({ source: 'home-flake', release: '25.11', certain: false });
      expect(status.recommended).toBeNull();
      expect(status.version).toBe('25.11');

      writeFileSync(path.join(dir, 'home.nix'), homeNix({ home: fix.home, packages: ['hello', 'jq'] }));
      const second = await job<SwitchResult>(app, 'home.switch', {});
      expect(second.result).toMatchObject({ ok: true, generation: 2, previousGeneration: 1 });
      expect(readFileSync(path.join(fix.home, '.nix-profile/bin/jq'), 'utf8')).toContain('jq');
      const { generations } = await app.call('home.generations', {});
      expect(generations.map((g) => [g.generation, g.current, g.genVersion, g.filesInPlace])).toEqual([[2, true, 1, true], [1, false, 1, false]]);
      // a broken flake fails with Nix's words
      writeFileSync(path.join(dir, 'home.nix'), homeNix({ home: fix.home, packages: ['hello', 'notInTheFlake'] }));
      const broken = await job<SwitchResult>(app, 'home.switch', {});
      expect(broken.summary.error?.message).toMatch(/undefined variable 'notInTheFlake'.*Generation 2 is still the active one/);
    } finally {
      restore();
    }
  });
});

describe('home.config: read, generate, validate, write', () => {
  let fix: Fix;
  let restore: () => void;
  let app: App;
  beforeAll(async () => {
    ({ fix, restore } = withEnv('24.11'));
    app = await testApp({ ...fix.host });
  });
  afterAll(() => restore?.());

  it('generates a commented home.nix that real Nix parses and the stand-in builds', async () => {
    const gen = await app.call('home.config.generate', {
      username: 'alice',
      homeDirectory: fix.home,
      stateVersion: '24.11',
      packages: ['ripgrep', 'python3Packages.black'],
      git: { enable: true, name: 'Alice Liddell', email: 'alice@example.org' },
      shell: 'bash',
      programs: ['direnv', 'fzf'],
      release: '24.11',
    });
    expect(gen.parseError).toBeNull();
    expect(gen.content).toContain('home.stateVersion = "24.11";');
    expect(gen.content).toMatch(/^\s+# /m);
    expect(gen.options).toContain('programs.git.userName');
    const written = await app.call('home.config.write', { content: gen.content });
    expect(written.backup).toBeNull();
    const read = await app.call('home.config.read', {});
    expect(read).toMatchObject({ exists: true, content: gen.content, sha256: written.sha256, parseError: null });
  });

  it('reports a syntax error with its line and column, and refuses to write it', async () => {
    const bad = '{ pkgs, ... }:\n{\n  home.username = "alice"\n  home.stateVersion = "24.11";\n}\n';
    const v = await app.call('home.config.validate', { content: bad });
    expect(v.ok).toBe(false);
    expect(v.error).toEqual({ message: "syntax error, unexpected '=', expecting ';'", line: 4, column: 21 });
    const err = await app.callError('home.config.write', { content: bad });
    expect(err.code).toBe('nix-error');
    expect(err.message).toMatch(/line 4, column 21/);
  });

  it('writes atomically with a backup, and refuses when the file changed on disk', async () => {
    const read = await app.call('home.config.read', {});
    const next = read.content.replace('ripgrep', 'ripgrep\n    jq');
    const w = await app.call('home.config.write', { content: next, expectedSha256: read.sha256 });
    expect(w.backup).toMatch(/\.nixos-companion-backups\/home\.nix\./);
    expect(readFileSync(w.backup!, 'utf8')).toBe(read.content);
    writeFileSync(fix.host.homeManagerConfig, next + '\n# edited elsewhere\n');
    const conflict = await app.callError('home.config.write', { content: next, expectedSha256: w.sha256 });
    expect(conflict.code).toBe('conflict');
  });

  it('finds the older ~/.config/nixpkgs/home.nix when the new one is missing', async () => {
    const { fix: f2, restore: r2 } = withEnv('24.11');
    try {
      const legacy = path.join(f2.home, '.config/nixpkgs/home.nix');
      mkdirSync(path.dirname(legacy), { recursive: true });
      writeFileSync(legacy, homeNix({ home: f2.home }));
      const a2 = await testApp({ ...f2.host });
      const status = await a2.call('home.status', {});
      expect(status.config).toEqual({ path: legacy, exists: true, legacyLocation: true });
      expect((await a2.call('home.config.read', {})).path).toBe(legacy);
    } finally {
      r2();
    }
  });
});
