import { lstat, readdir, readlink, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { HomeExpireResult } from '../../../shared/contract/home';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { currentGeneration, listProfileLinks } from '../system/profile';
import { homeManagerProfile } from './profile-path';

/**
 * `date -d "-D days"`: the same wall-clock time D calendar days ago, in local time (so across a
 * daylight-saving change it is not exactly D × 24 hours), as `home-manager expire-generations "-D days"`
 * reads its argument.
 */
export function daysAgo(now: Date, days: number): Date {
  const d = new Date(now);
  d.setDate(d.getDate() - days);
  return d;
}

/**
 * The profiles `nix-collect-garbage -d` run as this user visits, and the old generations it deletes
 * there (all but each profile's current one): the user's profile folder (~/.local/state/nix/profiles,
 * Nix >= 2.14) and /nix/var/nix/profiles/per-user/<user>, where the user may write. A profile is a link
 * whose target names a generation link, as Nix checks it.
 */
async function collectGarbageDProfiles(ctx: AppContext): Promise<{ profile: string; current: number | null; generations: number[] }[]> {
  const dirs = [
    path.join(process.env.XDG_STATE_HOME || path.join(ctx.host.homeDir, '.local/state'), 'nix/profiles'),
    path.join(process.env.NIX_STATE_DIR || '/nix/var/nix', 'profiles/per-user', ctx.host.userName),
  ];
  const seen = new Set<string>();
  const out: { profile: string; current: number | null; generations: number[] }[] = [];
  for (const dir of dirs) {
    const real = await realpath(dir).catch(() => null);
    if (!real || seen.has(real)) continue;
    seen.add(real);
    for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
      const profile = path.join(dir, name);
      const st = await lstat(profile).catch(() => null);
      const target = st?.isSymbolicLink() ? await readlink(profile).catch(() => '') : '';
      if (!target.includes('link') || /-\d+-link$/.test(name)) continue;
      const [links, current] = await Promise.all([listProfileLinks(profile), currentGeneration(profile)]);
      out.push({ profile, current, generations: links.map((l) => l.generation).filter((g) => g !== current) });
    }
  }
  return out;
}

/**
 * What `home-manager expire-generations "-D days"` does: every `home-manager-N-link` whose own date is
 * not after the cut-off (`find -not -newermt`) is removed like `remove-generations` removes it, except
 * the current one. Unlike `nix-collect-garbage --delete-older-than`, the generation that was in use at
 * the cut-off is not kept. Also says what `nix-collect-garbage -d` would delete beyond that.
 */
export async function expireHomeGenerations(ctx: AppContext, params: { olderThanDays: number; dryRun: boolean }, now = new Date()): Promise<HomeExpireResult> {
  const profile = await homeManagerProfile(ctx.host);
  const [links, current] = await Promise.all([listProfileLinks(profile), currentGeneration(profile)]);
  const cutoff = daysAgo(now, params.olderThanDays);
  const old = links.filter((l) => l.date.getTime() <= cutoff.getTime());
  const generations = old.filter((l) => l.generation !== current).map((l) => l.generation);
  const keptCurrent = old.some((l) => l.generation === current) ? current : null;
  const beyond = (await collectGarbageDProfiles(ctx))
    .map((p) => ({ ...p, generations: p.profile === profile ? p.generations.filter((g) => !generations.includes(g)) : p.generations }))
    .filter((p) => p.generations.length > 0);
  const result: HomeExpireResult = {
    dryRun: params.dryRun,
    profile,
    cutoff: cutoff.toISOString(),
    generations,
    keptCurrent,
    remaining: links.length - generations.length,
    beyond,
  };
  if (params.dryRun || !generations.length) return result;
  const busy = ctx.jobs.running('home');
  if (busy.length) throw new AppError('busy', `"${busy[0]!.title}" is still running. Wait for it to finish before removing Home Manager generations.`);
  // the profile may have moved since the preview: never remove the generation that is current now
  const nowCurrent = await currentGeneration(profile);
  for (const l of old) if (l.generation !== nowCurrent) await unlink(l.link).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  ctx.events.emit({ topic: 'changed', what: 'home-profile' });
  return { ...result, generations: old.filter((l) => l.generation !== nowCurrent).map((l) => l.generation) };
}
