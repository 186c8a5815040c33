import { lstat, readFile, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { profileMovedMessage } from '../../shared/rollback';
import { AppError } from '../errors';

/** One `<profile>-N-link` of a nix profile, read without spawning anything. */
export interface ProfileLink {
  generation: number;
  link: string;
  storePath: string;
  /** the link's own mtime: when the generation was made (ctime moves on GC/optimise) */
  date: Date;
}

const linkPattern = (profileName: string) => new RegExp(`^${profileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)-link$`);

export async function listProfileLinks(profile: string): Promise<ProfileLink[]> {
  const dir = path.dirname(profile);
  const pattern = linkPattern(path.basename(profile));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const links = await Promise.all(
    names.map(async (name) => {
      const m = pattern.exec(name);
      if (!m) return null;
      const link = path.join(dir, name);
      // a file or folder that only looks like a generation, or a link deleted meanwhile, is no generation
      const [target, st] = await Promise.all([readlink(link), lstat(link)]).catch(() => [null, null] as const);
      if (target === null || !st.isSymbolicLink()) return null;
      return { generation: Number(m[1]), link, storePath: path.resolve(dir, target), date: st.mtime } satisfies ProfileLink;
    }),
  );
  return links.filter((l): l is ProfileLink => l !== null).sort((a, b) => a.generation - b.generation);
}

/**
 * A generation's date as nixos-rebuild prints it: the link's mtime in whole seconds (what `stat -c %Y`
 * gives), ISO 8601 in UTC ("2024-05-01T12:00:00Z", the form of jq's todate).
 */
export function generationDate(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The generation number the profile symlink points at (profile -> profile-N-link), or null. */
export async function currentGeneration(profile: string): Promise<number | null> {
  try {
    const target = await readlink(profile);
    const m = linkPattern(path.basename(profile)).exec(path.basename(target));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export async function resolveStorePath(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch {
    return null;
  }
}

export async function readTrimmed(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

/** The system profile's generations and which one is current, read together. */
export async function readSystemProfile(profile: string): Promise<{ links: ProfileLink[]; current: number | null }> {
  const [links, current] = await Promise.all([listProfileLinks(profile), currentGeneration(profile)]);
  return { links, current };
}

export function requireGeneration(links: ProfileLink[], generation: number): ProfileLink {
  const link = links.find((l) => l.generation === generation);
  if (!link) throw new AppError('not-found', `Generation ${generation} does not exist in the system profile.`);
  return link;
}

/** Refuse when the profile is not where the person saw it (checked by the app, and again as root). */
export function requireCurrent(current: number | null, expected: number | null): void {
  if (current !== expected) throw new AppError('conflict', profileMovedMessage('system', current));
}
