import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sizeInWords } from '../../shared/contract/system-preflight';
import { bootFileName, bootFilesInDrv, fixLabel, parseDryRun, readBootFolder } from '../../electron/services/system/preflight';
import { tempDir } from '../helpers/app';

/**
 * Real output of Nix 2.26.3 (Debian 13's nix-bin) and Nix 2.8.0 (Debian 12's), as `nix-build --dry-run`
 * printed it for a derivation with one build and two dependencies in a local file:// binary cache
 * (compressible contents, so "download" and "unpacked" differ). nixos-rebuild dry-build and
 * `nix build --dry-run` print the same lines (Nix's printMissing). The two versions differ only in the
 * order of the fetched paths and, with --log-format internal-json, in the "parent" field of activities.
 * tests/integration/system-preflight.test.ts parses both versions' output live as well.
 */
const nix226Plain = `this derivation will be built:
  /nix/store/nx5v3z47mpkvi4nkga0ai8j8qhgmwq7y-top-f.drv
these 2 paths will be fetched (0.00 MiB download, 5.72 MiB unpacked):
  /nix/store/jz572dl11gcdg9s3zjb5zyx33ls5dzp8-lib0-2.4
  /nix/store/150bs2wsslwmp9v8daskwf2aizl6paxl-lib1-2.4`;

const nix28Plain = `this derivation will be built:
  /nix/store/nx5v3z47mpkvi4nkga0ai8j8qhgmwq7y-top-f.drv
these 2 paths will be fetched (0.00 MiB download, 5.72 MiB unpacked):
  /nix/store/150bs2wsslwmp9v8daskwf2aizl6paxl-lib1-2.4
  /nix/store/jz572dl11gcdg9s3zjb5zyx33ls5dzp8-lib0-2.4`;

const nix226Json = `@nix {"action":"start","id":111712099368960,"level":6,"parent":0,"text":"querying info about missing paths","type":0}
@nix {"action":"start","fields":["/nix/store/503ilfnjd2dw5ciszxlw4zi7qqrbizwm-top-c","file:///tmp/pfx/cache"],"id":111712099368961,"level":4,"parent":0,"text":"querying info about '/nix/store/503ilfnjd2dw5ciszxlw4zi7qqrbizwm-top-c' on 'file:///tmp/pfx/cache'","type":109}
@nix {"action":"stop","id":111712099368961}
@nix {"action":"stop","id":111712099368960}
@nix {"action":"msg","level":3,"msg":"this derivation will be built:"}
@nix {"action":"msg","level":3,"msg":"  /nix/store/s9wmnaj3474k3zmb3sfq4gqay49cnrzx-top-c.drv"}
@nix {"action":"msg","level":3,"msg":"these 3 paths will be fetched (8.58 MiB download, 8.58 MiB unpacked):"}
@nix {"action":"msg","level":3,"msg":"  /nix/store/n814gh71vjmrf5f49fmfcqnhqdjm2l53-dep0-1.0"}
@nix {"action":"msg","level":3,"msg":"  /nix/store/hhqn8h619nq0jdhqk61nd01v6191j5a6-dep1-1.0"}
@nix {"action":"msg","level":3,"msg":"  /nix/store/vzyh0h5r9vab26pxl3mr2sh6v3sl1cl6-dep2-1.0"}`;

const nix28Json = `@nix {"action":"start","id":111737869172736,"level":6,"text":"querying info about missing paths","type":0}
@nix {"action":"stop","id":111737869172736}
@nix {"action":"msg","level":3,"msg":"this derivation will be built:"}
@nix {"action":"msg","level":3,"msg":"  /nix/store/s9wmnaj3474k3zmb3sfq4gqay49cnrzx-top-c.drv"}
@nix {"action":"msg","level":3,"msg":"these 3 paths will be fetched (8.58 MiB download, 8.58 MiB unpacked):"}
@nix {"action":"msg","level":3,"msg":"  /nix/store/hhqn8h619nq0jdhqk61nd01v6191j5a6-dep1-1.0"}
@nix {"action":"msg","level":3,"msg":"  /nix/store/n814gh71vjmrf5f49fmfcqnhqdjm2l53-dep0-1.0"}
@nix {"action":"msg","level":3,"msg":"  /nix/store/vzyh0h5r9vab26pxl3mr2sh6v3sl1cl6-dep2-1.0"}`;

/** The fixture host's `nixos-rebuild dry-build` after a configuration edit (stderr, both versions alike). */
const nixosRebuildDryBuild = `building the system configuration...
these 4 derivations will be built:
  /nix/store/310hb4zixighy3vq44w9b6f8wm16r930-nixos-configuration-check.drv
  /nix/store/bjzdl6dk2h6clgsgch7napf3vcqb7mf7-nixos-system-links.drv
  /nix/store/yljr3c38gl45pdp8hiqqnd1pimjab5vj-nixos-system-nixbox-on-the-go-24.11.711521.a73246e3eeb8.drv
  /nix/store/37z46rjnxdjzpf9xyrvvzflqiqi131yl-nixos-system-nixbox-24.11.711521.a73246e3eeb8.drv`;

const lines = (t: string) => t.split('\n');
const MiB = 2 ** 20;

describe('parseDryRun on real Nix output', () => {
  it.each([
    ['Nix 2.26, plain', nix226Plain],
    ['Nix 2.8, plain', nix28Plain],
  ])('%s: one build, two fetches with download and unpacked sizes', (_name, text) => {
    const dry = parseDryRun(lines(text));
    expect(dry.builds).toEqual(['/nix/store/nx5v3z47mpkvi4nkga0ai8j8qhgmwq7y-top-f.drv']);
    expect([...dry.fetches].sort()).toEqual(['/nix/store/150bs2wsslwmp9v8daskwf2aizl6paxl-lib1-2.4', '/nix/store/jz572dl11gcdg9s3zjb5zyx33ls5dzp8-lib0-2.4']);
    expect(dry.downloadBytes).toBe(0);
    expect(dry.unpackedBytes).toBe(Math.round(5.72 * MiB));
  });

  it.each([
    ['Nix 2.26, internal-json', nix226Json],
    ['Nix 2.8, internal-json', nix28Json],
  ])('%s: the same lines inside @nix msg entries; activities are ignored', (_name, text) => {
    const dry = parseDryRun(lines(text));
    expect(dry.builds).toEqual(['/nix/store/s9wmnaj3474k3zmb3sfq4gqay49cnrzx-top-c.drv']);
    expect(dry.fetches).toHaveLength(3);
    expect(dry.fetches.every((p) => /^\/nix\/store\/[0-9a-z]{32}-dep\d-1\.0$/.test(p))).toBe(true);
    expect(dry.downloadBytes).toBe(Math.round(8.58 * MiB));
    expect(dry.unpackedBytes).toBe(Math.round(8.58 * MiB));
  });

  it('nixos-rebuild dry-build: its own line before, four builds, nothing fetched', () => {
    const dry = parseDryRun(lines(nixosRebuildDryBuild));
    expect(dry.builds).toHaveLength(4);
    expect(dry.builds.at(-1)).toBe('/nix/store/37z46rjnxdjzpf9xyrvvzflqiqi131yl-nixos-system-nixbox-24.11.711521.a73246e3eeb8.drv');
    expect(dry.fetches).toEqual([]);
    expect(dry.unpackedBytes).toBe(0);
  });

  it('nothing to do prints nothing; a list ends at the first line that is not an indented path', () => {
    expect(parseDryRun([])).toEqual({ builds: [], fetches: [], downloadBytes: 0, unpackedBytes: 0 });
    const dry = parseDryRun(['these 2 derivations will be built:', '  /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a.drv', 'building the system configuration...', '  /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b.drv']);
    expect(dry.builds).toEqual(['/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a.drv']);
  });

  it('older Nix without counts, and sizes in other units', () => {
    const dry = parseDryRun(['these derivations will be built:', '  /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a.drv', 'these paths will be fetched (1.5 GiB download, 2.25 GiB unpacked):', '  /nix/store/cccccccccccccccccccccccccccccccc-c']);
    expect(dry.builds).toHaveLength(1);
    expect(dry.fetches).toHaveLength(1);
    expect(dry.downloadBytes).toBe(Math.round(1.5 * 2 ** 30));
    expect(dry.unpackedBytes).toBe(Math.round(2.25 * 2 ** 30));
  });
});

describe('what NixOS copies to /boot', () => {
  it('names files as systemd-boot-builder.py copy_from_file and install-grub.pl copyToKernelsDir do', () => {
    const kernel = '/nix/store/8sxrii172zf08inx3k46k4rk3nmb2i40-linux-6.6.64/bzImage';
    expect(bootFileName(kernel, '/nix/store', 'systemd-boot')).toBe('8sxrii172zf08inx3k46k4rk3nmb2i40-linux-6.6.64-bzImage.efi');
    expect(bootFileName('/nix/store/1d96i0x32w51a3nh9wvvyy7iszwa8llx-initrd-linux-6.6.64/initrd', '/nix/store', 'systemd-boot')).toBe('1d96i0x32w51a3nh9wvvyy7iszwa8llx-initrd-linux-6.6.64-initrd.efi');
    // a store path that is the file itself: no suffix twice
    expect(bootFileName('/nix/store/qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq-dtb', '/nix/store', 'systemd-boot')).toBe('qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq-dtb.efi');
    expect(bootFileName(kernel, '/nix/store', 'grub')).toBe('8sxrii172zf08inx3k46k4rk3nmb2i40-linux-6.6.64-bzImage');
    expect(bootFileName('/etc/passwd', '/nix/store', 'systemd-boot')).toBeNull();
  });

  it('reads the kernel and initrd from a system derivation as NixOS writes its builder (ln -s <path> $out/kernel)', () => {
    // an ATerm excerpt: strings escape newlines as \n
    const drv =
      'Derive([("out","/nix/store/852r802fcvx5q7l3snfs9c0dhky5dgqa-nixos-system-nixbox-24.11","","")],[],[],"x86_64-linux","/bin/sh",["-c","mkdir -p $out/bin\\ncp -P $links/* $out/\\nln -s /nix/store/rlm9anhpfgl8yxk6padwqzhqycjflb83-linux-6.12.4/bzImage $out/kernel\\nln -s /nix/store/lfs65fl35h1119f4wm1b3flagvd63qra-initrd-linux-6.12.4/initrd $out/initrd\\nln -s ${config.system.modulesTree} $out/kernel-modules"],[])';
    expect(bootFilesInDrv(drv, '/nix/store')).toEqual({
      kernel: '/nix/store/rlm9anhpfgl8yxk6padwqzhqycjflb83-linux-6.12.4/bzImage',
      initrd: '/nix/store/lfs65fl35h1119f4wm1b3flagvd63qra-initrd-linux-6.12.4/initrd',
    });
    expect(bootFilesInDrv('Derive([("out","/nix/store/x-nixos-system-links","","")],[],[],"x86_64-linux","/bin/sh",["-c","ln -s $kernelModules $out/kernel-modules"],[])', '/nix/store')).toBeNull();
  });
});

describe('the boot folder', () => {
  it('tells systemd-boot’s layout from GRUB’s, and a /boot that keeps no kernels', async () => {
    const sd = tempDir('nc-boot-');
    mkdirSync(path.join(sd, 'EFI/nixos'), { recursive: true });
    mkdirSync(path.join(sd, 'loader/entries'), { recursive: true });
    writeFileSync(path.join(sd, 'EFI/nixos/8sxrii172zf08inx3k46k4rk3nmb2i40-linux-6.6.64-bzImage.efi'), Buffer.alloc(5000));
    writeFileSync(path.join(sd, 'loader/entries/nixos-generation-12.conf'), 'title NixOS\n');
    writeFileSync(path.join(sd, 'loader/entries/nixos-generation-12-specialisation-on-the-go.conf'), 'title NixOS (on-the-go)\n');
    // another system profile's entry is not the system profile's
    writeFileSync(path.join(sd, 'loader/entries/nixos-work-generation-3.conf'), 'title NixOS [work]\n');
    writeFileSync(path.join(sd, 'loader/loader.conf'), 'timeout 5\ndefault nixos-generation-12.conf\n');
    const folder = (await readBootFolder(sd))!;
    expect(folder.layout).toBe('systemd-boot');
    expect([...folder.files]).toEqual([['8sxrii172zf08inx3k46k4rk3nmb2i40-linux-6.6.64-bzImage.efi', 5000]]);
    expect(folder.entries.map((e) => [e.file, e.generation]).sort()).toEqual([
      ['nixos-generation-12-specialisation-on-the-go.conf', 12],
      ['nixos-generation-12.conf', 12],
    ]);
    expect(folder.freeBytes).toBeGreaterThan(0);

    const grub = tempDir('nc-boot-');
    mkdirSync(path.join(grub, 'kernels'));
    writeFileSync(path.join(grub, 'kernels/8sxrii172zf08inx3k46k4rk3nmb2i40-linux-6.6.64-bzImage'), 'k');
    expect((await readBootFolder(grub))!).toMatchObject({ layout: 'grub', entries: [] });

    // GRUB reading kernels from the store: nothing is copied to /boot, nothing to check there
    const plain = tempDir('nc-boot-');
    mkdirSync(path.join(plain, 'grub'));
    expect(await readBootFolder(plain)).toBeNull();
    expect(await readBootFolder(path.join(plain, 'missing'))).toBeNull();
  });
});

describe('words', () => {
  it('labels the fix by its rule and steps', () => {
    expect(fixLabel({ olderThanDays: 30 }, false, true)).toBe('Delete generations older than 30 days, then rebuild the boot menu');
    expect(fixLabel({ olderThanDays: 1 }, true, false)).toBe('Delete generations older than 1 day and collect garbage');
    expect(fixLabel({ keepNewest: 5 }, true, true)).toBe('Delete all but the newest 5 generations, collect garbage, then rebuild the boot menu');
    expect(fixLabel({ keepNewest: 1 }, false, false)).toBe('Delete every generation but the boot default');
  });

  it('gives sizes as a file manager does', () => {
    expect(sizeInWords(12_400_000)).toBe('12 MB');
    expect(sizeInWords(38_000_000)).toBe('38 MB');
    expect(sizeInWords(1_450_000_000)).toBe('1.5 GB');
    expect(sizeInWords(3072)).toBe('3.1 kB');
    expect(sizeInWords(512)).toBe('512 bytes');
  });
});
