import { access, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/fs';
import path from 'node:path';
import { z } from 'zod';
import type { DesktopSettings } from '../../../shared/contract/desktop';
import type { Host } from '../../host';
import { autostartFile, disableAutostart, enableAutostart } from './autostart';

const boundsSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200).max(20_000),
  height: z.number().int().min(200).max(20_000),
  maximized: z.boolean(),
});
export type WindowBounds = z.infer<typeof boundsSchema>;

const storedSchema = z.object({
  closeToTray: z.boolean().catch(false),
  backgroundUpdates: z.boolean().catch(false),
  updateSchedule: z.enum(['daily', 'weekly']).catch('daily'),
  windowBounds: boundsSchema.optional().catch(undefined),
});
type Stored = z.infer<typeof storedSchema>;

const settingsFile = (host: Host) => path.join(host.configDir, 'desktop.json');

async function readStored(host: Host): Promise<Stored> {
  try {
    return storedSchema.parse(JSON.parse(await readFile(settingsFile(host), 'utf8')));
  } catch {
    // missing or damaged: start from the defaults rather than refuse to open
    return { closeToTray: false, backgroundUpdates: false, updateSchedule: 'daily' };
  }
}

async function writeStored(host: Host, stored: Stored): Promise<void> {
  await writeFileAtomic(settingsFile(host), `${JSON.stringify(stored, null, 2)}\n`, { mkdir: true });
}

/** "Start at login" is whatever the autostart directory says, so removing the entry by hand is respected. */
export async function readDesktopSettings(host: Host): Promise<DesktopSettings> {
  const [stored, startAtLogin] = await Promise.all([readStored(host), access(autostartFile(host)).then(() => true, () => false)]);
  return { closeToTray: stored.closeToTray, startAtLogin, autostartFile: autostartFile(host), backgroundUpdates: stored.backgroundUpdates, updateSchedule: stored.updateSchedule };
}

export async function updateDesktopSettings(
  host: Host,
  patch: { closeToTray?: boolean; startAtLogin?: boolean; backgroundUpdates?: boolean; updateSchedule?: 'daily' | 'weekly' },
  launch: string[],
): Promise<DesktopSettings> {
  const { startAtLogin, ...stored } = patch;
  if (Object.values(stored).some((v) => v !== undefined)) {
    const before = await readStored(host);
    await writeStored(host, { ...before, ...Object.fromEntries(Object.entries(stored).filter(([, v]) => v !== undefined)) });
  }
  if (startAtLogin === true) await enableAutostart(host, launch);
  if (startAtLogin === false) await disableAutostart(host);
  return readDesktopSettings(host);
}

export async function loadWindowBounds(host: Host): Promise<WindowBounds | null> {
  return (await readStored(host)).windowBounds ?? null;
}

export async function saveWindowBounds(host: Host, bounds: WindowBounds): Promise<void> {
  const parsed = boundsSchema.safeParse(bounds);
  if (!parsed.success) return;
  const stored = await readStored(host);
  await writeStored(host, { ...stored, windowBounds: parsed.data });
}

/**
 * Saved bounds are used only if they still overlap a screen by a usable amount (a monitor may have
 * been unplugged since); otherwise the window opens at its default size, centred.
 */
export function visibleBounds(saved: WindowBounds | null, screens: { x: number; y: number; width: number; height: number }[]): WindowBounds | null {
  if (!saved) return null;
  const MIN_VISIBLE = 100;
  const fits = screens.some((s) => {
    const w = Math.min(saved.x + saved.width, s.x + s.width) - Math.max(saved.x, s.x);
    const h = Math.min(saved.y + saved.height, s.y + s.height) - Math.max(saved.y, s.y);
    return w >= MIN_VISIBLE && h >= MIN_VISIBLE;
  });
  return fits ? saved : null;
}
