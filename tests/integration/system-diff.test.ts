import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClosureDiff } from '../../shared/contract';
import { buildSystems } from '../bench/system-closures.mjs';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
import { tempDir, testApp } from '../helpers/app';
import { describeEachNix } from '../support/nix-each';

/**
 * system.diff against the real `nix store diff-closures` on the same pairs: every name it prints must
 * be in our changes with the same removed and added versions (and the same size line), and no more.
 */

let dir: string;
let profile: string;
let toplevels: string[];
let app: Awaited<ReturnType<typeof testApp>>;

describeEachNix('system.diff', () => {
  beforeAll(async () => {
    dir = tempDir('nc-diff-');
    toplevels = buildSystems(path.join(dir, 'build'), { packages: 400, variants: 3, generations: 4, host: 'difftest' });
    mkdirSync(path.join(dir, 'profiles'));
    profile = path.join(dir, 'profiles/system');
    for (const t of toplevels) execFileSync('nix-env', ['-p', profile, '--set', t], { env: process.env });
    symlinkSync(toplevels[3]!, path.join(dir, 'current-system'));
    app = await testApp({ systemProfile: profile, currentSystem: path.join(dir, 'current-system'), bootedSystem: path.join(dir, 'current-system') });
  }, 180_000);

  afterAll(async () => {
    await app?.dispose();
  });

  interface PeerLine {
    removed: string[];
    added: string[];
    sizeKiB: number | null;
  }

  /** Parse `nix store diff-closures`: "name: A, B → C, +12.3 KiB" (∅ = none, ε = empty version). */
  function diffClosuresPeer(from: string, to: string): Map<string, PeerLine> {
    const out = execFileSync('nix', ['store', 'diff-closures', from, to], { env: process.env, encoding: 'utf8' }).replace(/\x1b\[[0-9;]*m/g, '');
    const lines = new Map<string, PeerLine>();
    for (const line of out.split('\n').filter(Boolean)) {
      const m = /^(.*?): (.*)$/.exec(line)!;
      const items = m[2]!;
      const arrow = items.indexOf(' → ');
      let removed: string[] = [];
      let added: string[] = [];
      let rest = items;
      if (arrow >= 0) {
        const sizeAt = items.search(/, [+-]?[\d.]+ KiB$/);
        const versions = sizeAt >= 0 ? items.slice(0, sizeAt) : items;
        rest = sizeAt >= 0 ? items.slice(sizeAt + 2) : '';
        const [a, b] = versions.split(' → ') as [string, string];
        const parse = (s: string) => (s === '∅' ? [] : s.split(', ').map((v) => (v === 'ε' ? '' : v)));
        removed = parse(a);
        added = parse(b);
      }
      const size = /^([+-]?[\d.]+) KiB$/.exec(rest.trim());
      lines.set(m[1]!, { removed, added, sizeKiB: size ? Number(size[1]) : null });
    }
    return lines;
  }

  function expectAgreement(diff: ClosureDiff, peer: Map<string, PeerLine>) {
    expect(diff.changes.map((c) => c.name).sort()).toEqual([...peer.keys()].sort());
    for (const c of diff.changes) {
      const p = peer.get(c.name)!;
      const removed = c.before.filter((v) => !c.after.includes(v));
      const added = c.after.filter((v) => !c.before.includes(v));
      expect(removed, `${c.name} removed versions`).toEqual(p.removed);
      expect(added, `${c.name} added versions`).toEqual(p.added);
      if (p.sizeKiB === null) expect(Math.abs(c.sizeDelta), `${c.name} size`).toBeLessThan(8192);
      else expect((c.sizeDelta / 1024).toFixed(1), `${c.name} size`).toBe(p.sizeKiB.toFixed(1));
    }
  }

  describe('system.diff', () => {
    it.each([
      [1, 2],
      [2, 3],
      [1, 3],
      [3, 1],
      [4, 2],
    ])('agrees with nix store diff-closures for generations %i -> %i', async (from, to) => {
      const diff = await app.call('system.diff', { from, to });
      const peer = diffClosuresPeer(`${profile}-${from}-link`, `${profile}-${to}-link`);
      expect(peer.size).toBeGreaterThan(5);
      expect([...peer.values()].some((l) => l.sizeKiB !== null), 'some size lines').toBe(true);
      expectAgreement(diff, peer);
      expect(diff.from.generation).toBe(from);
      expect(diff.to.generation).toBe(to);
    });

    it('classifies changes and sums closure sizes like nix path-info', async () => {
      const diff = await app.call('system.diff', { from: 1, to: 2 });
      const kinds = new Set(diff.changes.map((c) => c.kind));
      for (const k of ['added', 'removed', 'upgraded', 'downgraded', 'changed'] as const) expect(kinds.has(k), k).toBe(true);
      expect(diff.changes.find((c) => c.name === 'etc')).toMatchObject({ before: [''], after: [''], kind: 'changed' });
      for (const c of diff.changes) {
        if (c.kind === 'added') expect(c.before).toEqual([]);
        if (c.kind === 'removed') expect(c.after).toEqual([]);
      }
      const closureSize = (p: string) => Number(execFileSync('nix', ['path-info', '-S', p], { env: process.env, encoding: 'utf8' }).trim().split(/\s+/)[1]);
      expect(diff.from.closureSize).toBe(closureSize(toplevels[0]!));
      expect(diff.closureSizeDelta).toBe(closureSize(toplevels[1]!) - closureSize(toplevels[0]!));
      // The kernel moved 6.6.1 -> 6.6.9 and the NixOS version changed: both highlighted.
      expect(diff.highlights.kernel).toEqual({ before: '6.6.1', after: '6.6.9', changed: true });
      expect(diff.highlights.nixosVersion.changed).toBe(true);
      expect(diff.changes.find((c) => c.name === 'linux')?.highlight).toBe('kernel');
      expect(diff.changes.find((c) => c.name === 'nixos-system-difftest')?.highlight).toBe('nixos');
      // Requested = direct references of sw/: some changes are requested, most are dependencies.
      const requested = diff.changes.filter((c) => c.requested);
      expect(requested.length).toBeGreaterThan(0);
      expect(requested.length).toBeLessThan(diff.changes.length);
      // readlink first: nix-store reads "<toplevel>/sw" as the toplevel itself, not the system-path it links to
      const systemPaths = [0, 1].map((i) => execFileSync('readlink', ['-f', `${toplevels[i]}/sw`], { encoding: 'utf8' }).trim());
      const swRefNames = execFileSync('nix-store', ['-q', '--references', ...systemPaths], { env: process.env, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((p) => path.basename(p).slice(33));
      const inSw = (name: string) => swRefNames.some((n) => n === name || (n.startsWith(`${name}-`) && /^\d/.test(n.slice(name.length + 1))));
      for (const c of diff.changes) expect(c.requested, c.name).toBe(inSw(c.name));
    });

    it('reads closures from Nix\'s database when it can, and gives the same answer through nix when it cannot', async () => {
      const viaDb = await testApp({ systemProfile: profile });
      const viaNix = await testApp({ systemProfile: profile, nixDbFile: '' });
      const noSqlite = await testApp({ systemProfile: profile, commands: { ...viaDb.ctx.host.commands, sqlite3: path.join(dir, 'no-such-sqlite3') } });
      const spawned: string[] = [];
      const run = viaDb.ctx.runner.run.bind(viaDb.ctx.runner);
      viaDb.ctx.runner.run = (command, args, opts) => (spawned.push(String(command)), run(command, args, opts));
      try {
        const fromDb = await viaDb.call('system.diff', { from: 1, to: 3 });
        // one read of the database answered both closures and the sw/ references: no nix process
        expect(spawned).toEqual(['sqlite3']);
        expect(await viaNix.call('system.diff', { from: 1, to: 3 })).toEqual(fromDb);
        expect(await noSqlite.call('system.diff', { from: 1, to: 3 })).toEqual(fromDb);
        expectAgreement(fromDb, diffClosuresPeer(toplevels[0]!, toplevels[2]!));
      } finally {
        await Promise.all([viaDb.dispose(), viaNix.dispose(), noSqlite.dispose()]);
      }
    });

    it('takes store paths and /run/current-system, and finds nothing between a system and itself', async () => {
      const byPath = await app.call('system.diff', { from: toplevels[0]!, to: path.join(dir, 'current-system') });
      expectAgreement(byPath, diffClosuresPeer(toplevels[0]!, toplevels[3]!));
      expect(byPath.from.generation).toBe(1);
      const same = await app.call('system.diff', { from: 2, to: toplevels[1]! });
      expect(same.changes).toEqual([]);
      expect(same.closureSizeDelta).toBe(0);
    });

    it('refuses what is not a generation or a store path', async () => {
      expect((await app.callError('system.diff', { from: 99, to: 1 })).code).toBe('not-found');
      expect((await app.callError('system.diff', { from: '/etc/passwd', to: 1 })).code).toBe('invalid-params');
      expect((await app.callError('system.diff', { from: `${toplevels[0]}/sw`, to: 1 })).code).toBe('invalid-params');
      expect((await app.callError('system.diff', { from: 'relative', to: 1 })).code).toBe('invalid-params');
      expect((await app.callError('system.diff', { from: -1, to: 1 })).code).toBe('invalid-params');
      expect((await app.callError('system.diff', { from: 1, to: 2, extra: true })).code).toBe('invalid-params');
    });
  });

  describe('system.diff on the fixture NixOS host', () => {
    it('agrees with nix store diff-closures across releases, kernels and package changes', async () => {
      const made = (await makeHost(path.join(tempDir('nc-diff-host-'), 'host'), { generations: 6 })) as { host: Record<string, string> };
      const hostApp = await testApp(made.host);
      try {
        for (const [from, to] of [
          [1, 6],
          [5, 6],
          [6, 2],
        ] as const) {
          const diff = await hostApp.call('system.diff', { from, to });
          const sides = [from, to].map((n) => `${made.host.systemProfile}-${n}-link`);
          const peer = diffClosuresPeer(sides[0]!, sides[1]!);
          // nix lists a specialisation's toplevel (nixos-system-<host>-<tag>) as if it were a package; system.diff does not
          const specialisations = sides.flatMap((side) => readdirSync(path.join(side, 'specialisation')).map((name) => path.basename(realpathSync(path.join(side, 'specialisation', name))).slice(33).replace(/-\d.*$/, '')));
          for (const name of specialisations) peer.delete(name);
          expectAgreement(diff, peer);
        }
        const across = await hostApp.call('system.diff', { from: 1, to: 6 });
        expect(across.highlights.kernel.changed).toBe(true);
        expect(across.highlights.nixosVersion.changed).toBe(true);
        expect(across.changes.find((c) => c.name === 'htop')?.kind).toBe('downgraded');
        expect(across.changes.filter((c) => c.requested).map((c) => c.name)).toEqual(expect.arrayContaining(['htop']));
      } finally {
        await hostApp.dispose();
      }
    }, 300_000);
  });
});
