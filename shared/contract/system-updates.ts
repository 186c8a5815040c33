import { z } from 'zod';
import { jobMethod, method, noParams } from './core';

/**
 * Updates prepared in the background: on a schedule (opt-in, in the app settings) the app checks the
 * channels or the flake inputs, builds the new system without activating it, and says so. Applying it
 * (now, or from the next boot) needs a person's yes; dismissing it drops the build.
 */

export const updateScheduleSchema = z.enum(['daily', 'weekly']);
export type UpdateSchedule = z.infer<typeof updateScheduleSchema>;

/** the id of a prepared update: 16 hex digits */
export const updateIdSchema = z.string().regex(/^[a-f0-9]{16}$/, 'is not an update id');

const versionChange = z.object({ name: z.string(), from: z.string().nullable(), to: z.string().nullable() });

export const preparedUpdateSchema = z.object({
  id: updateIdSchema,
  /** what it was built from: newer channel releases, or newer flake inputs */
  kind: z.enum(['channel', 'flake']),
  /** the system that was built and waits, kept from garbage collection by `gcRoot` */
  storePath: z.string(),
  gcRoot: z.string(),
  builtAt: z.string(),
  /** "An update is ready: 12 packages change, kernel 6.6.64 → 6.6.67" */
  headline: z.string(),
  nixosVersion: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  kernel: z.object({ from: z.string().nullable(), to: z.string().nullable(), changes: z.boolean() }),
  packagesChanged: z.number().int().nonnegative(),
  /** per package, as `nix store diff-closures` prints it */
  changes: z.array(z.object({ name: z.string(), before: z.array(z.string()), after: z.array(z.string()) })),
  closureSizeDelta: z.number().nullable(),
  /** channel updates: each channel's release before and after */
  channels: z.array(versionChange),
  /** flake updates: each input that moved, by revision */
  inputs: z.array(versionChange),
});
export type PreparedUpdate = z.infer<typeof preparedUpdateSchema>;

export const updateCheckOutcomeSchema = z.enum(['ready', 'up-to-date', 'skipped', 'failed']);

export const updateCheckSchema = z.object({
  at: z.string(),
  outcome: updateCheckOutcomeSchema,
  /** plain words: what was found, or why nothing was built */
  message: z.string(),
});
export type UpdateCheck = z.infer<typeof updateCheckSchema>;

export const updateStatusSchema = z.object({
  enabled: z.boolean(),
  schedule: updateScheduleSchema,
  ready: preparedUpdateSchema.nullable(),
  lastCheck: updateCheckSchema.nullable(),
  /** when the next scheduled check is due (null while background updates are off) */
  nextCheckAt: z.string().nullable(),
  /** the background job preparing an update right now */
  runningJobId: z.string().nullable(),
});
export type UpdateStatus = z.infer<typeof updateStatusSchema>;

export const applyUpdateParamsSchema = z.object({ id: updateIdSchema, action: z.enum(['switch', 'boot']) }).strict();
export type ApplyUpdateParams = z.infer<typeof applyUpdateParamsSchema>;

export const systemUpdatesMethods = {
  'system.updates.status': method('Background updates: the schedule, the last check, and the update that is ready, if any', noParams, updateStatusSchema),
  'system.updates.check': jobMethod(
    'Check for updates now and, when there are some, build the new system without activating it (low priority; not on battery)',
    noParams,
    z.object({ check: updateCheckSchema, ready: preparedUpdateSchema.nullable() }),
  ),
  'system.updates.apply': jobMethod(
    'Apply the prepared update: update the channels (or write the flake lock) it was built from, rebuild, and activate exactly that system now (switch) or from the next boot (boot)',
    applyUpdateParamsSchema,
    z.object({ action: z.enum(['switch', 'boot']), storePath: z.string(), generation: z.number().int().nullable() }),
  ),
  'system.updates.dismiss': method('Forget the prepared update and let its build be garbage-collected', z.object({ id: updateIdSchema }).strict(), z.object({ dismissed: z.boolean() })),
};
