import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SystemStatus } from '../../../shared/contract/system';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { resolveHomeManagerProfile } from '../home/profile-path';
import { listRootChannels } from './channels';
import { matchSystem, matchedGeneration } from './generations-running';

export { readChannelList, releaseFromChannelPath } from './channels';
import { currentGeneration, generationDate, listProfileLinks, readTrimmed, resolveStorePath, type ProfileLink } from './profile';
import { pathExists } from '../../paths';
import { restartNeeded } from './restart-needed';


export async function readOsRelease(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}

export async function nixVersion(ctx: AppContext): Promise<string | null> {
  try {
    const { stdout } = await ctx.runner.run('nix', ['--version'], { timeoutMs: 10_000 });
    return /(\d+\.\d+(?:\.\d+)?(?:[\w.+-]*)?)/.exec(stdout)?.[1] ?? stdout.trim();
  } catch (err) {
    if (err instanceof AppError && err.code === 'command-missing') return null;
    throw err;
  }
}

/** The generation a system link is (a running specialisation is its generation's), with the system's own store path; generation 0 outside the profile. */
async function findByStorePath(links: ProfileLink[], systemPath: string, current: number | null) {
  const match = await matchSystem(links, systemPath);
  if (!match) return null;
  const link = links.find((l) => l.generation === matchedGeneration(match, current));
  return link ? { ...link, storePath: match.storePath } : { generation: 0, link: systemPath, storePath: match.storePath, date: new Date(0) };
}

async function toRef(link: ProfileLink | null | undefined) {
  if (!link) return null;
  return {
    generation: link.generation,
    storePath: link.storePath,
    nixosVersion: (await readTrimmed(path.join(link.storePath, 'nixos-version'))) ?? 'unknown',
    date: generationDate(link.date),
  };
}

const generationName = (n: number | null) => (n === 0 ? 'a system that is not in the profile' : `generation ${n}`);

/**
 * Plain words for when the profile (boot default) and the running system disagree. The booted system
 * differs from the running one after every switch, which is normal: what needs a restart is told by
 * `restartNeeded` (restart-needed.ts), not here.
 */
export function disagreementWarnings(current: number | null, running: number | null): string[] {
  const warnings: string[] = [];
  if (current !== null && running !== null && current !== running) {
    warnings.push(
      `The boot default is generation ${current}, but ${generationName(running)} is running. This is normal after "test" or "boot", or a rollback without switching: the next reboot starts generation ${current}.`,
    );
  }
  return warnings;
}

export async function systemStatus(ctx: AppContext): Promise<SystemStatus> {
  const { host } = ctx;
  const [osRelease, markerExists, nix, links, currentNumber, hmProfile] = await Promise.all([
    readOsRelease(host.osReleaseFile),
    pathExists(host.nixosMarkerFile),
    nixVersion(ctx),
    listProfileLinks(host.systemProfile),
    currentGeneration(host.systemProfile),
    resolveHomeManagerProfile(host),
  ]);
  const isNixOS = markerExists || osRelease.ID === 'nixos';
  const currentLink = links.find((l) => l.generation === currentNumber) ?? null;
  const [running, booted] = await Promise.all([findByStorePath(links, host.currentSystem, currentNumber), findByStorePath(links, host.bootedSystem, currentNumber)]);
  const hasFlake = await pathExists(path.join(host.nixosConfigDir, 'flake.nix'));
  const channels = await listRootChannels(ctx);
  const hmLinks = hmProfile ? await listProfileLinks(hmProfile) : [];
  const runningVersion = running ? await readTrimmed(path.join(running.storePath, 'nixos-version')) : null;

  return {
    isNixOS,
    osName: osRelease.PRETTY_NAME ?? osRelease.NAME ?? process.platform,
    hostname: host.hostname,
    nix: { installed: nix !== null, version: nix },
    nixosVersion: isNixOS ? (runningVersion ?? osRelease.VERSION_ID ?? null) : null,
    current: await toRef(currentLink),
    running: await toRef(running),
    booted: await toRef(booted),
    warnings: isNixOS ? disagreementWarnings(currentNumber, running?.generation ?? null) : [],
    restart:
      isNixOS && running && booted
        ? await restartNeeded(host.nixStoreDir, { path: host.bootedSystem, name: generationName(booted.generation) }, { path: host.currentSystem, name: generationName(running.generation) })
        : null,
    configuration: {
      kind: hasFlake ? 'flake' : channels.length ? 'channels' : 'none',
      dir: host.nixosConfigDir,
      channels,
      flakeAttribute: hasFlake ? `nixosConfigurations.${host.hostname}` : null,
    },
    homeManager: { installed: hmLinks.length > 0, profile: hmProfile, generations: hmLinks.length },
    generationCount: links.length,
  };
}

/** Sum of every valid store path's NAR size, as nix itself records it. */
export async function storeSize(ctx: AppContext): Promise<{ bytes: number; paths: number }> {
  const { stdout } = await ctx.runner.run('nix', ['--extra-experimental-features', 'nix-command', 'path-info', '--all', '--json'], { timeoutMs: 120_000 });
  const parsed = JSON.parse(stdout) as unknown;
  const infos: { narSize?: number }[] = Array.isArray(parsed) ? parsed : Object.values(parsed as Record<string, { narSize?: number }>);
  return { bytes: infos.reduce((sum, i) => sum + (i?.narSize ?? 0), 0), paths: infos.length };
}
