import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/fs';
import path from 'node:path';
import { systemSettingsSchema, type SystemSettings } from '../../../shared/contract/system-rebuild';
import type { AppContext } from '../../context';

export const defaultSystemSettings: SystemSettings = {
  previewBeforeSwitch: true,
  safeSwitchTimeoutSeconds: 60,
  commitConfigToGit: false,
};

const settingsFile = (ctx: AppContext) => path.join(ctx.host.configDir, 'system-settings.json');

/** Settings of switching, a JSON file in the app's config folder; unknown or broken values fall back to the defaults one by one. */
export async function readSystemSettings(ctx: AppContext): Promise<SystemSettings> {
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(await readFile(settingsFile(ctx), 'utf8')) as Record<string, unknown>;
  } catch {
    return { ...defaultSystemSettings };
  }
  const out: SystemSettings = { ...defaultSystemSettings };
  for (const key of Object.keys(defaultSystemSettings) as (keyof SystemSettings)[]) {
    const field = systemSettingsSchema.shape[key].safeParse(raw[key]);
    if (field.success) (out as Record<string, unknown>)[key] = field.data;
  }
  return out;
}

export async function writeSystemSettings(ctx: AppContext, change: Partial<SystemSettings>): Promise<SystemSettings> {
  const next = systemSettingsSchema.parse({ ...(await readSystemSettings(ctx)), ...change });
  await writeFileAtomic(settingsFile(ctx), `${JSON.stringify(next, null, 2)}\n`, { mkdir: true });
  ctx.events.emit({ topic: 'changed', what: 'settings', detail: { area: 'system' } });
  return next;
}
