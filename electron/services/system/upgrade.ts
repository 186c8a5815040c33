/** Shared with the root helper: electron/core/channels.ts. */
export { channelUpdateFailed, NOTHING_TO_UPGRADE, upgradeChannelNames } from '../../core/channels';
