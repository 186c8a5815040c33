import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from './concurrency';
import type { ProtectedReason } from '../../shared/contract/system';
import type { Host } from '../host';
import { currentGeneration, resolveStorePath, type ProfileLink } from './profile';

/**
 * Which generation a system link (/run/current-system, /run/booted-system) is. A NixOS specialisation
 * runs as its own store path: `<toplevel>/specialisation/<name>` links to it, and switching to it
 * (`nixos-rebuild switch --specialisation <name>`, or its own switch-to-configuration) points
 * /run/current-system there. That system is still its generation: running, booted, never deleted.
 */

export interface SystemMatch {
  /** the system link's store path */
  storePath: string;
  /** generations whose toplevel it is, or whose specialisation it is; [] = a system outside the profile */
  generations: number[];
  /** the specialisation's name when the system is one, else null */
  specialisation: string | null;
}

const SCAN_CONCURRENCY = 32;

/** `<toplevel>/specialisation/<name>` -> store path, for each entry that resolves. */
export async function specialisationPaths(toplevel: string): Promise<Map<string, string>> {
  const dir = path.join(toplevel, 'specialisation');
  const names = await readdir(dir).catch(() => [] as string[]);
  const out = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const target = await resolveStorePath(path.join(dir, name));
      if (target) out.set(name, target);
    }),
  );
  return out;
}

export async function matchSystem(links: ProfileLink[], systemLink: string): Promise<SystemMatch | null> {
  const storePath = await resolveStorePath(systemLink);
  if (!storePath) return null;
  const direct = links.filter((l) => l.storePath === storePath).map((l) => l.generation);
  if (direct.length) return { storePath, generations: direct, specialisation: null };
  // Not a toplevel of the profile: look for it among their specialisations (only then, it costs a read per generation).
  const found = await mapLimit(links, SCAN_CONCURRENCY, async (l) => {
    for (const [name, target] of await specialisationPaths(l.storePath)) if (target === storePath) return { generation: l.generation, name };
    return null;
  });
  const hits = found.filter((f): f is { generation: number; name: string } => f !== null);
  return { storePath, generations: hits.map((h) => h.generation), specialisation: hits[0]?.name ?? null };
}

/** The one generation a match is: the current one when it is among them, else the newest; 0 when none; null without a system. */
export function matchedGeneration(match: SystemMatch | null, current: number | null): number | null {
  if (!match) return null;
  if (!match.generations.length) return 0;
  if (current !== null && match.generations.includes(current)) return current;
  return Math.max(...match.generations);
}

/** The generations never deleted: the boot default, and the running and booted ones (a running or booted specialisation counts as its generation). */
export async function protectedGenerations(host: Pick<Host, 'systemProfile' | 'currentSystem' | 'bootedSystem'>, links: ProfileLink[]): Promise<Map<number, ProtectedReason[]>> {
  // a running or booted specialisation protects its generation
  const [currentNumber, running, booted] = await Promise.all([currentGeneration(host.systemProfile), matchSystem(links, host.currentSystem), matchSystem(links, host.bootedSystem)]);
  const out = new Map<number, ProtectedReason[]>();
  for (const l of links) {
    const reasons: ProtectedReason[] = [];
    if (l.generation === currentNumber) reasons.push('current');
    if (running?.generations.includes(l.generation)) reasons.push('running');
    if (booted?.generations.includes(l.generation)) reasons.push('booted');
    if (reasons.length) out.set(l.generation, reasons);
  }
  return out;
}

const reasonWords: Record<ProtectedReason, string> = { current: 'the boot default', running: 'running now', booted: 'what the machine booted' };
export const describeReasons = (reasons: ProtectedReason[]) => reasons.map((r) => reasonWords[r]).join(', ');
