import { lstat, readFile, readlink, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { HomeGeneration } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { currentGeneration, listProfileLinks, type ProfileLink } from '../system/profile';
import { generationVersion } from './command';
import { homeManagerProfile } from './profile-path';

/** A generation's gen-version (1 from Home Manager 25.11: the command sets the profile, not activate); null before. */
export async function generationFormat(storePath: string): Promise<number | null> {
  const text = await readFile(path.join(storePath, 'gen-version'), 'utf8').catch(() => null);
  return text !== null && /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

/**
 * The store path of the generation whose files are in place: activation points the current-home GC root
 * at it (`${XDG_STATE_HOME:-~/.local/state}/home-manager/gcroots/current-home`; older ones used
 * /nix/var/nix/gcroots/per-user/$USER/current-home). From 25.11 that is the last thing activation
 * does, so after a failed activation it still names the old generation.
 */
export async function lastActivated(ctx: AppContext): Promise<string | null> {
  const stateHome = process.env.XDG_STATE_HOME || path.join(ctx.host.homeDir, '.local/state');
  const candidates = [
    path.join(stateHome, 'home-manager/gcroots/current-home'),
    path.join(process.env.NIX_STATE_DIR || '/nix/var/nix', 'gcroots/per-user', ctx.host.userName, 'current-home'),
  ];
  for (const link of candidates) {
    const target = await readlink(link).catch(() => null);
    if (target) return path.resolve(path.dirname(link), target);
  }
  return null;
}

export interface ActivationGap {
  /** the generation the profile records */
  recorded: number;
  /** the generation whose files are in place, when it is still in the profile */
  filesOf: number | null;
}

/**
 * Home Manager 25.11 records a new generation in the profile before activating it, so a failed
 * activation leaves the profile at a generation whose files never went in. Told by the current-home
 * GC root (which only a finished activation moves); for a 25.11 generation without any, nothing was
 * ever activated. null when the profile and the files agree.
 */
export async function activationGap(ctx: AppContext, links: ProfileLink[], current: number | null, preferred: number | null = null): Promise<ActivationGap | null> {
  const link = links.find((l) => l.generation === current);
  if (!link || current === null) return null;
  const active = await lastActivated(ctx);
  if (active === null ? (await generationFormat(link.storePath)) === null : active === link.storePath) return null;
  const matching = links.filter((l) => l.storePath === active && l.generation !== current).map((l) => l.generation);
  const filesOf = preferred !== null && matching.includes(preferred) ? preferred : (matching.at(-1) ?? null);
  return { recorded: current, filesOf };
}

/**
 * `home-manager generations` runs `ls -gG --time-style=long-iso --sort time home-manager-*-link` in the
 * profile dir: newest link mtime first (ties by name), `<date> : id <N> -> <store path>`, and
 * ` (current)` on the one the profile points at. Same order and meaning here, with the full date.
 */
export function sortLikeHomeManager<T extends ProfileLink & { mtimeNs?: bigint }>(links: T[]): T[] {
  const name = (l: T) => path.basename(l.link);
  // ls compares the full nanosecond mtime; Date keeps only milliseconds
  const time = (l: T) => l.mtimeNs ?? BigInt(l.date.getTime()) * 1_000_000n;
  return [...links].sort((a, b) => {
    const ta = time(a);
    const tb = time(b);
    if (ta !== tb) return ta < tb ? 1 : -1;
    return name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
  });
}

/** One line as `home-manager generations` prints it (local time, long-iso). */
export function formatGenerationLine(g: { generation: number; date: Date; storePath: string; current: boolean }): string {
  const d = g.date;
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${when} : id ${g.generation} -> ${g.storePath}${g.current ? ' (current)' : ''}`;
}

export async function listHomeGenerations(ctx: AppContext): Promise<{ profile: string; generations: HomeGeneration[]; activationGap: ActivationGap | null }> {
  const profile = await homeManagerProfile(ctx.host);
  const [links, current] = await Promise.all([listProfileLinks(profile), currentGeneration(profile)]);
  const withNs = await Promise.all(links.map(async (l) => ({ ...l, mtimeNs: (await lstat(l.link, { bigint: true }).catch(() => null))?.mtimeNs })));
  const sorted = sortLikeHomeManager(withNs);
  // many generations share a store path (rollbacks re-link old ones): read each generation's files once
  const once = <T>(read: (p: string) => Promise<T>) => {
    const cache = new Map<string, Promise<T>>();
    return (p: string) => cache.get(p) ?? cache.set(p, read(p)).get(p)!;
  };
  const version = once(generationVersion);
  const format = once(generationFormat);
  const [versions, formats, gap, active] = await Promise.all([
    Promise.all(sorted.map((l) => version(l.storePath))),
    Promise.all(sorted.map((l) => format(l.storePath))),
    activationGap(ctx, links, current),
    lastActivated(ctx),
  ]);
  return {
    profile,
    generations: sorted.map((l, i) => ({
      generation: l.generation,
      date: l.date.toISOString(),
      storePath: l.storePath,
      current: l.generation === current,
      hmVersion: versions[i] ?? null,
      genVersion: formats[i] ?? null,
      notActivated: gap?.recorded === l.generation,
      filesInPlace: gap ? gap.filesOf === l.generation : active !== null ? l.generation === current : null,
    })),
    activationGap: gap,
  };
}

/** What `home-manager remove-generations` does: unlink `home-manager-N-link`, never the current one. */
export async function removeHomeGenerations(ctx: AppContext, numbers: number[]) {
  const profile = await homeManagerProfile(ctx.host);
  const [links, current] = await Promise.all([listProfileLinks(profile), currentGeneration(profile)]);
  const removed: number[] = [];
  const refused: { generation: number; reason: string }[] = [];
  for (const n of [...new Set(numbers)]) {
    const link = links.find((l) => l.generation === n);
    if (!link) refused.push({ generation: n, reason: `There is no generation ${n}.` });
    else if (n === current) refused.push({ generation: n, reason: `Generation ${n} is the current one; switch to another before removing it.` });
    else {
      await unlink(link.link);
      removed.push(n);
    }
  }
  if (removed.length) ctx.events.emit({ topic: 'changed', what: 'home-profile' });
  return { removed, refused };
}

export interface PackageRef {
  name: string;
  version: string | null;
  storePath: string;
}

/** Nix's own name/version split (DrvName): the version starts at the first dash followed by a non-letter. */
export function splitName(fullName: string): { name: string; version: string | null } {
  for (let i = 0; i < fullName.length - 1; i++) {
    if (fullName[i] === '-' && !/[A-Za-z]/.test(fullName[i + 1]!)) return { name: fullName.slice(0, i), version: fullName.slice(i + 1) };
  }
  return { name: fullName, version: null };
}

/** The packages of a generation: what its home-path (buildEnv) refers to, as `home-manager packages` lists them. */
export async function generationPackages(ctx: AppContext, storePath: string): Promise<PackageRef[]> {
  const homePath = await realpath(path.join(storePath, 'home-path')).catch(() => null);
  if (!homePath) throw new AppError('not-found', `The generation at ${storePath} has no home-path (it may have been garbage-collected).`);
  const { stdout } = await ctx.runner.run('nix-store', ['-q', '--references', homePath], { timeoutMs: 60_000 });
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((p) => p && p !== homePath)
    .map((p) => {
      const base = path.basename(p);
      return { ...splitName(base.slice(base.indexOf('-') + 1)), storePath: p };
    });
}

export async function diffGenerations(ctx: AppContext, from: number, to: number) {
  const profile = await homeManagerProfile(ctx.host);
  const links = await listProfileLinks(profile);
  const find = (n: number) => {
    const l = links.find((x) => x.generation === n);
    if (!l) throw new AppError('not-found', `There is no Home Manager generation ${n}.`);
    return l;
  };
  const [a, b] = await Promise.all([generationPackages(ctx, find(from).storePath), generationPackages(ctx, find(to).storePath)]);
  const byName = (list: PackageRef[]) => {
    const m = new Map<string, PackageRef[]>();
    for (const p of list) m.set(p.name, [...(m.get(p.name) ?? []), p]);
    return m;
  };
  const before = byName(a);
  const after = byName(b);
  const added: PackageRef[] = [];
  const removed: PackageRef[] = [];
  const changed: { name: string; from: string | null; to: string | null }[] = [];
  let unchanged = 0;
  for (const [name, refs] of after) {
    const old = before.get(name);
    if (!old) added.push(...refs);
    else if (old.map((r) => r.storePath).sort().join() === refs.map((r) => r.storePath).sort().join()) unchanged++;
    else changed.push({ name, from: old.map((r) => r.version ?? '').join(', ') || null, to: refs.map((r) => r.version ?? '').join(', ') || null });
  }
  for (const [name, refs] of before) if (!after.has(name)) removed.push(...refs);
  const byKey = (x: { name: string }, y: { name: string }) => x.name.localeCompare(y.name);
  return { added: added.sort(byKey), removed: removed.sort(byKey), changed: changed.sort(byKey), unchanged };
}
