import { access, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { DeleteGenerationsParams, DeleteGenerationsResult, GcResult, ProtectedReason } from '../../../shared/contract/system';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { closureOf, queryPathInfo, sumNarSize } from './closure';
import { describeReasons, protectedGenerations } from '../../core/generations-running';
import { currentGeneration, listProfileLinks, type ProfileLink } from './profile';

/**
 * Deleting old generations and collecting garbage. The current generation (boot default), the running
 * and the booted one are never deleted: checked here for the preview, and again as root in the helper.
 */

const DAY_SECONDS = 24 * 60 * 60;

export { describeReasons, protectedGenerations } from '../../core/generations-running';

/**
 * "Keep N" is `nix-env --delete-generations +N` (Nix's deleteGenerationsGreaterThan, src/libstore/profiles.cc,
 * the same in Nix 2.8 and 2.26): counting from the current generation (the profile's link, the boot
 * default) towards older ones, the current one and the N-1 before it stay; every generation newer than
 * the current one stays too (after a rollback they are the ones you may want back). Without a current
 * generation Nix deletes nothing.
 */
export function beyondNewest<T extends { generation: number }>(links: T[], keep: number, current: number | null): T[] {
  const newestFirst = [...links].sort((a, b) => b.generation - a.generation);
  const at = newestFirst.findIndex((l) => l.generation === current);
  if (at < 0) return [];
  return newestFirst.slice(at + keep);
}

/**
 * Which generations a rule picks. "Older than D days" is Nix's deleteGenerationsOlderThan: going from
 * the newest generation number down, the first one made before the cutoff (link mtime, whole seconds)
 * stays, because it was the system in use at that moment; every older one goes.
 */
function select(links: ProfileLink[], params: DeleteGenerationsParams, now: number, current: number | null): { chosen: ProfileLink[]; activeAtCutoff: number | null } {
  if ('olderThanDays' in params) {
    const cutoff = Math.floor(now / 1000) - params.olderThanDays * DAY_SECONDS;
    const newestFirst = [...links].sort((a, b) => b.generation - a.generation);
    const active = newestFirst.findIndex((l) => Math.floor(l.date.getTime() / 1000) < cutoff);
    if (active < 0) return { chosen: [], activeAtCutoff: null };
    return { chosen: newestFirst.slice(active + 1), activeAtCutoff: newestFirst[active]!.generation };
  }
  if ('keepNewest' in params) return { chosen: beyondNewest(links, params.keepNewest, current), activeAtCutoff: null };
  const wanted = new Set(params.generations);
  const missing = [...wanted].filter((n) => !links.some((l) => l.generation === n));
  if (missing.length) throw new AppError('not-found', `Generation${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist.`);
  return { chosen: links.filter((l) => wanted.has(l.generation)), activeAtCutoff: null };
}

/** The generations a rule deletes (protected ones left out, oldest first), without looking at the store: for the pre-flight. */
export async function generationsToDelete(ctx: AppContext, rule: { olderThanDays: number } | { keepNewest: number }, now = Date.now()): Promise<{ links: ProfileLink[]; deleting: ProfileLink[] }> {
  const links = await listProfileLinks(ctx.host.systemProfile);
  const protectedMap = await protectedGenerations(ctx.host, links);
  const { chosen } = select(links, { ...rule, dryRun: true }, now, await currentGeneration(ctx.host.systemProfile));
  return { links, deleting: chosen.filter((l) => !protectedMap.has(l.generation)).sort((a, b) => a.generation - b.generation) };
}

/** `nix-store --gc --print-roots`: "<root> -> <store path>" a line. */
export function parseRoots(stdout: string): { root: string; target: string }[] {
  const out: { root: string; target: string }[] = [];
  for (const line of stdout.split('\n')) {
    const i = line.lastIndexOf(' -> ');
    if (i > 0) out.push({ root: line.slice(0, i), target: line.slice(i + 4).trim() });
  }
  return out;
}

async function canonicalLink(p: string): Promise<string> {
  const dir = await realpath(path.dirname(p)).catch(() => path.dirname(p));
  return path.join(dir, path.basename(p));
}

/**
 * Space the deletion makes collectable: paths in the deleted generations' closures that no other GC root
 * reaches. With the full root list from Nix this is what the next garbage collection frees because of
 * the deletion; without it (not allowed to list roots) only the profile's other generations count, an estimate.
 */
async function freeableAfterDeleting(ctx: AppContext, deleting: ProfileLink[], allLinks: ProfileLink[]): Promise<{ bytes: number; paths: number; basis: DeleteGenerationsResult['basis'] }> {
  if (!deleting.length) return { bytes: 0, paths: 0, basis: 'all-gc-roots' };
  const deletingLinks = new Set(await Promise.all(deleting.map((l) => canonicalLink(l.link))));
  const deletingNumbers = new Set(deleting.map((l) => l.generation));
  let keep: string[];
  let basis: DeleteGenerationsResult['basis'];
  try {
    const { stdout } = await ctx.runner.run('nix-store', ['--gc', '--print-roots'], { timeoutMs: 120_000 });
    const roots = parseRoots(stdout);
    const storeDir = path.resolve(ctx.host.nixStoreDir) + '/';
    const dirs = new Map<string, Promise<string>>();
    const canonical = (p: string) => {
      const dir = path.dirname(p);
      if (!dirs.has(dir)) dirs.set(dir, realpath(dir).catch(() => dir));
      return dirs.get(dir)!.then((d) => path.join(d, path.basename(p)));
    };
    const kept = await Promise.all(roots.map(async (r) => (deletingLinks.has(await canonical(r.root)) ? null : r.target)));
    keep = kept.filter((t): t is string => t !== null && t.startsWith(storeDir)).map((t) => storeDir + t.slice(storeDir.length).split('/')[0]);
    basis = 'all-gc-roots';
  } catch {
    keep = allLinks.filter((l) => !deletingNumbers.has(l.generation)).map((l) => l.storePath);
    basis = 'generations-only';
  }
  const deletingTargets = deleting.map((l) => l.storePath);
  // A root may point at a path that is gone or was never registered; Nix refuses the whole query then.
  keep = (await Promise.all(keep.map((p) => access(p).then(() => p, () => null)))).filter((p): p is string => p !== null);
  let infos: Awaited<ReturnType<typeof queryPathInfo>> | null = null;
  for (let attempt = 0; !infos; attempt++) {
    try {
      infos = await queryPathInfo(ctx, [...new Set([...keep, ...deletingTargets])], { recursive: true });
    } catch (err) {
      const invalid = err instanceof AppError && err.code === 'not-found' ? /^(\S+) is not in the Nix store/.exec(err.message)?.[1] : undefined;
      if (invalid && attempt < 50 && keep.includes(invalid)) {
        keep = keep.filter((p) => p !== invalid);
        continue;
      }
      // The store changed under us (a collection running elsewhere): count this profile alone.
      if (basis === 'generations-only' || deletingTargets.includes(invalid ?? '')) throw err;
      basis = 'generations-only';
      keep = allLinks.filter((l) => !deletingNumbers.has(l.generation)).map((l) => l.storePath);
    }
  }
  const alive = closureOf(infos, keep);
  const freed = [...closureOf(infos, deletingTargets)].filter((p) => !alive.has(p));
  return { bytes: sumNarSize(infos, freed), paths: freed.length, basis };
}

export async function deleteGenerations(ctx: AppContext, params: DeleteGenerationsParams): Promise<DeleteGenerationsResult> {
  const links = await listProfileLinks(ctx.host.systemProfile);
  if (!links.length) throw new AppError('not-found', `There is no system profile at ${ctx.host.systemProfile}.`);
  const protectedMap = await protectedGenerations(ctx.host, links);
  const { chosen, activeAtCutoff } = select(links, params, Date.now(), await currentGeneration(ctx.host.systemProfile));
  const skipped = chosen.filter((l) => protectedMap.has(l.generation)).map((l) => ({ generation: l.generation, reasons: protectedMap.get(l.generation)! }));
  if ('generations' in params && skipped.length) {
    throw new AppError(
      'refused',
      skipped.map((s) => `Generation ${s.generation} cannot be deleted: it is ${describeReasons(s.reasons)}.`).join(' ') + ' Deleting it could leave the machine without a working system to boot or roll back to.',
    );
  }
  const deleting = chosen.filter((l) => !protectedMap.has(l.generation)).sort((a, b) => a.generation - b.generation);
  const freeable = await freeableAfterDeleting(ctx, deleting, links);
  const result: DeleteGenerationsResult = {
    dryRun: params.dryRun,
    generations: deleting.map((l) => l.generation),
    protected: skipped,
    remaining: links.length - deleting.length,
    activeAtCutoff,
    freeableBytes: freeable.bytes,
    freeablePaths: freeable.paths,
    basis: freeable.basis,
  };
  if (params.dryRun || !deleting.length) return result;

  const busy = ctx.jobs.running('system');
  if (busy.length) throw new AppError('busy', `"${busy[0]!.title}" is still running. Wait for it to finish before deleting generations.`);
  await ctx.privileged.run('delete-generations', { generations: result.generations });
  ctx.events.emit({ topic: 'changed', what: 'system-profile' });
  return result;
}

export { parseGcSummary } from '../../core/nix';

export async function collectGarbage(ctx: AppContext, job: JobContext): Promise<GcResult> {
  job.phase('collect', 'Finding and deleting unused store paths', { cancellable: true });
  const value = await ctx.privileged.run('gc', {}, {
    signal: job.signal,
    job,
  });
  ctx.events.emit({ topic: 'changed', what: 'system-profile' });
  return value;
}
