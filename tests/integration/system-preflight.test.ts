import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PreflightReport } from '../../shared/contract';
import { parseDryRun } from '../../electron/services/system/preflight';
import { testApp } from '../helpers/app';
import { describeIfAvailable } from '../helpers/skip';
// @ts-expect-error plain ESM fixture script without types
import { makeHost } from '../fixtures/make-host.mjs';
import { addToConfig } from '../fixtures/system-host';
import { describeEachNix } from '../support/nix-each';
import { nixEnvFor } from '../support/nix.mjs';

/**
 * Pre-flight on a fixture host whose /boot is a real, nearly full file system: a 16 MiB ext2 image
 * (1 KiB blocks, nothing reserved) mounted with `mount -o loop`, holding the boot files of the host's
 * generations in systemd-boot's layout (written by make-host and by the toy switch-to-configuration,
 * which follows systemd-boot-builder.py's naming), plus filler. The toy kernels are a few bytes, so
 * every file costs one block: the numbers are small, the arithmetic is the real one.
 */

const canMount = (() => {
  if (process.getuid?.() !== 0) return 'root (mount -o loop)';
  for (const tool of ['mkfs.ext2', 'mount', 'umount']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return tool;
  return null;
})();

let root: string;
let bootDir: string;
let dir: string;
let hostFile: string;
let host: { systemProfile: string; nixosConfigDir: string; currentSystem: string };
let original: string;
let app: Awaited<ReturnType<typeof testApp>>;

const KiB = 1024;
const activationLog = () => (existsSync(path.join(dir, 'activation.log')) ? readFileSync(path.join(dir, 'activation.log'), 'utf8').split('\n').filter(Boolean) : []);
const currentGeneration = () => Number(/-(\d+)-link$/.exec(readlinkSync(host.systemProfile))![1]);
const generations = () => readdirSync(path.dirname(host.systemProfile)).filter((n) => /^system-\d+-link$/.test(n)).length;
const bootFiles = () => readdirSync(path.join(bootDir, 'EFI/nixos')).sort();
const entries = () => readdirSync(path.join(bootDir, 'loader/entries')).sort();
const freeBlocks = () => {
  const s = statfsSync(bootDir);
  return (s.bavail * s.bsize) / KiB;
};

/** Fill the boot file system until exactly `blocks` 1 KiB blocks are free: one big file, then one-block files. */
function fillTo(blocks: number, name: string) {
  const filler = path.join(bootDir, `${name}-filler`);
  mkdirSync(filler, { recursive: true });
  const big = freeBlocks() - blocks - 64;
  if (big > 0) writeFileSync(path.join(filler, 'big'), Buffer.alloc((big - 8) * KiB));
  for (let i = 0; freeBlocks() > blocks; i++) writeFileSync(path.join(filler, `small-${i}`), 'x');
  expect(freeBlocks()).toBe(blocks);
}

async function waitJob(jobId: string) {
  return app.ctx.jobs.wait(jobId);
}

describeIfAvailable(canMount)('pre-flight on a real, nearly full /boot', () => {
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'nc-preflight-'));
    bootDir = path.join(root, 'boot');
    mkdirSync(bootDir);
    const image = path.join(root, 'boot.img');
    execFileSync('truncate', ['-s', '16M', image]);
    execFileSync('mkfs.ext2', ['-q', '-F', '-b', '1024', '-m', '0', '-L', 'BOOT', image]);
    execFileSync('mount', ['-o', 'loop', image, bootDir]);
    // three generations: kernels 6.6.56, 6.6.63, 6.6.64; 2 and 3 with a specialisation; dated two days, a day and an hour ago
    const made = (await makeHost(path.join(root, 'host'), { generations: 3, bootDir })) as { dir: string; hostFile: string; host: typeof host };
    ({ dir, hostFile, host } = made);
    original = readFileSync(path.join(host.nixosConfigDir, 'configuration.nix'), 'utf8');
    process.env.NIXOS_COMPANION_HOST = hostFile;
    app = await testApp(made.host as never);
    await app.call('system.settings.set', { previewBeforeSwitch: false });
  });
  afterAll(async () => {
    delete process.env.NIXOS_COMPANION_HOST;
    await app?.dispose();
    if (bootDir) spawnSync('umount', [bootDir]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('make-host put the generations’ boot files on /boot in systemd-boot’s layout', () => {
    expect(bootFiles()).toHaveLength(6);
    expect(bootFiles().filter((f) => /^[0-9a-z]{32}-linux-6\.6\.(56|63|64)-bzImage\.efi$/.test(f))).toHaveLength(3);
    expect(bootFiles().filter((f) => /^[0-9a-z]{32}-initrd-linux-6\.6\.(56|63|64)-initrd\.efi$/.test(f))).toHaveLength(3);
    expect(entries()).toEqual([
      'nixos-generation-1.conf',
      'nixos-generation-2-specialisation-on-the-go.conf',
      'nixos-generation-2.conf',
      'nixos-generation-3-specialisation-on-the-go.conf',
      'nixos-generation-3.conf',
    ]);
    expect(readFileSync(path.join(bootDir, 'loader/loader.conf'), 'utf8')).toContain('default nixos-generation-3.conf');
  });

  it('cleanup: says what removing the old boot entries frees, with the boot menu rebuild as the fix', async () => {
    const report = (await app.call('system.preflight', { kind: 'cleanup', rule: { olderThanDays: 1 } }))!;
    expect(report.ok).toBe(true);
    expect(report.fix).toMatchObject({ rule: { olderThanDays: 1 }, generations: [1], bootEntries: 1, rebuildBootMenu: true, enough: true, expectedCurrent: 3 });
    // generation 1's kernel, initrd and entry: three blocks
    expect(report.fix!.bootFreesBytes).toBe(3 * KiB);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'boot-menu', blocking: false, text: expect.stringContaining(`Removing 1 old boot entry frees 3.1 kB on ${bootDir}.`) }),
    ]);
    // a rule that deletes nothing has nothing to say
    const none = (await app.call('system.preflight', { kind: 'cleanup', rule: { olderThanDays: 30 } }))!;
    expect(none).toMatchObject({ ok: true, problems: [], fix: null });
  });

  it('refuses to start a switch whose new kernel does not fit, in words, before anything is built or activated', async () => {
    fillTo(3, 'switch');
    const before = { log: activationLog(), files: bootFiles(), entries: entries(), generations: generations() };
    // a new kernel (6.12) and a comment unique to this run: a toplevel that does not exist yet
    writeFileSync(path.join(host.nixosConfigDir, 'configuration.nix'), addToConfig(original, '  boot.kernelPackages = pkgs.linuxPackages_latest;'));
    const { jobId } = await app.call('system.rebuild', { action: 'switch' });
    const done = await waitJob(jobId);
    expect(done.status).toBe('failed');
    expect(done.phase).toBe('Checking free space');
    expect(done.error?.code).toBe('disk-full');
    // new kernel + initrd (2 blocks), the entries of generation 4 and its specialisation (2), loader.conf.tmp (1)
    // (about, when this machine has not built the 6.12 toy kernel yet: then it counts as big as the biggest on /boot)
    expect(done.error?.message).toMatch(
      new RegExp(`^Not enough space on ${bootDir} for the new kernel\\. ${bootDir} has 3\\.1 kB free; the new kernel needs (about )?5\\.1 kB\\. Removing 1 old boot entry frees 3\\.1 kB\\.$`),
    );
    // nothing built, nothing activated, /boot untouched
    expect(activationLog()).toEqual(before.log);
    expect(currentGeneration()).toBe(3);
    expect(generations()).toBe(before.generations);
    expect(bootFiles()).toEqual(before.files);
    expect(entries()).toEqual(before.entries);
    // the new system is still to be built
    const dry = parseDryRun(spawnSync(path.join(dir, 'bin/nixos-rebuild'), ['dry-build'], { encoding: 'utf8' }).stderr.split('\n'));
    expect(dry.builds.some((d) => /-nixos-system-nixbox-24\.11[^/]*\.drv$/.test(d))).toBe(true);

    const report = (await app.call('system.preflight', { kind: 'job', jobId })) as PreflightReport;
    expect(report.ok).toBe(false);
    expect(report.boot).toMatchObject({ dir: bootDir, layout: 'systemd-boot', freeBytes: 3 * KiB, neededBytes: 5 * KiB, freedFirstBytes: 0 });
    expect(report.boot!.newFiles.map((f) => f.name).sort()).toEqual([expect.stringMatching(/^[0-9a-z]{32}-initrd-linux-6\.12\.\d+-initrd\.efi$/), expect.stringMatching(/^[0-9a-z]{32}-linux-6\.12\.\d+-bzImage\.efi$/)]);
    expect(report.store).toMatchObject({ dir: '/nix/store', fetches: 0 });
    expect(report.store!.builds).toBeGreaterThanOrEqual(2);
    expect(report.fix).toEqual({
      label: 'Delete generations older than 1 day, then rebuild the boot menu',
      rule: { olderThanDays: 1 },
      generations: [1],
      bootEntries: 1,
      bootFreesBytes: 3 * KiB,
      storeFreesBytes: null,
      collectGarbage: false,
      rebuildBootMenu: true,
      enough: true,
      expectedCurrent: 3,
    });

    // the fix: the cleanup, then switch-to-configuration boot of the boot default
    const fix = await app.call('system.preflight.fix', { rule: report.fix!.rule, collectGarbage: false, rebuildBootMenu: true, expectedCurrent: 3 });
    const fixed = await waitJob(fix.jobId);
    expect(fixed.error).toBeUndefined();
    expect(fixed.result).toEqual({ deleted: [1], bootMenuRebuilt: true, bootFreedBytes: 3 * KiB, storeFreedBytes: null });
    expect(activationLog().slice(before.log.length)).toEqual([`boot ${realpathSync(host.systemProfile)}`]);
    expect(generations()).toBe(2);
    expect(bootFiles().some((f) => f.includes('linux-6.6.56'))).toBe(false);
    expect(entries()).not.toContain('nixos-generation-1.conf');
    expect(readlinkSync(host.currentSystem)).toBe(realpathSync(host.systemProfile));

    // now it fits, and the switch goes through
    const again = await app.call('system.rebuild', { action: 'switch' });
    const switched = await waitJob(again.jobId);
    expect(switched.error).toBeUndefined();
    expect(switched.result).toMatchObject({ activated: true, generation: 4 });
    expect(bootFiles().filter((f) => f.includes('linux-6.12'))).toHaveLength(2);
    expect(entries()).toContain('nixos-generation-4.conf');
    expect(readFileSync(path.join(bootDir, 'loader/loader.conf'), 'utf8')).toContain('default nixos-generation-4.conf');
    expect((await app.call('system.preflight', { kind: 'job', jobId: again.jobId }))!.ok).toBe(true);
  });

  it('rollback: refused when the target’s kernel is not on /boot and cannot fit; goes through once it fits', async () => {
    // generation 3's kernel and initrd gone from /boot (as a configurationLimit prunes them), and no room to copy them back
    const gen3Files = bootFiles().filter((f) => f.includes('linux-6.6.64'));
    expect(gen3Files).toHaveLength(2);
    for (const f of gen3Files) unlinkSync(path.join(bootDir, 'EFI/nixos', f));
    fillTo(1, 'rollback');
    const report = (await app.call('system.preflight', { kind: 'activate', generation: 3 }))!;
    expect(report.ok).toBe(false);
    expect(report.boot).toMatchObject({ freeBytes: KiB, neededBytes: 3 * KiB });
    expect(report.boot!.newFiles.map((f) => f.name).sort()).toEqual(gen3Files.sort());
    // generation 2 is the only one a cleanup can delete (3 is booted, 4 the boot default): all but the newest 2
    expect(report.fix).toMatchObject({ label: 'Delete all but the newest 2 generations, then rebuild the boot menu', generations: [2], bootEntries: 2, bootFreesBytes: 4 * KiB, enough: true });
    expect(report.problems).toEqual([
      {
        kind: 'boot-space',
        blocking: true,
        title: `Not enough space on ${bootDir} for the kernel of generation 3`,
        text: `${bootDir} has 1 kB free; the kernel of generation 3 needs 3.1 kB. Removing 2 old boot entries frees 4.1 kB.`,
      },
    ]);

    const log = activationLog();
    const refused = await app.callError('system.rollback', { target: 3, expectedCurrent: 4 });
    expect(refused.code).toBe('disk-full');
    expect(refused.message).toContain(`${bootDir} has 1 kB free; the kernel of generation 3 needs 3.1 kB.`);
    expect(activationLog()).toEqual(log);
    expect(currentGeneration()).toBe(4);

    // switching to generation 4 (its files are there) needs no more than the menu rewrite
    expect((await app.call('system.preflight', { kind: 'activate', generation: 4 }))!).toMatchObject({ ok: true, problems: [], fix: null });

    rmSync(path.join(bootDir, 'rollback-filler'), { recursive: true });
    expect((await app.call('system.preflight', { kind: 'activate', generation: 3 }))!.ok).toBe(true);
    const { jobId } = await app.call('system.rollback', { target: 3, expectedCurrent: 4 });
    const done = await waitJob(jobId);
    expect(done.error).toBeUndefined();
    expect(currentGeneration()).toBe(3);
    expect(bootFiles()).toEqual(expect.arrayContaining(gen3Files));
  });

  it('the fix is refused when the boot default moved since it was worked out', async () => {
    const { jobId } = await app.call('system.preflight.fix', { rule: { olderThanDays: 1 }, collectGarbage: false, rebuildBootMenu: true, expectedCurrent: 4 });
    const done = await waitJob(jobId);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'conflict', message: 'The system changed since you looked: generation 3 is now current. Look again.' });
    expect(generations()).toBe(3);
  });
});

describeEachNix('the dry-run parser on live Nix output', (variant) => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'nc-dryrun-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reads what a build would build and fetch from a binary cache', () => {
    const salt = `${variant.name.replace(/\W/g, '')}${Date.now().toString(36)}`;
    const expr = path.join(work, 'drv.nix');
    writeFileSync(
      expr,
      `{ salt, n }: let
  mk = name: extra: derivation ({ inherit name; system = builtins.currentSystem; builder = "/bin/sh"; PATH = "/usr/bin:/bin";
    args = [ "-c" "echo \${name} > $out; head -c 2000000 /dev/zero >> $out" ]; } // extra);
  deps = builtins.genList (i: mk "preflight-dep\${toString i}-\${salt}" { }) n;
in mk "preflight-top-\${salt}" { inherit deps; }
`,
    );
    const nix = (cmd: string, args: string[]) => execFileSync(path.join(variant.bin, cmd), args, { env: nixEnvFor(variant.bin), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // build the two dependencies, put them in a file:// binary cache, and take them out of the store
    const drvs = nix('nix-instantiate', [expr, '--argstr', 'salt', salt, '--arg', 'n', '2', '-A', 'deps']).trim().split('\n');
    const deps = nix('nix-store', ['--realise', ...drvs]).trim().split('\n');
    expect(deps).toHaveLength(2);
    const cache = `file://${path.join(work, `cache-${salt}`)}`;
    nix('nix', ['copy', '--to', cache, ...deps]);
    nix('nix-store', ['--delete', ...deps]);
    const run = (format: string[]) =>
      spawnSync(path.join(variant.bin, 'nix-build'), [expr, '--argstr', 'salt', salt, '--arg', 'n', '2', '--dry-run', ...format], {
        env: nixEnvFor(variant.bin, [`substituters = ${cache}`, 'require-sigs = false']),
        encoding: 'utf8',
      });
    for (const format of [[], ['--log-format', 'internal-json']]) {
      const r = run(format);
      expect(r.status).toBe(0);
      const dry = parseDryRun(r.stderr.split('\n'));
      expect(dry.builds).toEqual([expect.stringMatching(new RegExp(`-preflight-top-${salt}\\.drv$`))]);
      expect([...dry.fetches].sort()).toEqual([...deps].sort());
      // 2 MB of zeros each: compressed to almost nothing, unpacked as they are (Nix prints MiB with two decimals)
      expect(Math.abs(dry.unpackedBytes - 2 * 2_000_000)).toBeLessThan(0.01 * 2 ** 20);
      expect(dry.downloadBytes).toBeLessThan(dry.unpackedBytes / 10);
    }
  });
});
