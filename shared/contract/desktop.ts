import { z } from 'zod';
import { method, noParams } from './core';

const generationNumber = z.number().int().positive().max(1_000_000);

const profileKind = z.enum(['system', 'home']);
/**
 * Rollback and switch carry what the menu showed: the generation they go to and the one that was
 * current. If the profile moved since, the action is refused instead of acting on something else.
 */
const rollbackAction = z.object({ kind: z.literal('rollback'), profile: profileKind, target: generationNumber, expectedCurrent: generationNumber }).strict();
const switchAction = z.object({ kind: z.literal('switch'), profile: profileKind, generation: generationNumber, expectedCurrent: generationNumber }).strict();
const rebuildAction = z.object({ kind: z.literal('rebuild') }).strict();
/** the update prepared in the background (system.updates): activated now (switch) or from the next boot */
const updateAction = z.object({ kind: z.literal('update'), id: z.string().regex(/^[a-f0-9]{16}$/), action: z.enum(['switch', 'boot']) }).strict();

/** What a tray entry (or the window's quick actions) asks for. Rollback, switch and rebuild go through a confirmation first. */
export const trayActionSchema = z.discriminatedUnion('kind', [
  rollbackAction,
  switchAction,
  rebuildAction,
  updateAction,
  z.object({ kind: z.literal('open') }).strict(),
  z.object({ kind: z.literal('quit') }).strict(),
]);
export type TrayAction = z.infer<typeof trayActionSchema>;
/** the actions that change something, and therefore need a confirmation */
export const confirmableActionSchema = z.discriminatedUnion('kind', [rollbackAction, switchAction, rebuildAction, updateAction]);
export type ConfirmableAction = z.infer<typeof confirmableActionSchema>;

const leafSchema = z.object({
  type: z.literal('item'),
  id: z.string(),
  label: z.string(),
  enabled: z.boolean(),
  /** a radio-like mark, for the generation in use */
  checked: z.boolean().optional(),
  /** absent for informational lines (current generation, running jobs) */
  action: trayActionSchema.optional(),
});
const separatorSchema = z.object({ type: z.literal('separator') });
const submenuSchema = z.object({
  type: z.literal('submenu'),
  id: z.string(),
  label: z.string(),
  enabled: z.boolean(),
  items: z.array(z.union([leafSchema, separatorSchema])),
});
export const trayEntrySchema = z.union([leafSchema, separatorSchema, submenuSchema]);
export type TrayLeaf = z.infer<typeof leafSchema>;
export type TrayEntry = z.infer<typeof trayEntrySchema>;
export const trayMenuSchema = z.object({ tooltip: z.string(), items: z.array(trayEntrySchema) });
export type TrayMenu = z.infer<typeof trayMenuSchema>;

export const desktopCapabilitiesSchema = z.object({
  /** which shell hosts the app: the Electron window, or a browser over the loopback transport */
  shell: z.enum(['electron', 'loopback']),
  tray: z.boolean(),
  /** plain words for why there is no tray (shown once in the app) */
  trayReason: z.string().nullable(),
  notifications: z.boolean(),
});
export type DesktopCapabilities = z.infer<typeof desktopCapabilitiesSchema>;

export const desktopSettingsSchema = z.object({
  closeToTray: z.boolean(),
  startAtLogin: z.boolean(),
  /** the XDG autostart entry written when startAtLogin is on */
  autostartFile: z.string(),
  /** check for updates on a schedule and build them in the background (never activated without a yes) */
  backgroundUpdates: z.boolean(),
  updateSchedule: z.enum(['daily', 'weekly']),
});
export type DesktopSettings = z.infer<typeof desktopSettingsSchema>;

const generationSideSchema = z.object({ generation: z.number().int().nonnegative(), date: z.string().nullable(), version: z.string().nullable(), storePath: z.string().nullable() });

export const confirmationSchema = z.object({
  id: z.string(),
  action: confirmableActionSchema,
  title: z.string(),
  /** one plain sentence: what will happen */
  summary: z.string(),
  /** the RPC method that runs when confirmed, the same one the window uses */
  method: z.string(),
  available: z.boolean(),
  from: generationSideSchema.nullable(),
  to: generationSideSchema.nullable(),
  diff: z.object({
    /** what changes between the two closures, one line per package (`nix store diff-closures`) */
    lines: z.array(z.string()),
    note: z.string().nullable(),
  }),
  warnings: z.array(z.string()),
});
export type Confirmation = z.infer<typeof confirmationSchema>;

const confirmationId = z.string().regex(/^[a-f0-9-]{36}$/);

export const desktopMethods = {
  'tray.menu': method('The tray menu as a model: what the tray icon shows, computed from the profiles and running jobs', noParams, trayMenuSchema),
  'desktop.capabilities': method('Whether this shell has a tray icon and notifications', noParams, desktopCapabilitiesSchema),
  'desktop.settings.get': method('Desktop behaviour settings', noParams, desktopSettingsSchema),
  'desktop.settings.set': method(
    'Change desktop behaviour settings (start at login writes or removes an XDG autostart entry)',
    z.object({ closeToTray: z.boolean().optional(), startAtLogin: z.boolean().optional(), backgroundUpdates: z.boolean().optional(), updateSchedule: z.enum(['daily', 'weekly']).optional() }).strict(),
    desktopSettingsSchema,
  ),
  'desktop.action.request': method(
    'Ask to run a tray action: returns a confirmation to show (with the diff) before anything changes',
    z.object({ action: confirmableActionSchema }).strict(),
    z.object({ confirmationId: z.string() }),
  ),
  'desktop.confirmation.get': method('A pending confirmation: what will change, with the diff', z.object({ id: confirmationId }).strict(), confirmationSchema),
  'desktop.confirmation.answer': method(
    'Confirm or decline a pending action; confirming starts the same job the window would',
    z.object({ id: confirmationId, accept: z.boolean() }).strict(),
    z.object({ started: z.boolean(), jobId: z.string().nullable() }),
  ),
};
