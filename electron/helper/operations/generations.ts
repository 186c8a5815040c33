import { mkdir, lstat, readlink, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../errors';
import { CommandRunner } from '../../core/process';
import type { Host } from '../../host';
import { checkChannelUrl, readChannelList } from '../../core/channels';
import { describeReasons, protectedGenerations } from '../../core/generations-running';
import { parseGcSummary } from '../../core/nix';
import { listProfileLinks } from '../../core/profile';
import type { HelperIO } from '../io';
import type { HelperImplementations } from './types';

/**
 * Root operations on the system profile, the store and the root channels. Every argument is checked
 * again here: generation numbers must exist and must not be the current, running or booted one;
 * channel names and URLs must be plain.
 */

function logLines(io: HelperIO) {
  return (stream: 'stdout' | 'stderr', line: string) => io.log(line, stream);
}

/**
 * nix-channel has no option for where its files are: it uses $HOME/.nix-channels and
 * `$NIX_STATE_DIR/profiles/per-user/<user>/channels`. On a real system those are the host's paths
 * already. When the host names other places (a test fixture), we point HOME at the list's folder and
 * NIX_STATE_DIR at a state folder whose per-user dir leads to the channels profile, while the store
 * itself stays the real one (`store = local?state=<real state dir>`).
 */
async function nixChannelEnv(host: Host): Promise<Record<string, string>> {
  if (path.basename(host.rootChannelsFile) !== '.nix-channels') {
    throw new AppError('unsupported', `nix-channel can only use a list file called .nix-channels; the host names ${host.rootChannelsFile}.`);
  }
  const env: Record<string, string> = { HOME: path.dirname(host.rootChannelsFile) };
  const user = os.userInfo().username;
  const realState = process.env.NIX_STATE_DIR || '/nix/var/nix';
  const profile = path.resolve(host.rootChannelsDir);
  if (profile === path.join(realState, 'profiles/per-user', user, 'channels')) return env;
  if (path.basename(profile) !== 'channels') throw new AppError('unsupported', `nix-channel keeps its profile in a folder entry called "channels"; the host names ${profile}.`);
  const perUser = path.dirname(profile);
  let stateDir: string;
  if (path.basename(path.dirname(perUser)) === 'per-user' && path.basename(perUser) === user && path.basename(path.dirname(path.dirname(perUser))) === 'profiles') {
    stateDir = path.dirname(path.dirname(path.dirname(perUser)));
  } else {
    // Kept, not temporary: nix registers the profile's generations as GC roots under this path.
    stateDir = path.join(perUser, '.nix-channel-state');
    const link = path.join(stateDir, 'profiles/per-user', user);
    await mkdir(path.dirname(link), { recursive: true });
    const existing = await lstat(link).then((s) => (s.isSymbolicLink() ? readlink(link) : 'not-a-link'), () => null);
    if (existing === null) await symlink(perUser, link);
    else if (existing !== perUser) throw new AppError('conflict', `${link} exists and does not lead to ${perUser}.`);
  }
  await mkdir(perUser, { recursive: true });
  env.NIX_STATE_DIR = stateDir;
  env.NIX_CONFIG = [process.env.NIX_CONFIG, `store = local?state=${realState}`].filter(Boolean).join('\n');
  return env;
}

export const generationsOperations = {
  'delete-generations': async (args, io) => {
    const profile = io.host.systemProfile;
    const links = await listProfileLinks(profile);
    const missing = args.generations.filter((n) => !links.some((l) => l.generation === n));
    if (missing.length) throw new AppError('refused', `Generation ${missing.join(', ')} does not exist, so nothing was deleted.`);
    const protectedMap = await protectedGenerations(io.host, links);
    const blocked = args.generations.filter((n) => protectedMap.has(n));
    if (blocked.length) {
      throw new AppError('refused', blocked.map((n) => `Generation ${n} is ${describeReasons(protectedMap.get(n)!)} and is never deleted.`).join(' ') + ' Nothing was deleted.');
    }
    const sorted = [...args.generations].sort((a, b) => a - b);
    io.phase('delete', `Deleting generation${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}`, false);
    await new CommandRunner(io.host).run('nix-env', ['-p', profile, '--delete-generations', ...sorted.map(String)], { onLine: logLines(io), buffer: true, timeoutMs: 300_000 });
    return { deleted: sorted };
  },
  gc: async (_args, io) => {
    const runner = new CommandRunner(io.host);
    // No separate --print-dead pass for a total: it would walk the whole store twice.
    io.phase('collect', 'Finding and deleting unused store paths', true);
    let deleted = 0;
    let lastReport = 0;
    let summary: { pathsDeleted: number; bytesFreed: number } | null = null;
    await runner.run('nix-store', ['--gc'], {
      signal: io.signal,
      timeoutMs: 6 * 3_600_000,
      onLine: (stream, line) => {
        if (/^deleting '\/.*'$/.test(line)) {
          deleted++;
          if (Date.now() - lastReport > 250) {
            lastReport = Date.now();
            io.progress({ fraction: null, counters: { deleted }, message: `${deleted} store paths deleted so far` });
          }
        } else io.log(line, stream);
        summary = parseGcSummary(line) ?? summary;
      },
    });
    return summary ?? { pathsDeleted: deleted, bytesFreed: 0 };
  },
  'channel-add': async (args, io) => {
    checkChannelUrl(io.host, args.url);
    const url = args.url.replace(/\/+$/, '');
    const env = await nixChannelEnv(io.host);
    await new CommandRunner(io.host).run('nix-channel', ['--add', url, args.name], { env, onLine: logLines(io), buffer: true, timeoutMs: 60_000 });
    return { name: args.name, url };
  },
  'channel-remove': async (args, io) => {
    const list = await readChannelList(io.host.rootChannelsFile);
    const installed = await lstat(path.join(io.host.rootChannelsDir, args.name)).then(() => true, () => false);
    if (!list.has(args.name) && !installed) throw new AppError('refused', `There is no channel called "${args.name}".`);
    const env = await nixChannelEnv(io.host);
    await new CommandRunner(io.host).run('nix-channel', ['--remove', args.name], { env, onLine: logLines(io), buffer: true, timeoutMs: 120_000 });
    return { name: args.name };
  },
  'channel-update': async (args, io) => {
    const list = await readChannelList(io.host.rootChannelsFile);
    const unknown = args.names.filter((n) => !list.has(n));
    if (unknown.length) throw new AppError('refused', `There is no channel called ${unknown.map((n) => `"${n}"`).join(', ')}.`);
    for (const n of args.names) checkChannelUrl(io.host, list.get(n)!);
    const env = await nixChannelEnv(io.host);
    io.phase('download', `Downloading ${args.names.join(', ')}`, true);
    await new CommandRunner(io.host).run('nix-channel', ['--update', ...args.names], { env, signal: io.signal, onLine: logLines(io), buffer: true, timeoutMs: 1_800_000 });
    return { updated: args.names };
  },
} satisfies Partial<HelperImplementations>;
