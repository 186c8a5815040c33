import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSystems } from '../bench/system-closures.mjs';
import { tempDir, testApp } from '../helpers/app';
import { describeEachNix } from '../support/nix-each';

/**
 * Deleting generations and collecting garbage on a real profile and the real store, through the real
 * root helper (run directly: the tests are root). The helper reads the host from NIXOS_COMPANION_HOST,
 * so the app and the helper see the same fixture paths.
 */

let dir: string;
let profile: string;
let toplevels: string[];
let app: Awaited<ReturnType<typeof testApp>>;

const nix = (cmd: string, args: string[]) => execFileSync(cmd, args, { env: process.env, encoding: 'utf8', maxBuffer: 1 << 28 });
const generationNumbers = () =>
  nix('nix-env', ['-p', profile, '--list-generations'])
    .trim()
    .split('\n')
    .map((l) => Number(l.trim().split(/\s+/)[0]));

describeEachNix('system cleanup', () => {
  beforeAll(async () => {
    dir = tempDir('nc-clean-');
    // Its own package universe (host name), so nothing else in the store shares these paths.
    toplevels = buildSystems(path.join(dir, 'build'), { packages: 60, variants: 3, generations: 6, host: `cleanup${process.pid}x${Date.now() % 100000}` });
    mkdirSync(path.join(dir, 'profiles'));
    profile = path.join(dir, 'profiles/system');
    for (const t of toplevels) nix('nix-env', ['-p', profile, '--set', t]);
    // Only the profile keeps these systems alive from now on.
    rmSync(path.join(dir, 'build/roots'));
    symlinkSync(toplevels[4]!, path.join(dir, 'current-system'));
    symlinkSync(toplevels[3]!, path.join(dir, 'booted-system'));
    // Generations 1 and 2 were made ten days ago.
    for (const n of [1, 2]) execFileSync('touch', ['-h', '-d', '10 days ago', `${profile}-${n}-link`]);
    const hostFile = path.join(dir, 'host.json');
    writeFileSync(hostFile, JSON.stringify({ systemProfile: profile, currentSystem: path.join(dir, 'current-system'), bootedSystem: path.join(dir, 'booted-system') }));
    process.env.NIXOS_COMPANION_HOST = hostFile;
    app = await testApp();
  }, 180_000);

  afterAll(async () => {
    delete process.env.NIXOS_COMPANION_HOST;
    await app?.dispose();
  });

  describe('system.deleteGenerations', () => {
    it('previews by age and by count, keeping the current, running and booted generations', async () => {
      const byAge = await app.call('system.deleteGenerations', { olderThanDays: 5, dryRun: true });
      // 2 is the newest generation made before the cutoff: the one in use 5 days ago stays, as with Nix
      expect(byAge).toMatchObject({ dryRun: true, generations: [1], protected: [], remaining: 5, activeAtCutoff: 2 });

      const byCount = await app.call('system.deleteGenerations', { keepNewest: 1, dryRun: true });
      // 6 is the boot default (kept by count anyway), 5 runs, 4 was booted.
      expect(byCount.generations).toEqual([1, 2, 3]);
      expect(byCount.protected).toEqual([
        { generation: 5, reasons: ['running'] },
        { generation: 4, reasons: ['booted'] },
      ]);
      expect(generationNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('"older than D days" picks what nix-env --delete-generations Dd picks, and still keeps running and booted', async () => {
      /** what real Nix would remove: `nix-env --delete-generations <D>d --dry-run` ("would remove profile version N" in 2.8, "generation N" later) */
      const nixWouldRemove = (days: number) =>
        [...execFileSync('bash', ['-c', 'nix-env -p "$1" --delete-generations "$2" --dry-run 2>&1', 'nix-env', profile, `${days}d`], { env: process.env, encoding: 'utf8' }).matchAll(/would remove (?:generation|profile version) (\d+)/g)]
          .map((m) => Number(m[1]))
          .sort((a, b) => a - b);
      const ages: Record<number, string> = { 1: '40 days ago', 2: '20 days ago', 3: '12 days ago', 4: '8 days ago', 5: '3 days ago', 6: '1 hour ago' };
      for (const [n, age] of Object.entries(ages)) execFileSync('touch', ['-h', '-d', age, `${profile}-${n}-link`]);
      try {
        const compare = async (days: number) => {
          const ours = await app.call('system.deleteGenerations', { olderThanDays: days, dryRun: true });
          // Nix itself only spares the current generation; we also keep running (5) and booted (4), and say so
          const chosen = [...ours.generations, ...ours.protected.filter((p) => !p.reasons.includes('current')).map((p) => p.generation)].sort((a, b) => a - b);
          expect(chosen, `${days} days`).toEqual(nixWouldRemove(days));
          return ours;
        };
        expect(await compare(30)).toMatchObject({ generations: [], activeAtCutoff: 1 });
        expect(await compare(15)).toMatchObject({ generations: [1], activeAtCutoff: 2 });
        expect(await compare(10)).toMatchObject({ generations: [1, 2], activeAtCutoff: 3 });
        const week = await compare(5);
        expect(week).toMatchObject({ generations: [1, 2, 3], activeAtCutoff: 4, protected: [] });
        const twoDays = await compare(2);
        expect(twoDays).toMatchObject({ generations: [1, 2, 3], activeAtCutoff: 5, protected: [{ generation: 4, reasons: ['booted'] }] });
        expect(await compare(1000)).toMatchObject({ generations: [], activeAtCutoff: null });
        // after a rollback the boot default is an old generation: Nix skips it, and so do we
        nix('nix-env', ['-p', profile, '--switch-generation', '2']);
        const rolledBack = await compare(10);
        expect(rolledBack.generations).toEqual([1]);
        expect(rolledBack.protected).toEqual([{ generation: 2, reasons: ['current'] }]);
      } finally {
        nix('nix-env', ['-p', profile, '--switch-generation', '6']);
        for (const n of [1, 2]) execFileSync('touch', ['-h', '-d', '10 days ago', `${profile}-${n}-link`]);
        for (const n of [3, 4, 5, 6]) execFileSync('touch', ['-h', `${profile}-${n}-link`]);
      }
      expect(generationNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('refuses to delete the current, running or booted generation, or one that does not exist', async () => {
      for (const [n, word] of [
        [6, 'boot default'],
        [5, 'running'],
        [4, 'booted'],
      ] as const) {
        const error = await app.callError('system.deleteGenerations', { generations: [n], dryRun: false });
        expect(error.code).toBe('refused');
        expect(error.message).toContain(word);
      }
      expect((await app.callError('system.deleteGenerations', { generations: [99] })).code).toBe('not-found');
      expect((await app.callError('system.deleteGenerations', { olderThanDays: 5, keepNewest: 2 })).code).toBe('invalid-params');
      expect((await app.callError('system.deleteGenerations', { generations: [] })).code).toBe('invalid-params');
      expect(generationNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('is re-checked by the root helper itself', async () => {
      for (const generations of [[6], [5], [4], [1, 99]]) {
        await expect(app.ctx.privileged.run('delete-generations', { generations })).rejects.toMatchObject({ code: 'refused' });
      }
      await expect(app.ctx.privileged.run('delete-generations', { generations: [1, 1] })).rejects.toMatchObject({ code: 'refused' });
      await expect(app.ctx.privileged.run('delete-generations', { generations: ['1; rm -rf /'] as never })).rejects.toMatchObject({ code: 'refused' });
      expect(generationNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('deletes for real, and the space it announced is what Nix then finds dead', async () => {
      const preview = await app.call('system.deleteGenerations', { generations: [1, 2], dryRun: true });
      expect(preview.basis).toBe('all-gc-roots');
      const closure = new Set(nix('nix-store', ['-qR', toplevels[0]!, toplevels[1]!]).trim().split('\n'));

      const done = await app.call('system.deleteGenerations', { generations: [1, 2], dryRun: false });
      expect(done.generations).toEqual([1, 2]);
      expect(generationNumbers()).toEqual([3, 4, 5, 6]);
      expect(existsSync(`${profile}-1-link`)).toBe(false);

      // Nix's own view: paths of the deleted closures that are now garbage.
      const dead = nix('nix-store', ['--gc', '--print-dead']).trim().split('\n').filter((p) => closure.has(p));
      const deadSize = dead.length ? nix('nix', ['path-info', '--json', ...dead]) : '[]';
      // Nix 2.8 prints a list, Nix >= 2.19 an object keyed by store path
      const infos = JSON.parse(deadSize) as { narSize: number }[] | Record<string, { narSize: number }>;
      const bytes = (Array.isArray(infos) ? infos : Object.values(infos)).reduce((s, i) => s + i.narSize, 0);
      expect(done.freeablePaths).toBe(dead.length);
      expect(done.freeableBytes).toBe(bytes);
      expect(done.freeablePaths).toBeGreaterThan(0);
    });

    it('collects garbage as a job and reports what it freed', async () => {
      const { jobId } = await app.call('system.gc', {});
      const job = await app.ctx.jobs.wait(jobId);
      expect(job.status, JSON.stringify(job.error)).toBe('done');
      const result = job.result as { pathsDeleted: number; bytesFreed: number };
      expect(result.pathsDeleted).toBeGreaterThan(0);
      expect(existsSync(toplevels[0]!)).toBe(false);
      expect(existsSync(toplevels[1]!)).toBe(false);
      for (const t of toplevels.slice(2)) expect(existsSync(t)).toBe(true);
      expect(app.ctx.jobs.log(jobId, 0, 1000).lines.some((l) => /store paths deleted/.test(l.text))).toBe(true);
    }, 900_000);
  });
});
