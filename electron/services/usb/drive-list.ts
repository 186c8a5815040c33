import { watch, type FSWatcher } from 'node:fs';
import { realpath } from 'node:fs/promises';
import type { Drive } from '../../../shared/contract/usb';
import type { AppContext } from '../../context';
import { listDrives, type Exec } from './drives';

export function userExec(ctx: AppContext): Exec {
  return async (command, args) => (await ctx.runner.run(command, args, { timeoutMs: 30_000 })).stdout;
}

export async function drives(ctx: AppContext, image?: string): Promise<{ drives: Drive[]; loopDevicesShown: boolean }> {
  ensureWatching(ctx);
  const img = image ? await realpath(image).catch(() => image) : undefined;
  const list = await listDrives(userExec(ctx), { allowLoop: ctx.host.allowLoopDevices, ...(img ? { image: img } : {}) });
  return { drives: list, loopDevicesShown: ctx.host.allowLoopDevices };
}

/** What makes two scans differ for a person: which drives, their sizes, media and partitions. */
function fingerprint(list: Drive[]): string {
  return JSON.stringify(list.map((d) => [d.path, d.size, d.serial, d.diskseq, d.readOnly, d.mountpoints, d.partitions.map((p) => [p.path, p.label, p.mountpoints])]));
}

export interface DriveWatch {
  timer: NodeJS.Timeout;
  watcher: FSWatcher | null;
  last: string | null;
}
const POLL_MS = 2000;

/**
 * Live drive updates: /dev is watched for device nodes coming and going, and lsblk is polled every 2 s as a
 * backstop (a card swapped in a reader changes no node); `changed: drives` is emitted only on a real change.
 */
export function ensureWatching(ctx: AppContext): void {
  if (ctx.state.driveWatch) return;
  const state: DriveWatch = { timer: setInterval(() => void scan(), POLL_MS), watcher: null, last: null };
  state.timer.unref();
  let pending: NodeJS.Timeout | null = null;
  let running = false;
  const scan = async () => {
    if (running) return;
    running = true;
    try {
      const now = fingerprint(await listDrives(userExec(ctx), { allowLoop: ctx.host.allowLoopDevices }));
      if (state.last !== null && now !== state.last) ctx.events.emit({ topic: 'changed', what: 'drives' });
      state.last = now;
    } catch {
      /* lsblk missing or failing: the next call to usb.drives reports it */
    } finally {
      running = false;
    }
  };
  try {
    state.watcher = watch('/dev', { persistent: false }, () => {
      if (pending) clearTimeout(pending);
      pending = setTimeout(() => void scan(), 300);
      pending.unref();
    });
    state.watcher.on('error', () => {});
  } catch {
    state.watcher = null;
  }
  ctx.state.driveWatch = state;
  void scan();
}

export function stopWatching(ctx: AppContext): void {
  const state = ctx.state.driveWatch;
  if (!state) return;
  clearInterval(state.timer);
  state.watcher?.close();
  ctx.state.driveWatch = null;
}
