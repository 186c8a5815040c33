import path from 'node:path';
import type { AppContext } from '../../context';
import { resolveHomeManagerProfile } from '../home/profile-path';
import { readReadyUpdate } from '../system/background-update';
import { matchSystem, matchedGeneration } from '../system/generations-running';
import { currentGeneration, listProfileLinks, readTrimmed, type ProfileLink } from '../system/profile';
import type { TrayGeneration, TrayProfile, TrayState } from './tray-model';

/** Versions are read only for the generations the menu can show (the last ten, the current, the rollback target). */
const VERSIONED = 12;

async function readProfile(profile: string, versionFile: string): Promise<{ profile: TrayProfile; links: ProfileLink[] }> {
  const [links, current] = await Promise.all([listProfileLinks(profile), currentGeneration(profile)]);
  const wanted = new Set(links.slice(-VERSIONED).map((l) => l.generation));
  if (current !== null) wanted.add(current);
  const generations: TrayGeneration[] = await Promise.all(
    links.map(async (l) => ({
      generation: l.generation,
      date: l.date.toISOString(),
      version: wanted.has(l.generation) ? await readTrimmed(path.join(l.storePath, versionFile)) : null,
    })),
  );
  return { profile: { generations, current }, links };
}

/** Which generation a running/booted system link is (a specialisation is its generation's): its number, 0 when it is not in the profile, null when absent. */
async function generationOf(systemLink: string, links: ProfileLink[], current: number | null): Promise<number | null> {
  return matchedGeneration(await matchSystem(links, systemLink), current);
}

/** Everything the tray menu depends on, read from the real profiles and the job manager. */
export async function readTrayState(ctx: AppContext): Promise<TrayState> {
  const { host } = ctx;
  const hmProfile = await resolveHomeManagerProfile(host);
  const [system, home, update] = await Promise.all([
    readProfile(host.systemProfile, 'nixos-version'),
    hmProfile ? readProfile(hmProfile, 'hm-version') : Promise.resolve(null),
    readReadyUpdate(ctx),
  ]);
  const current = system.profile.current;
  const [running, booted] = await Promise.all([generationOf(host.currentSystem, system.links, current), generationOf(host.bootedSystem, system.links, current)]);
  const systemJobs = new Set(ctx.jobs.running('system').map((j) => j.id));
  const homeJobs = new Set(ctx.jobs.running('home').map((j) => j.id));
  return {
    system: { ...system.profile, running, booted },
    home: home && home.links.length > 0 ? home.profile : null,
    update: update ? { id: update.id, headline: update.headline } : null,
    runningJobs: ctx.jobs.running().map((j) => ({
      id: j.id,
      title: j.title,
      group: systemJobs.has(j.id) ? 'system' : homeJobs.has(j.id) ? 'home' : 'other',
    })),
  };
}
