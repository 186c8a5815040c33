import { mkdtemp, readdir, readFile, realpath, rm, stat, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  MANY_GENERATIONS,
  sizeInWords,
  type BootSpace,
  type CleanupRule,
  type PreflightFix,
  type PreflightFixParams,
  type PreflightFixResult,
  type PreflightProblem,
  type PreflightReport,
  type StoreSpace,
} from '../../../shared/contract/system-preflight';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { profileMovedMessage } from '../../../shared/rollback';
import { collectGarbage, deleteGenerations, generationsToDelete } from './cleanup';
import { closureSizes } from './closure';
import { specialisationPaths } from './generations-running';
import { currentGeneration, listProfileLinks, resolveStorePath, type ProfileLink } from './profile';
import { parseDrvName, storePathName } from './store-names';

/**
 * Pre-flight before a switch, boot, rollback or cleanup: /boot filling up until a switch fails half-way
 * (nixpkgs issues 23926, 26333) is refused before anything starts, with one fix.
 *
 * What NixOS copies to /boot follows nixpkgs' boot loader builders:
 * - systemd-boot (nixos/modules/system/boot/loader/systemd-boot/systemd-boot-builder.py): copy_from_file
 *   copies each generation's bootspec kernel and initrd (and those of its specialisations) to
 *   `<boot>/EFI/nixos/<store dir>-<file name>.efi` (`<file name>.efi` when the store path is the file),
 *   only when that file is not there yet; one `loader/entries/nixos-generation-N[-specialisation-S].conf`
 *   per generation and specialisation; loader.conf through a .tmp file. remove_old_entries runs first:
 *   entries of generations that are gone, and files of EFI/nixos that no kept generation's kernel or
 *   initrd is, are deleted before anything is copied.
 * - GRUB with copyKernels (nixos/modules/system/boot/loader/grub/install-grub.pl): copyToKernelsDir copies
 *   to `<boot>/kernels/<store path below the store, "/" as "-">` when missing, and removes the obsolete
 *   ones only after writing grub.cfg (through grub.cfg.tmp).
 * Neither folder there: the kernels stay in the store, nothing is copied to /boot.
 */

type Layout = BootSpace['layout'];

// ---- the dry run ------------------------------------------------------------------------------------

export interface DryRun {
  /** .drv paths of "these N derivations will be built" */
  builds: string[];
  /** store paths of "these N paths will be fetched (…)" */
  fetches: string[];
  downloadBytes: number;
  unpackedBytes: number;
}

const SIZE_SCALE: Record<string, number> = { B: 1, bytes: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };
const toBytes = (n: string, unit: string) => Math.round(Number(n) * (SIZE_SCALE[unit] ?? 2 ** 20));

/**
 * What `nix-build --dry-run` / `nixos-rebuild dry-build` / `nix build --dry-run` print (Nix's printMissing,
 * the same text in Nix 2.8 and 2.26; plain or as `@nix {"action":"msg",…}` lines with --log-format
 * internal-json): "these 3 derivations will be built:" / "this derivation will be built:", then the .drv
 * paths indented by two spaces; "these 2 paths will be fetched (5.72 MiB download, 8.58 MiB unpacked):" /
 * "this path will be fetched (…):", then the paths. Older Nix said "these derivations" without a count.
 */
export function parseDryRun(lines: Iterable<string>): DryRun {
  const out: DryRun = { builds: [], fetches: [], downloadBytes: 0, unpackedBytes: 0 };
  let section: 'builds' | 'fetches' | null = null;
  for (let line of lines) {
    if (line.startsWith('@nix ')) {
      try {
        const msg = JSON.parse(line.slice(5)) as { action?: string; msg?: string };
        if (msg.action !== 'msg' || typeof msg.msg !== 'string') continue;
        line = msg.msg;
      } catch {
        continue;
      }
    }
    for (const text of line.split('\n')) {
      const item = /^ {2}(\/\S+)$/.exec(text);
      if (item && section) {
        out[section].push(item[1]!);
        continue;
      }
      section = null;
      if (/^(?:these (?:\d+ )?derivations|this derivation) will be built:$/.test(text)) section = 'builds';
      const fetch = /^(?:these (?:\d+ )?paths|this path) will be fetched \(([\d.]+) ?([A-Za-z]+) download, ([\d.]+) ?([A-Za-z]+) unpacked\):$/.exec(text);
      if (fetch) {
        section = 'fetches';
        out.downloadBytes += toBytes(fetch[1]!, fetch[2]!);
        out.unpackedBytes += toBytes(fetch[3]!, fetch[4]!);
      }
    }
  }
  return out;
}

/** `nixos-rebuild dry-build` as this user (nothing changes); null when it fails: the build itself reports why. */
async function dryRun(ctx: AppContext, flake: FlakeRef, signal?: AbortSignal): Promise<DryRun | null> {
  const lines: string[] = [];
  try {
    await ctx.runner.run('nixos-rebuild', ['dry-build', ...flakeArgs(flake), '--log-format', 'internal-json'], {
      onLine: (_s, line) => lines.push(line),
      timeoutMs: 15 * 60_000,
      cwd: ctx.host.nixosConfigDir,
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw new AppError('cancelled', 'Cancelled.');
    return null;
  }
  return parseDryRun(lines);
}

interface FlakeRef {
  dir: string | null;
  attribute: string | null;
}
const flakeArgs = (flake: FlakeRef) => (flake.attribute ? ['--flake', `${flake.dir}#${flake.attribute}`] : []);

// ---- what a system copies to /boot ------------------------------------------------------------------

/** systemd-boot's copy_from_file / GRUB's copyToKernelsDir: the name a store file gets on /boot. */
export function bootFileName(storeFile: string, storeDir: string, layout: Layout): string | null {
  const rel = path.relative(storeDir, storeFile);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const storeSubdir = rel.split('/')[0]!;
  if (layout === 'grub') return rel.replaceAll('/', '-');
  const name = path.basename(storeFile);
  return name === storeSubdir ? `${name}.efi` : `${storeSubdir}-${name}.efi`;
}

interface BootSpec {
  kernel: string;
  initrd: string | null;
}

/** A system's bootspec (boot.json, org.nixos.bootspec.v1) and its specialisations', else its kernel and initrd links. */
export async function bootSpecsOf(toplevel: string): Promise<BootSpec[]> {
  const json = await readFile(path.join(toplevel, 'boot.json'), 'utf8').then(
    (t) => JSON.parse(t) as Record<string, unknown>,
    () => null,
  );
  const v1 = (doc: unknown) => (doc as Record<string, { kernel?: unknown; initrd?: unknown }> | null)?.['org.nixos.bootspec.v1'];
  const main = v1(json);
  if (main && typeof main.kernel === 'string') {
    const specs: BootSpec[] = [{ kernel: main.kernel, initrd: typeof main.initrd === 'string' ? main.initrd : null }];
    const children = (json?.['org.nixos.specialisation.v1'] ?? {}) as Record<string, unknown>;
    for (const child of Object.values(children)) {
      const c = v1(child);
      if (c && typeof c.kernel === 'string') specs.push({ kernel: c.kernel, initrd: typeof c.initrd === 'string' ? c.initrd : null });
    }
    return specs;
  }
  const linked = async (system: string): Promise<BootSpec | null> => {
    const kernel = await resolveStorePath(path.join(system, 'kernel'));
    return kernel ? { kernel, initrd: await resolveStorePath(path.join(system, 'initrd')) } : null;
  };
  const specs = [await linked(toplevel)];
  for (const child of (await specialisationPaths(toplevel)).values()) specs.push(await linked(child));
  return specs.filter((s): s is BootSpec => s !== null);
}

const filesOf = (specs: BootSpec[]) => specs.flatMap((s) => (s.initrd ? [s.kernel, s.initrd] : [s.kernel]));

/**
 * The kernel and initrd a system derivation will link, read from the .drv itself: NixOS's toplevel
 * builder (nixos/modules/system/boot/kernel.nix, systemBuilderCommands) runs `ln -s <kernel> $out/kernel`
 * and `ln -s <initrd> $out/initrd` with the store paths written out.
 */
export function bootFilesInDrv(drvText: string, storeDir: string): BootSpec | null {
  const store = storeDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const link = (name: string) => new RegExp(`ln -s (${store}/[0-9a-z]{32}-[^\\s"\\\\]+) \\$out/${name}(?=\\\\n|[\\s";])`).exec(drvText)?.[1] ?? null;
  const kernel = link('kernel');
  return kernel ? { kernel, initrd: link('initrd') } : null;
}

// ---- the boot folder as it is -----------------------------------------------------------------------

interface BootEntry {
  file: string;
  generation: number;
  bytes: number;
}

export interface BootFolder {
  dir: string;
  layout: Layout;
  /** kernel/initrd file name -> size, in EFI/nixos or kernels/ */
  files: Map<string, number>;
  /** systemd-boot's entries of the system profile (other profiles' are left alone) */
  entries: BootEntry[];
  blockSize: number;
  freeBytes: number;
  sizeBytes: number;
  /** bytes a boot menu rewrite needs for a moment (loader.conf.tmp, grub.cfg.tmp) */
  menuBytes: number;
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);

async function sizesIn(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const st = await stat(path.join(dir, name)).catch(() => null);
    if (st?.isFile()) out.set(name, st.size);
  }
  return out;
}

/** The boot folder: which layout, what is there, and the space left (statfs); null when no kernels are kept there. */
export async function readBootFolder(dir: string): Promise<BootFolder | null> {
  const fs = await statfs(dir).catch(() => null);
  if (!fs) return null;
  const space = { blockSize: fs.bsize, freeBytes: fs.bavail * fs.bsize, sizeBytes: fs.blocks * fs.bsize };
  if ((await isDir(path.join(dir, 'EFI/nixos'))) || (await isDir(path.join(dir, 'loader/entries')))) {
    const entriesDir = path.join(dir, 'loader/entries');
    const entries: BootEntry[] = [];
    for (const [file, bytes] of await sizesIn(entriesDir)) {
      const m = /^nixos-generation-([1-9]\d*)(?:-specialisation-.*)?\.conf$/.exec(file);
      if (m) entries.push({ file, generation: Number(m[1]), bytes });
    }
    const loaderConf = await stat(path.join(dir, 'loader/loader.conf')).catch(() => null);
    return { dir, layout: 'systemd-boot', files: await sizesIn(path.join(dir, 'EFI/nixos')), entries, ...space, menuBytes: loaderConf?.size ?? 1 };
  }
  if (await isDir(path.join(dir, 'kernels'))) {
    const grubCfg = await stat(path.join(dir, 'grub/grub.cfg')).catch(() => null);
    return { dir, layout: 'grub', files: await sizesIn(path.join(dir, 'kernels')), entries: [], ...space, menuBytes: grubCfg?.size ?? 1 };
  }
  return null;
}

const blocks = (bytes: number, blockSize: number) => Math.ceil(Math.max(bytes, 1) / blockSize) * blockSize;

// ---- the arithmetic ---------------------------------------------------------------------------------

interface Copy {
  name: string;
  bytes: number;
  estimated: boolean;
}

interface BootState {
  files: Map<string, number>;
  entries: BootEntry[];
  freeBytes: number;
}

const stateOf = (folder: BootFolder): BootState => ({ files: folder.files, entries: folder.entries, freeBytes: folder.freeBytes });

function namesOf(files: Iterable<string>, storeDir: string, layout: Layout): Set<string> {
  return new Set([...files].map((f) => bootFileName(f, storeDir, layout)).filter((n): n is string => n !== null));
}

/** A boot menu rebuild that keeps `kept` (generation -> its store files): the files and entries of the others go. */
function afterMenuRebuild(folder: BootFolder, state: BootState, kept: Map<number, string[]>, storeDir: string) {
  const keptNames = namesOf([...kept.values()].flat(), storeDir, folder.layout);
  const goneFiles = [...state.files].filter(([name]) => !keptNames.has(name));
  const goneEntries = state.entries.filter((e) => !kept.has(e.generation));
  const freed = [...goneFiles.map(([, b]) => b), ...goneEntries.map((e) => e.bytes)].reduce((a, b) => a + blocks(b, folder.blockSize), 0);
  return {
    state: { files: new Map([...state.files].filter(([name]) => keptNames.has(name))), entries: state.entries.filter((e) => kept.has(e.generation)), freeBytes: state.freeBytes + freed },
    freed,
    goneEntries,
  };
}

/** The kernels and initrds an action copies, with their sizes; one not built yet is guessed (`guess`). */
async function copiesOf(files: string[], storeDir: string, layout: Layout, guess: Guess): Promise<Copy[]> {
  const out = new Map<string, Copy>();
  for (const file of files) {
    const name = bootFileName(file, storeDir, layout);
    if (!name || out.has(name)) continue;
    const st = await stat(file).catch(() => null);
    out.set(name, st ? { name, bytes: st.size, estimated: false } : { name, bytes: guess(isInitrd(file)), estimated: true });
  }
  return [...out.values()];
}

/**
 * Space the action needs on /boot in `state`: the files not there yet and the new entries, in whole blocks,
 * plus the moment the menu file is written twice. systemd-boot first removes the files no kept generation
 * uses (`keep`), so they count as free; GRUB removes them only after copying.
 */
function need(folder: BootFolder, state: BootState, copies: Copy[], newEntries: number, keep: Map<number, string[]>, storeDir: string) {
  const newFiles = copies.filter((c) => !state.files.has(c.name));
  const neededBytes =
    newFiles.reduce((a, c) => a + blocks(c.bytes, folder.blockSize), 0) +
    (folder.layout === 'systemd-boot' ? newEntries * folder.blockSize : 0) +
    blocks(folder.menuBytes, folder.blockSize);
  let freedFirstBytes = 0;
  if (folder.layout === 'systemd-boot') {
    const keptNames = namesOf([...keep.values()].flat(), storeDir, folder.layout);
    for (const c of copies) keptNames.add(c.name);
    for (const [name, bytes] of state.files) if (!keptNames.has(name)) freedFirstBytes += blocks(bytes, folder.blockSize);
  }
  return { newFiles, neededBytes, freedFirstBytes, fits: state.freeBytes + freedFirstBytes >= neededBytes };
}

// ---- generations ------------------------------------------------------------------------------------

async function generationFiles(links: ProfileLink[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const l of links) out.set(l.generation, filesOf(await bootSpecsOf(l.storePath)));
  return out;
}

/** The newest `count` generations (all when null), newest first. */
const newest = (files: Map<number, string[]>, count: number | null) => new Map([...files].sort(([a], [b]) => b - a).slice(0, count ?? undefined));

/**
 * systemd-boot keeps only the newest boot.loader.systemd-boot.configurationLimit generations. The limit
 * is in the configuration, not on disk; when the entries are exactly the newest K of more generations,
 * K is taken as the limit.
 */
function inferredLimit(folder: BootFolder, links: ProfileLink[]): number | null {
  const withEntries = [...new Set(folder.entries.map((e) => e.generation))].sort((a, b) => b - a);
  if (!withEntries.length || withEntries.length >= links.length) return null;
  const newestNumbers = links.map((l) => l.generation).sort((a, b) => b - a).slice(0, withEntries.length);
  return newestNumbers.every((g, i) => g === withEntries[i]) ? withEntries.length : null;
}

/** Gentlest first: the first that makes room is offered. */
const CLEANUP_RULES: CleanupRule[] = [
  { olderThanDays: 90 },
  { olderThanDays: 30 },
  { olderThanDays: 14 },
  { olderThanDays: 7 },
  { olderThanDays: 3 },
  { olderThanDays: 1 },
  { keepNewest: 10 },
  { keepNewest: 5 },
  { keepNewest: 3 },
  { keepNewest: 2 },
  { keepNewest: 1 },
];

export function fixLabel(rule: CleanupRule, collectGarbage: boolean, rebuildBootMenu: boolean): string {
  const del =
    'olderThanDays' in rule
      ? `Delete generations older than ${rule.olderThanDays} day${rule.olderThanDays === 1 ? '' : 's'}`
      : rule.keepNewest === 1
        ? 'Delete every generation but the boot default'
        : `Delete all but the newest ${rule.keepNewest} generations`;
  if (collectGarbage && rebuildBootMenu) return `${del}, collect garbage, then rebuild the boot menu`;
  if (collectGarbage) return `${del} and collect garbage`;
  if (rebuildBootMenu) return `${del}, then rebuild the boot menu`;
  return del;
}

// ---- the reports ------------------------------------------------------------------------------------

/** A size for a kernel (false) or initrd (true) not built yet. */
type Guess = (initrd: boolean) => number;
const isInitrd = (file: string) => /initrd/.test(path.basename(path.dirname(file)) + '/' + path.basename(file));

interface Context {
  ctx: AppContext;
  links: ProfileLink[];
  current: number | null;
  folder: BootFolder | null;
  genFiles: Map<number, string[]>;
  /** as big as the biggest of its kind on /boot or in the running system */
  guess: Guess;
}

async function gather(ctx: AppContext): Promise<Context> {
  const [links, current, folder] = await Promise.all([listProfileLinks(ctx.host.systemProfile), currentGeneration(ctx.host.systemProfile), readBootFolder(ctx.host.bootDir)]);
  const genFiles = folder ? await generationFiles(links) : new Map<number, string[]>();
  const running = await resolveStorePath(ctx.host.currentSystem);
  const sizes: { initrd: boolean; bytes: number }[] = [];
  for (const f of running && folder ? filesOf(await bootSpecsOf(running)) : []) {
    const st = await stat(f).catch(() => null);
    if (st) sizes.push({ initrd: isInitrd(f), bytes: st.size });
  }
  for (const [name, bytes] of folder?.files ?? []) sizes.push({ initrd: /initrd/.test(name), bytes });
  const guess: Guess = (initrd) => Math.max(0, ...sizes.filter((s) => s.initrd === initrd).map((s) => s.bytes));
  return { ctx, links, current, folder, genFiles, guess };
}

interface BootCheck {
  /** the files the action copies (the new system's, or the target generation's) */
  copies: string[];
  /** generations the boot menu keeps after the action (generation -> store files); -1 = the new system */
  keep: Map<number, string[]>;
  newEntries: number;
  /** words for what needs the space: "the new kernel", "the kernel of generation 4" */
  what: string;
  /** the copies are not known (the new system could not be read): a kernel and an initrd as big as the running ones */
  unknown?: boolean;
}

async function checkCopies(c: Context, folder: BootFolder, check: BootCheck): Promise<Copy[]> {
  if (check.unknown) return [{ name: 'a new kernel', bytes: c.guess(false), estimated: true }, { name: 'a new initrd', bytes: c.guess(true), estimated: true }];
  return copiesOf(check.copies, c.ctx.host.nixStoreDir, folder.layout, c.guess);
}

async function checkBoot(c: Context, folder: BootFolder, state: BootState, check: BootCheck): Promise<{ space: BootSpace; fits: boolean }> {
  const n = need(folder, state, await checkCopies(c, folder, check), check.newEntries, check.keep, c.ctx.host.nixStoreDir);
  return {
    fits: n.fits,
    space: {
      dir: folder.dir,
      layout: folder.layout,
      freeBytes: state.freeBytes,
      sizeBytes: folder.sizeBytes,
      newFiles: n.newFiles,
      neededBytes: n.neededBytes,
      freedFirstBytes: n.freedFirstBytes,
      estimated: n.newFiles.some((f) => f.estimated),
    },
  };
}

/** What deleting these generations and rebuilding the boot menu frees on /boot. */
function bootFreed(c: Context, gone: Set<number>) {
  if (!c.folder) return null;
  const kept = new Map([...c.genFiles].filter(([g]) => !gone.has(g)));
  const after = afterMenuRebuild(c.folder, stateOf(c.folder), kept, c.ctx.host.nixStoreDir);
  return { ...after, entries: c.folder.layout === 'systemd-boot' ? after.goneEntries.length : gone.size };
}

/**
 * The gentlest cleanup rule that makes the action fit: delete generations (never the protected ones),
 * then rebuild the boot menu (frees their kernels and entries on /boot) and/or collect garbage (frees
 * their store paths on /nix). When none is enough, the strongest, marked not enough. `rules` overrides
 * the list (the many-generations warning offers one rule).
 */
async function chooseFix(
  c: Context,
  want: { boot: BootCheck | null; storeShortBy: number; rebuildBootMenu: boolean; spare?: number },
  rules: CleanupRule[] = CLEANUP_RULES,
): Promise<PreflightFix | null> {
  let last: PreflightFix | null = null;
  let lastSet = '';
  for (const rule of rules) {
    const deleting = (await generationsToDelete(c.ctx, rule)).deleting.filter((l) => l.generation !== want.spare);
    const set = deleting.map((l) => l.generation).join(',');
    if (!deleting.length || set === lastSet) continue;
    lastSet = set;
    const gone = new Set(deleting.map((l) => l.generation));
    const freed = want.rebuildBootMenu ? bootFreed(c, gone) : null;
    let bootOk = true;
    if (want.boot && freed && c.folder) {
      const keep = new Map([...want.boot.keep].filter(([g]) => !gone.has(g)));
      bootOk = need(c.folder, freed.state, await checkCopies(c, c.folder, want.boot), want.boot.newEntries, keep, c.ctx.host.nixStoreDir).fits;
    }
    let storeFreesBytes: number | null = null;
    if (want.storeShortBy > 0) storeFreesBytes = (await deleteGenerations(c.ctx, { ...rule, dryRun: true })).freeableBytes;
    last = {
      label: fixLabel(rule, want.storeShortBy > 0, want.rebuildBootMenu),
      rule,
      generations: deleting.map((l) => l.generation),
      bootEntries: freed?.entries ?? 0,
      bootFreesBytes: freed?.freed ?? 0,
      storeFreesBytes,
      collectGarbage: want.storeShortBy > 0,
      rebuildBootMenu: want.rebuildBootMenu,
      enough: bootOk && (storeFreesBytes ?? Infinity) >= want.storeShortBy,
      expectedCurrent: c.current,
    };
    if (last.enough) return last;
  }
  return last;
}

function bootProblem(space: BootSpace, what: string, fix: PreflightFix | null): PreflightProblem {
  const about = space.estimated ? 'about ' : '';
  let text = `${space.dir} has ${sizeInWords(space.freeBytes + space.freedFirstBytes)} free; ${what} needs ${about}${sizeInWords(space.neededBytes)}.`;
  if (fix && fix.bootEntries > 0) text += ` Removing ${fix.bootEntries} old boot entr${fix.bootEntries === 1 ? 'y' : 'ies'} frees ${sizeInWords(fix.bootFreesBytes)}.`;
  if (fix && !fix.enough) text += ' Even that is not enough: make room on that partition by hand, or make it bigger.';
  if (!fix) text += ' There are no old generations to delete: make room on that partition by hand, or make it bigger.';
  return { kind: 'boot-space', blocking: true, title: `Not enough space on ${space.dir} for ${what}`, text };
}

function storeProblem(space: StoreSpace, fix: PreflightFix | null): PreflightProblem {
  const parts: string[] = [];
  if (space.fetches) parts.push(`the ${space.fetches} download${space.fetches === 1 ? '' : 's'} unpack to ${sizeInWords(space.unpackedBytes)}`);
  if (space.builds) parts.push(`the ${space.builds} build${space.builds === 1 ? '' : 's'} need about ${sizeInWords(space.buildBytesEstimate)}`);
  let text = `${space.dir} has ${sizeInWords(space.freeBytes)} free; ${parts.join(' and ') || `this needs ${sizeInWords(space.neededBytes)}`}.`;
  if (fix?.storeFreesBytes) text += ` ${fixLabel(fix.rule, true, false)} frees about ${sizeInWords(fix.storeFreesBytes)}.`;
  if (fix && !fix.enough) text += ' Even that is not enough: make room on that disk by hand.';
  if (!fix) text += ' There are no old generations to delete: make room on that disk by hand.';
  return { kind: 'store-space', blocking: true, title: `Not enough space on ${space.dir} for this build`, text };
}

/** More than MANY_GENERATIONS: a warning, with "delete generations older than 30 days" (or all but the newest 50) as its fix when no bigger problem has one. */
async function generationsWarning(c: Context, problems: PreflightProblem[], fix: PreflightFix | null): Promise<PreflightFix | null> {
  if (c.links.length <= MANY_GENERATIONS) return fix;
  problems.push({
    kind: 'many-generations',
    blocking: false,
    title: `You keep ${c.links.length} generations`,
    text: `Each one keeps its whole system on disk and, within the boot loader's limit, its entry in the boot menu. More than ${MANY_GENERATIONS} is a lot: deleting old ones frees space and shortens the menu.`,
  });
  return fix ?? chooseFix(c, { boot: null, storeShortBy: 0, rebuildBootMenu: c.folder !== null }, [{ olderThanDays: 30 }, { keepNewest: MANY_GENERATIONS }]);
}

function report(action: string, c: Context, boot: BootSpace | null, store: StoreSpace | null, problems: PreflightProblem[], fix: PreflightFix | null): PreflightReport {
  return { action, ok: !problems.some((p) => p.blocking), boot, store, generations: { count: c.links.length, threshold: MANY_GENERATIONS }, problems, fix };
}

/** Rollback or switch to generation N (or its specialisation): its kernel and initrd must be on /boot, or fit there. */
export async function activationPreflight(ctx: AppContext, generation: number, specialisation?: string): Promise<PreflightReport> {
  const c = await gather(ctx);
  const link = c.links.find((l) => l.generation === generation);
  if (!link) throw new AppError('not-found', `Generation ${generation} does not exist in the system profile.`);
  const problems: PreflightProblem[] = [];
  let fix: PreflightFix | null = null;
  let boot: BootSpace | null = null;
  if (c.folder) {
    const system = specialisation ? (await specialisationPaths(link.storePath)).get(specialisation) : link.storePath;
    const what = `the kernel of generation ${generation}${specialisation ? ` (${specialisation})` : ''}`;
    const check: BootCheck = {
      copies: system ? filesOf(await bootSpecsOf(system)) : [],
      keep: newest(c.genFiles, inferredLimit(c.folder, c.links)),
      newEntries: c.folder.entries.some((e) => e.generation === generation) ? 0 : 1,
      what,
    };
    const checked = await checkBoot(c, c.folder, stateOf(c.folder), check);
    boot = checked.space;
    if (!checked.fits) {
      // deleting the generation switched to is no fix
      fix = await chooseFix(c, { boot: check, storeShortBy: 0, rebuildBootMenu: true, spare: generation });
      problems.push(bootProblem(checked.space, what, fix));
    }
  }
  fix = await generationsWarning(c, problems, fix);
  return report(specialisation ? `switch to specialisation ${specialisation} of generation ${generation}` : `switch to generation ${generation}`, c, boot, null, problems, fix);
}

/** Cleanup by a rule: what removing their boot entries frees, and that the boot menu keeps them until it is rebuilt. */
export async function cleanupPreflight(ctx: AppContext, rule: CleanupRule): Promise<PreflightReport> {
  const c = await gather(ctx);
  const problems: PreflightProblem[] = [];
  let fix: PreflightFix | null = null;
  let boot: BootSpace | null = null;
  const { deleting } = await generationsToDelete(ctx, rule);
  const freed = bootFreed(c, new Set(deleting.map((l) => l.generation)));
  if (c.folder && freed && deleting.length) {
    // switch-to-configuration boot of the boot default needs its own files there, or room for them
    const kept = new Map([...c.genFiles].filter(([g]) => !deleting.some((l) => l.generation === g)));
    const currentFiles = c.current !== null ? (c.genFiles.get(c.current) ?? []) : [];
    const checked = await checkBoot(c, c.folder, freed.state, { copies: currentFiles, keep: kept, newEntries: 0, what: 'the boot default' });
    boot = checked.space;
    fix = {
      label: fixLabel(rule, false, true),
      rule,
      generations: deleting.map((l) => l.generation),
      bootEntries: freed.entries,
      bootFreesBytes: freed.freed,
      storeFreesBytes: null,
      collectGarbage: false,
      rebuildBootMenu: true,
      enough: checked.fits,
      expectedCurrent: c.current,
    };
    if (freed.entries > 0 || freed.freed > 0) {
      problems.push({
        kind: 'boot-menu',
        blocking: false,
        title: 'Rebuild the boot menu after deleting',
        text: `Removing ${freed.entries} old boot entr${freed.entries === 1 ? 'y' : 'ies'} frees ${sizeInWords(freed.freed)} on ${c.folder.dir}. Until the boot menu is rebuilt they stay there, and in the menu, pointing at systems the next garbage collection removes.`,
      });
    }
  }
  await generationsWarning(c, problems, fix);
  return report('cleanup', c, boot, null, problems, fix);
}

/** Free space of the file system holding `dir`. */
async function freeBytesOf(dir: string): Promise<number | null> {
  const fs = await statfs(dir).catch(() => null);
  return fs ? fs.bavail * fs.bsize : null;
}

/** What the builds of a dry run will add, guessed from the same packages in the running system. */
async function buildEstimate(ctx: AppContext, builds: string[], signal?: AbortSignal): Promise<number> {
  if (!builds.length) return 0;
  const running = await resolveStorePath(ctx.host.currentSystem);
  const sizes = running ? await closureSizes(ctx, running, signal).catch(() => new Map<string, number>()) : new Map<string, number>();
  const byName = new Map<string, number>();
  for (const [p, size] of sizes) {
    const name = parseDrvName(storePathName(p)).name;
    byName.set(name, Math.max(byName.get(name) ?? 0, size));
  }
  return builds.reduce((sum, drv) => sum + (byName.get(parseDrvName(storePathName(drv).replace(/\.drv$/, '')).name) ?? 0), 0);
}

/** The new system a rebuild makes: its kernel and initrd files and how many boot entries it has (itself and its specialisations); null: not known. */
async function newSystem(ctx: AppContext, dry: DryRun, flake: FlakeRef, signal?: AbortSignal): Promise<{ files: string[]; entries: number } | null> {
  const drvs = dry.builds.filter((p) => /^nixos-system-/.test(storePathName(p)));
  if (drvs.length) {
    // the system and its specialisations: the nixos-system-* derivations that link a kernel
    const specs = (await Promise.all(drvs.map(async (d) => bootFilesInDrv(await readFile(d, 'utf8').catch(() => ''), ctx.host.nixStoreDir)))).filter((s): s is BootSpec => s !== null);
    return specs.length ? { files: filesOf(specs), entries: specs.length } : null;
  }
  if (dry.builds.length || dry.fetches.length) return null;
  // Already built (an earlier Build, or nothing changed): `nixos-rebuild build` only evaluates and names it.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nc-preflight-'));
  try {
    await ctx.runner.run('nixos-rebuild', ['build', ...flakeArgs(flake), '--log-format', 'internal-json'], { cwd: dir, timeoutMs: 15 * 60_000, signal, onLine: () => {} });
    const specs = await bootSpecsOf(await realpath(path.join(dir, 'result')));
    return { files: filesOf(specs), entries: specs.length };
  } catch {
    if (signal?.aborted) throw new AppError('cancelled', 'Cancelled.');
    return null;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The pre-flight of a rebuild: switch and boot copy a kernel to /boot; every build fills /nix. Null when the dry run failed. */
export async function rebuildPreflight(ctx: AppContext, action: 'switch' | 'boot' | 'test' | 'build', flake: FlakeRef, signal?: AbortSignal): Promise<PreflightReport | null> {
  const dry = await dryRun(ctx, flake, signal);
  if (!dry) return null;
  const c = await gather(ctx);
  const problems: PreflightProblem[] = [];

  let boot: BootSpace | null = null;
  let bootCheck: BootCheck | null = null;
  if ((action === 'switch' || action === 'boot') && c.folder) {
    const system = await newSystem(ctx, dry, flake, signal);
    const limit = inferredLimit(c.folder, c.links);
    // nixos-rebuild sets the profile before switch-to-configuration: the new generation is one of the newest `limit`
    const keep = newest(c.genFiles, limit === null ? null : Math.max(0, limit - 1));
    keep.set(-1, system?.files ?? []);
    const check: BootCheck = { copies: system?.files ?? [], keep, newEntries: system?.entries ?? 1, what: 'the new kernel', unknown: system === null };
    const checked = await checkBoot(c, c.folder, stateOf(c.folder), check);
    boot = checked.space;
    if (!checked.fits) bootCheck = check;
  }

  const storeFree = await freeBytesOf(ctx.host.nixStoreDir);
  let store: StoreSpace | null = null;
  if (storeFree !== null) {
    const buildBytesEstimate = await buildEstimate(ctx, dry.builds, signal);
    store = {
      dir: ctx.host.nixStoreDir,
      freeBytes: storeFree,
      fetches: dry.fetches.length,
      downloadBytes: dry.downloadBytes,
      unpackedBytes: dry.unpackedBytes,
      builds: dry.builds.length,
      buildBytesEstimate,
      neededBytes: dry.unpackedBytes + buildBytesEstimate,
    };
  }
  const storeShortBy = store ? Math.max(0, store.neededBytes - store.freeBytes) : 0;

  let fix: PreflightFix | null = null;
  if (bootCheck || storeShortBy > 0) {
    fix = await chooseFix(c, { boot: bootCheck, storeShortBy, rebuildBootMenu: bootCheck !== null });
    if (bootCheck && boot) problems.push(bootProblem(boot, bootCheck.what, fix));
    if (storeShortBy > 0 && store) problems.push(storeProblem(store, fix));
  }
  fix = await generationsWarning(c, problems, fix);
  return report(action, c, boot, store, problems, fix);
}

// ---- the rebuild job's phase, and the fix ------------------------------------------------------------

const KEEP_JOB_REPORTS = 20;

/** The report a rebuild job made in its pre-flight phase. */
export const reportOfJob = (ctx: AppContext, jobId: string): PreflightReport | null => ctx.state.preflightReports.get(jobId) ?? null;

/** The error that refuses an action, in the words of its blocking problems. */
export function refusal(report: PreflightReport): AppError {
  const blocking = report.problems.filter((p) => p.blocking);
  return new AppError('disk-full', blocking.map((p) => `${p.title}. ${p.text}`).join(' '), report.fix ? `The fix: ${report.fix.label}.` : undefined);
}

/** A rebuild's pre-flight phase: refuses (nothing built, nothing activated) when the build or the kernel cannot fit. */
export async function rebuildPreflightPhase(ctx: AppContext, job: JobContext, action: 'switch' | 'boot' | 'test' | 'build', flake: FlakeRef): Promise<void> {
  job.phase('preflight', 'Checking free space', { cancellable: true });
  const result = await rebuildPreflight(ctx, action, flake, job.signal);
  if (!result) {
    job.log('The free-space check was skipped: the dry run did not evaluate (the build says why).', 'info');
    return;
  }
  const reports = ctx.state.preflightReports;
  reports.set(job.id, result);
  while (reports.size > KEEP_JOB_REPORTS) reports.delete(reports.keys().next().value!);
  if (result.boot) job.log(`${result.boot.dir}: ${sizeInWords(result.boot.freeBytes)} free, ${sizeInWords(result.boot.neededBytes)} needed.`, 'info');
  if (result.store) job.log(`${result.store.dir}: ${sizeInWords(result.store.freeBytes)} free, about ${sizeInWords(result.store.neededBytes)} needed.`, 'info');
  for (const p of result.problems) job.log(`${p.title}. ${p.text}`, 'info');
  if (!result.ok) throw refusal(result);
}

/** Before a rollback or switch job starts: refused in words when the target's kernel cannot fit on /boot. */
export async function requireActivationFits(ctx: AppContext, generation: number, specialisation?: string): Promise<void> {
  const result = await activationPreflight(ctx, generation, specialisation);
  if (!result.ok) throw refusal(result);
}

/** The one-click fix: delete generations by the rule, then collect garbage and/or rebuild the boot menu. */
export async function runPreflightFix(ctx: AppContext, job: JobContext, params: PreflightFixParams): Promise<PreflightFixResult> {
  const current = await currentGeneration(ctx.host.systemProfile);
  if (current !== params.expectedCurrent) throw new AppError('conflict', profileMovedMessage('system', current));
  const [bootBefore, storeBefore] = await Promise.all([freeBytesOf(ctx.host.bootDir), freeBytesOf(ctx.host.nixStoreDir)]);
  job.phase('delete', 'Deleting old generations', { cancellable: false });
  const { deleting } = await generationsToDelete(ctx, params.rule);
  const generations = deleting.map((l) => l.generation);
  if (generations.length) {
    await ctx.privileged.run('delete-generations', { generations }, { job });
    job.log(`Deleted generation${generations.length === 1 ? '' : 's'} ${generations.join(', ')}.`, 'info');
    ctx.events.emit({ topic: 'changed', what: 'system-profile' });
  } else job.log('No generation matches that rule any more.', 'info');
  if (params.collectGarbage) await collectGarbage(ctx, job);
  let bootMenuRebuilt = false;
  if (params.rebuildBootMenu && current !== null) {
    job.phase('boot-menu', 'Rebuilding the boot menu', { cancellable: false });
    await ctx.privileged.run('boot-menu', { expectedCurrent: current }, { job });
    bootMenuRebuilt = true;
  }
  const [bootAfter, storeAfter] = await Promise.all([freeBytesOf(ctx.host.bootDir), freeBytesOf(ctx.host.nixStoreDir)]);
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  return { deleted: generations, bootMenuRebuilt, bootFreedBytes: delta(bootBefore, bootAfter), storeFreedBytes: params.collectGarbage ? delta(storeBefore, storeAfter) : null };
}
