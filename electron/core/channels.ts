import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ChannelInfo } from '../../shared/contract/system';
import { AppError } from '../errors';
import type { Host } from '../host';
import { readTrimmed, resolveStorePath } from './profile';

/**
 * Root channels as they are on disk: the list in root's ~/.nix-channels (URL and name) and the channels
 * profile (`/nix/var/nix/profiles/per-user/root/channels/<name>`, what `nix-channel --update` last unpacked).
 * Read by the app and, before it runs nix-channel, by the root helper.
 */

const exists = (p: string) => access(p).then(() => true, () => false);

export const CHANNEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/**
 * Channel URLs must be https (plain http only to 127.0.0.1, and only when the host allows it for tests),
 * without a user name, password or spaces. Checked by the app, and again by the root helper.
 */
export function checkChannelUrl(host: Pick<Host, 'allowHttpLoopbackChannels'>, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('refused', `"${raw.slice(0, 200)}" is not a web address.`);
  }
  const loopbackHttp = host.allowHttpLoopbackChannels && url.protocol === 'http:' && url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !loopbackHttp) {
    throw new AppError('refused', 'Channel addresses must start with https:// so that nobody on the network can change what you download.', raw);
  }
  if (url.username || url.password || /\s/.test(raw)) throw new AppError('refused', 'Channel addresses must not contain a user name, a password or spaces.');
  return url;
}

/** `/nix/store/<hash>-nixos-24.11.716.abc/nixos` -> `nixos-24.11.716.abc` */
export function releaseFromChannelPath(storePath: string | null): string | null {
  if (!storePath) return null;
  const holder = path.basename(path.dirname(storePath));
  const m = /^[0-9a-z]{32}-(.+)$/.exec(holder);
  return m ? m[1]! : null;
}

/** Read ~/.nix-channels the way nix-channel does: "<url> [name]" a line, # comments, trailing slashes dropped, name defaults to the URL's last part. */
export async function readChannelList(file: string): Promise<Map<string, string>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const map = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || /^\s*#/.test(line)) continue;
    const parts = line.split(' ').filter(Boolean);
    const url = parts[0]!.replace(/\/*$/, '');
    const name = parts[1] ?? url.slice(url.lastIndexOf('/') + 1);
    map.set(name, url);
  }
  return map;
}

export async function listChannelDetails(host: Host): Promise<ChannelInfo[]> {
  const urls = await readChannelList(host.rootChannelsFile);
  const names = await readdir(host.rootChannelsDir).catch(() => [] as string[]);
  const installed = names.filter((n) => n !== 'manifest.nix' && n !== 'binary-caches' && !n.startsWith('.'));
  const channels = await Promise.all(
    [...new Set([...installed, ...urls.keys()])].map(async (name): Promise<ChannelInfo> => {
      const dir = path.join(host.rootChannelsDir, name);
      const storePath = installed.includes(name) ? await resolveStorePath(dir) : null;
      const [version, suffix, revision, updateOnRebuild] = storePath
        ? await Promise.all([readTrimmed(path.join(dir, '.version')), readTrimmed(path.join(dir, '.version-suffix')), readTrimmed(path.join(dir, '.git-revision')), exists(path.join(dir, '.update-on-nixos-rebuild'))])
        : [null, null, null, false];
      return {
        name,
        url: urls.get(name) ?? null,
        release: releaseFromChannelPath(storePath),
        version: version ? version + (suffix ?? '') : null,
        revision: revision || null,
        storePath,
        installed: storePath !== null,
        updateOnRebuild,
      };
    }),
  );
  return channels.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The channels `nixos-rebuild --upgrade` updates (nixos-rebuild-ng's nix.upgrade_channels, like the Bash
 * one): root's "nixos" channel and every channel holding a `.update-on-nixos-rebuild` file. Only channels
 * in root's channel list can be updated (nix-channel skips other names).
 */
export async function upgradeChannelNames(host: Host): Promise<string[]> {
  const channels = await listChannelDetails(host);
  return channels.filter((c) => c.url && c.installed && (c.name === 'nixos' || c.updateOnRebuild)).map((c) => c.name);
}

export const NOTHING_TO_UPGRADE =
  'Nothing to update: root has no "nixos" channel (and no channel marked to update with a rebuild). Add the channel in the Channels tab, or rebuild without updating.';

export function channelUpdateFailed(names: string[]): string {
  return `Updating the channel${names.length > 1 ? 's' : ''} ${names.join(', ')} failed, so nothing was built: the system would have been rebuilt from the old channel. Check the network connection, then try again (or rebuild without updating).`;
}
