import { watch, type FSWatcher } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { ChangeEvent } from '../../../shared/contract/events';

type What = Extract<ChangeEvent['what'], 'system-profile' | 'home-profile'>;

export interface WatchTarget {
  what: What;
  /** a profile (`.../profiles/system`) or a single link (`/run/current-system`): its directory is watched */
  path: string;
}

export interface ProfileWatcher {
  close(): void;
}

const DEBOUNCE_MS = 250;
/** a missing profile directory (home-manager not installed yet) is looked for again this often */
const RETRY_MS = 5_000;

/** Does an entry of the watched directory belong to this target: the profile link, its generations, or nix's temp links for them? */
function belongsTo(target: WatchTarget, filename: string | null): boolean {
  if (filename === null) return true;
  const base = path.basename(target.path);
  return filename === base || filename.startsWith(`${base}-`) || filename.startsWith(`.${base}`);
}

/**
 * Watches profile directories with inotify (fs.watch) and calls `onChange` once per burst of changes,
 * so a generation added or removed by `nix-env` anywhere (this app, a terminal, nixos-rebuild) is seen.
 */
export function watchProfiles(targets: WatchTarget[], onChange: (what: What) => void, opts: { debounceMs?: number; retryMs?: number } = {}): ProfileWatcher {
  const debounceMs = opts.debounceMs ?? DEBOUNCE_MS;
  const retryMs = opts.retryMs ?? RETRY_MS;
  const watchers = new Map<string, FSWatcher>();
  const timers = new Map<What, NodeJS.Timeout>();
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const fire = (what: What) => {
    clearTimeout(timers.get(what));
    timers.set(
      what,
      setTimeout(() => {
        timers.delete(what);
        if (!closed) onChange(what);
      }, debounceMs),
    );
  };

  const byDir = new Map<string, WatchTarget[]>();
  for (const t of targets) {
    const dir = path.dirname(t.path);
    byDir.set(dir, [...(byDir.get(dir) ?? []), t]);
  }

  const attach = async (isRetry: boolean) => {
    let missing = false;
    for (const [dir, dirTargets] of byDir) {
      if (watchers.has(dir)) continue;
      const present = await access(dir).then(() => true, () => false);
      if (closed) return;
      if (!present) {
        missing = true;
        continue;
      }
      try {
        const w = watch(dir, { persistent: false }, (_event, filename) => {
          const name = filename === null ? null : String(filename);
          for (const t of dirTargets) if (belongsTo(t, name)) fire(t.what);
        });
        w.on('error', () => {
          // the directory went away (profile dir deleted): watch for it to come back
          w.close();
          watchers.delete(dir);
          scheduleRetry();
        });
        watchers.set(dir, w);
        // A directory that just appeared may already hold a profile.
        if (isRetry) for (const t of dirTargets) fire(t.what);
      } catch {
        missing = true;
      }
    }
    if (missing) scheduleRetry();
  };

  const scheduleRetry = () => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void attach(true);
    }, retryMs);
    retry.unref?.();
  };

  void attach(false);
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      for (const t of timers.values()) clearTimeout(t);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
