import type { Host } from '../../host';
import { listChannelDetails } from './channels';

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
