import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ClosureChange, ClosureDiff, ClosureRef, DiffSide } from '../../../shared/contract/system';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { closureSizes, closuresAndReferencesFromDb, directReferences } from './closure';
import { kernelVersionOf, nixosVersionOf, realpathLoose } from './generations';
import { specialisationPaths } from './generations-running';
import { listProfileLinks } from './profile';
import { byteOrder, closureEntryName, compareVersions, sortByteOrder } from './store-names';

/**
 * What changed between two system closures, per package name, with the same grouping as
 * `nix store diff-closures`: store path names split into name and version the way Nix does, a name
 * listed when its set of versions changed or its total NAR size moved by 8 KiB or more.
 */

/** diff-closures prints a size change from this many bytes on */
export const SIZE_THRESHOLD = 8 * 1024;

interface Resolved {
  ref: ClosureRef;
  storePath: string;
  generation: number | null;
}

async function resolveRef(ctx: AppContext, ref: ClosureRef): Promise<Resolved> {
  const { host } = ctx;
  const storeDir = path.resolve(host.nixStoreDir);
  if (typeof ref === 'number') {
    const link = `${host.systemProfile}-${ref}-link`;
    const target = await realpath(link).catch(() => null);
    if (!target) throw new AppError('not-found', `Generation ${ref} does not exist (it may have been deleted).`);
    return { ref, storePath: target, generation: ref };
  }
  const normal = path.resolve(ref);
  const isSystemLink = normal === path.resolve(host.currentSystem) || normal === path.resolve(host.bootedSystem);
  if (!isSystemLink && !normal.startsWith(storeDir + '/')) throw new AppError('invalid-params', `${ref} is not a path in the Nix store (${storeDir}).`);
  if (!isSystemLink && path.dirname(normal) !== storeDir) throw new AppError('invalid-params', `${ref} is inside a store path; give the store path itself (${storeDir}/<hash>-<name>).`);
  const target = await realpath(normal).catch(() => null);
  if (!target) throw new AppError('not-found', `${ref} does not exist.`);
  if (path.dirname(target) !== storeDir) throw new AppError('invalid-params', `${ref} is inside a store path; give the store path itself (${storeDir}/<hash>-<name>).`);
  return { ref, storePath: target, generation: null };
}

type Grouped = Map<string, Map<string, string[]>>;

/**
 * The closure of a valid store path never changes, so the last few are kept: flipping between diffs of
 * the same generations costs no Nix call. Bounded; resolveRef re-checks that a path still exists.
 */
const CACHE_SIZE = 12;
export interface DiffCaches {
  closures: Map<string, Promise<Map<string, number>>>;
  references: Map<string, Promise<Set<string>>>;
}
const cachesOf = (ctx: AppContext): DiffCaches => ctx.state.diff;
/** Forget cached closures (benchmarks measure the cold path with this). */
export function clearClosureCaches(ctx: AppContext): void {
  ctx.state.diff = { closures: new Map(), references: new Map() };
}

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  hit = load();
  cache.set(key, hit);
  hit.catch(() => cache.delete(key));
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return hit;
}

function group(paths: Iterable<string>): Grouped {
  const out: Grouped = new Map();
  for (const p of paths) {
    const { name, version } = closureEntryName(p);
    let versions = out.get(name);
    if (!versions) out.set(name, (versions = new Map()));
    const list = versions.get(version);
    if (list) list.push(p);
    else versions.set(version, [p]);
  }
  return out;
}

function sameGroup(a: Map<string, string[]>, b: Map<string, string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [version, paths] of a) {
    const other = b.get(version);
    if (!other || other.length !== paths.length || !paths.every((p) => other.includes(p))) return false;
  }
  return true;
}

function groupSize(sizes: ReadonlyMap<string, number>, versions: Map<string, string[]> | undefined): number {
  let sum = 0;
  if (versions) for (const paths of versions.values()) for (const p of paths) sum += sizes.get(p) ?? 0;
  return sum;
}

const total = (sizes: ReadonlyMap<string, number>) => {
  let sum = 0;
  for (const v of sizes.values()) sum += v;
  return sum;
};

function kindOf(before: string[], after: string[], removed: string[], added: string[]): ClosureChange['kind'] {
  if (!before.length) return 'added';
  if (!after.length) return 'removed';
  if (removed.length && added.length) {
    const newest = (vs: string[]) => vs.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
    const c = compareVersions(newest(added), newest(removed));
    return c > 0 ? 'upgraded' : c < 0 ? 'downgraded' : 'changed';
  }
  return 'changed';
}

/** The store path a toplevel's symlink points into (`<toplevel>/sw` -> system-path), or null. */
async function storePathBehind(ctx: AppContext, toplevel: string, entry: string): Promise<string | null> {
  const storeDir = path.resolve(ctx.host.nixStoreDir);
  const target = await realpathLoose(path.join(toplevel, entry));
  if (!target.startsWith(storeDir + '/')) return null;
  return path.join(storeDir, target.slice(storeDir.length + 1).split('/')[0]!);
}

async function readSide(ctx: AppContext, r: Resolved) {
  const [nixosVersion, kernelVersion, systemPath, kernelPath, specialisations] = await Promise.all([
    nixosVersionOf(r.storePath),
    kernelVersionOf(r.storePath),
    storePathBehind(ctx, r.storePath, 'sw'),
    storePathBehind(ctx, r.storePath, 'kernel'),
    specialisationPaths(r.storePath),
  ]);
  return {
    nixosVersion,
    kernelVersion,
    systemPath,
    kernelName: kernelPath ? closureEntryName(kernelPath).name : null,
    toplevelName: closureEntryName(r.storePath).name,
    specialisationPaths: [...specialisations.values()],
  };
}

export async function diffClosures(ctx: AppContext, params: { from: ClosureRef; to: ClosureRef }): Promise<ClosureDiff> {
  // The profile is read only to name store paths by their generation number.
  const needLinks = typeof params.from !== 'number' || typeof params.to !== 'number';
  const [from, to, links] = await Promise.all([resolveRef(ctx, params.from), resolveRef(ctx, params.to), needLinks ? listProfileLinks(ctx.host.systemProfile) : []]);
  const [a, b] = await Promise.all([readSide(ctx, from), readSide(ctx, to)]);
  const swPaths = [...new Set([a.systemPath, b.systemPath].filter((p): p is string => p !== null))];
  // The packages the configuration asked for are the direct references of each side's sw/.
  // What is not cached comes from one read of Nix's database (a few ms), else from nix itself.
  const { closures, references } = cachesOf(ctx);
  const refKey = swPaths.join(' ');
  const missing = [...new Set([from.storePath, to.storePath])].filter((p) => !closures.has(p));
  const refsMissing = !references.has(refKey);
  if (missing.length || refsMissing) {
    const fromDb = closuresAndReferencesFromDb(ctx, missing, refsMissing ? swPaths : []);
    for (const p of missing) cached(closures, p, () => fromDb.then((db) => db?.closures.get(p) ?? closureSizes(ctx, p)));
    if (refsMissing) cached(references, refKey, () => fromDb.then((db) => db?.references ?? directReferences(ctx, swPaths)));
  }
  const [beforeSizes, afterMap, swRefs] = await Promise.all([
    cached(closures, from.storePath, () => closureSizes(ctx, from.storePath)),
    cached(closures, to.storePath, () => closureSizes(ctx, to.storePath)),
    cached(references, refKey, () => directReferences(ctx, swPaths)),
  ]);
  const requested = new Set([...swRefs].filter((p) => !swPaths.includes(p)).map((p) => closureEntryName(p).name));
  const generationByPath = new Map(links.map((l) => [l.storePath, l.generation]));
  const side = (r: Resolved, info: Awaited<ReturnType<typeof readSide>>, sizes: Map<string, number>): DiffSide => ({
    ref: r.ref,
    storePath: r.storePath,
    generation: r.generation ?? generationByPath.get(r.storePath) ?? null,
    nixosVersion: info.nixosVersion,
    kernelVersion: info.kernelVersion,
    closureSize: total(sizes),
    paths: sizes.size,
  });
  const fromSide = side(from, a, beforeSizes);
  const toSide = side(to, b, afterMap);
  // A specialisation's toplevel (nixos-system-<host>-<tag>-<version>) is a whole system inside the
  // closure, not a package: its own packages are counted, it is not listed itself.
  const specialisations = new Set([...a.specialisationPaths, ...b.specialisationPaths]);
  // a side that is itself a specialisation (running one) still counts as that side's system
  specialisations.delete(from.storePath);
  specialisations.delete(to.storePath);
  const packages = (sizes: Map<string, number>) => [...sizes.keys()].filter((p) => !specialisations.has(p));
  const before = group(packages(beforeSizes));
  const after = group(packages(afterMap));
  const names = sortByteOrder([...new Set([...before.keys(), ...after.keys()])]);
  const kernelNames = new Set([a.kernelName, b.kernelName].filter((n): n is string => n !== null));
  const toplevelNames = new Set([a.toplevelName, b.toplevelName]);
  const changes: ClosureChange[] = [];
  for (const name of names) {
    const bv = before.get(name);
    const av = after.get(name);
    if (bv && av && sameGroup(bv, av)) continue; // the very same store paths: nothing changed
    const sizeDelta = groupSize(afterMap, av) - groupSize(beforeSizes, bv);
    const beforeVersions = [...(bv?.keys() ?? [])].sort(byteOrder);
    const afterVersions = [...(av?.keys() ?? [])].sort(byteOrder);
    const removed = beforeVersions.filter((v) => !av?.has(v));
    const added = afterVersions.filter((v) => !bv?.has(v));
    if (!removed.length && !added.length && Math.abs(sizeDelta) < SIZE_THRESHOLD) continue;
    changes.push({
      name,
      before: beforeVersions,
      after: afterVersions,
      sizeDelta,
      kind: kindOf(beforeVersions, afterVersions, removed, added),
      requested: requested.has(name),
      highlight: kernelNames.has(name) ? 'kernel' : toplevelNames.has(name) ? 'nixos' : null,
    });
  }
  const counts = { added: 0, removed: 0, upgraded: 0, downgraded: 0, changed: 0 };
  for (const c of changes) counts[c.kind]++;
  return {
    from: fromSide,
    to: toSide,
    changes,
    closureSizeDelta: toSide.closureSize - fromSide.closureSize,
    counts,
    highlights: {
      kernel: { before: a.kernelVersion, after: b.kernelVersion, changed: a.kernelVersion !== b.kernelVersion },
      nixosVersion: { before: a.nixosVersion, after: b.nixosVersion, changed: a.nixosVersion !== b.nixosVersion },
    },
  };
}
