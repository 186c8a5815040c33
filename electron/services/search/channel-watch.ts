/**
 * Notices when the system's channel changes outside the app (`sudo nix-channel --add … nixos`, a new
 * flake.lock) and says so: the search lists of the old channel become stale, the page shows it and
 * refreshes. Watches the folders holding root's channel list, the channels profile links and the
 * configuration folder (flake.lock); rechecks a moment after the last change.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context';

export interface ChannelWatch {
  close(): void;
}

export function watchChannel(ctx: AppContext, current: () => Promise<string>, opts: { debounceMs?: number } = {}): ChannelWatch {
  const { host } = ctx;
  const watched = new Map<string, string[]>();
  const add = (dir: string, names: string[]) => watched.set(dir, [...(watched.get(dir) ?? []), ...names]);
  add(path.dirname(host.rootChannelsFile), [path.basename(host.rootChannelsFile)]);
  // the channels profile is a symlink to channels-N-link, replaced on every `nix-channel --update`
  add(path.dirname(host.rootChannelsDir), [path.basename(host.rootChannelsDir)]);
  add(host.nixosConfigDir, ['flake.lock', 'flake.nix']);

  let last: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const recheck = async () => {
    const now = await current().catch(() => null);
    if (closed || now === null) return;
    if (last !== null && now !== last) ctx.events.emit({ topic: 'changed', what: 'search-sources' });
    last = now;
  };
  const soon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void recheck(), opts.debounceMs ?? 400);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of watched) {
    try {
      const w = watch(dir, { persistent: false }, (_event, file) => {
        if (!file || names.some((n) => file === n || file.startsWith(`${n}-`) || file.startsWith(`.${n}`))) soon();
      });
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      /* a folder that does not exist (no channels, no /etc/nixos): nothing to watch there */
    }
  }
  // the app's own channel changes (system page) arrive as events
  const off = ctx.events.on((e) => {
    if (e.topic === 'changed' && (e.what === 'channels' || e.what === 'config')) soon();
  });
  void recheck();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      off();
    },
  };
}
