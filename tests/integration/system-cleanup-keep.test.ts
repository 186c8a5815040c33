import { execFileSync } from 'node:child_process';
import { mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir, testApp } from '../helpers/app';
import { describeEachNix } from '../support/nix-each';

/**
 * "Keep the newest N" must pick what `nix-env --delete-generations +N` picks (Nix's
 * deleteGenerationsGreaterThan, src/libstore/profiles.cc): counted from the current generation, with
 * every generation newer than the current one kept. Checked against the real nix-env --dry-run of each
 * Nix version, on a real profile whose current generation is not the newest (after a rollback).
 */
describeEachNix('cleanup "keep N" as nix-env --delete-generations +N', () => {
  let dir: string;
  let profile: string;
  let app: Awaited<ReturnType<typeof testApp>>;
  const nix = (cmd: string, args: string[]) => execFileSync(cmd, args, { env: process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(async () => {
    dir = tempDir('nc-keep-');
    const expr = path.join(dir, 'systems.nix');
    // seven tiny systems, unique to this run
    writeFileSync(
      expr,
      `builtins.genList (i: derivation { name = "nixos-system-keep-\${toString i}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${toString i} > $out" ]; nonce = "${process.pid}-${Date.now()}"; }) 7\n`,
    );
    const outs = nix('nix-build', [expr, '--no-out-link']).trim().split('\n');
    mkdirSync(path.join(dir, 'profiles'));
    profile = path.join(dir, 'profiles/system');
    for (const out of outs) nix('nix-env', ['-p', profile, '--set', out]);
    // roll back to generation 4 of 7: 5, 6 and 7 are newer than the current one
    nix('nix-env', ['-p', profile, '--switch-generation', '4']);
    const current = readlinkSync(path.join(dir, 'profiles', readlinkSync(profile)));
    symlinkSync(current, path.join(dir, 'current-system'));
    symlinkSync(current, path.join(dir, 'booted-system'));
    const hostFile = path.join(dir, 'host.json');
    writeFileSync(hostFile, JSON.stringify({ systemProfile: profile, currentSystem: path.join(dir, 'current-system'), bootedSystem: path.join(dir, 'booted-system') }));
    process.env.NIXOS_COMPANION_HOST = hostFile;
    app = await testApp();
  }, 180_000);

  afterAll(async () => {
    delete process.env.NIXOS_COMPANION_HOST;
    await app?.dispose();
  });

  /** What nix-env itself would remove: "would remove generation N" (2.8) / "would remove profile version N" (2.26). */
  const nixWouldRemove = (keep: number) => {
    const out = execFileSync('sh', ['-c', `nix-env -p "$1" --delete-generations "+$2" --dry-run 2>&1`, 'sh', profile, String(keep)], { env: process.env, encoding: 'utf8' });
    return [...out.matchAll(/would remove (?:generation|profile version) (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  };

  for (const keep of [1, 2, 3, 5]) {
    it(`keep ${keep}: the same generations as nix-env --delete-generations +${keep}`, async () => {
      const expected = nixWouldRemove(keep);
      const preview = await app.call('system.deleteGenerations', { keepNewest: keep, dryRun: true });
      expect(preview.generations).toEqual(expected);
      // never one newer than the current generation, never the current one
      expect(preview.generations.every((g) => g < 4)).toBe(true);
    });
  }

  it('keep 2 removes 1 and 2 only: 3 and 4 stay as the two newest up to the current one, 5 to 7 because they are newer', async () => {
    const preview = await app.call('system.deleteGenerations', { keepNewest: 2, dryRun: true });
    expect(preview.generations).toEqual([1, 2]);
    expect(nixWouldRemove(2)).toEqual([1, 2]);
  });
});
