import { z } from 'zod';
import { rpcErrorSchema } from './core';
import { jobProgressSchema } from './jobs';

const jobBase = { topic: z.literal('job'), jobId: z.string(), method: z.string() };

export const jobEventSchema = z.discriminatedUnion('kind', [
  z.object({ ...jobBase, kind: z.literal('started'), title: z.string() }),
  z.object({ ...jobBase, kind: z.literal('log'), stream: z.enum(['stdout', 'stderr', 'info']), text: z.string(), index: z.number().int() }),
  z.object({ ...jobBase, kind: z.literal('progress'), progress: jobProgressSchema }),
  z.object({ ...jobBase, kind: z.literal('phase'), phase: z.string(), label: z.string(), cancellable: z.boolean() }),
  z.object({ ...jobBase, kind: z.literal('done'), result: z.unknown() }),
  z.object({ ...jobBase, kind: z.literal('failed'), error: rpcErrorSchema }),
  z.object({ ...jobBase, kind: z.literal('cancelled') }),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;

/** Something the main process noticed on its own: a profile changed, a drive was plugged in, ... */
export const changeEventSchema = z.object({
  topic: z.literal('changed'),
  what: z.enum(['system-profile', 'home-profile', 'drives', 'channels', 'config', 'search-sources', 'settings', 'safe-switch']),
  detail: z.unknown().optional(),
});
export type ChangeEvent = z.infer<typeof changeEventSchema>;

export const appEventSchema = z.union([jobEventSchema, changeEventSchema]);
export type AppEvent = z.infer<typeof appEventSchema>;
