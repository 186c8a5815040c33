import { z } from 'zod';
import { rpcErrorSchema } from './core';
import { jobProgressSchema } from './jobs';

const jobBase = { topic: z.literal('job'), jobId: z.string().max(64), method: z.string().max(100) };

/** A log event carries at most this many lines: the job manager sends lines in batches, not one event per line. */
export const MAX_LOG_BATCH_LINES = 5_000;
/** Longer lines are cut to this many characters (the job manager does it before storing them). */
export const MAX_LOG_LINE_CHARS = 10_000;

export const logLineSchema = z.object({ stream: z.enum(['stdout', 'stderr', 'info']), text: z.string().max(MAX_LOG_LINE_CHARS) });

export const jobEventSchema = z.discriminatedUnion('kind', [
  z.object({ ...jobBase, kind: z.literal('started'), title: z.string() }),
  /** lines[0] is the job's line number `index` (0-based), the others follow it */
  z.object({ ...jobBase, kind: z.literal('log'), index: z.number().int().nonnegative(), lines: z.array(logLineSchema).min(1).max(MAX_LOG_BATCH_LINES) }),
  /** this window missed lines (its connection was too slow to keep up) up to line `next`: fetch them with jobs.log */
  z.object({ ...jobBase, kind: z.literal('log-gap'), from: z.number().int().nonnegative(), next: z.number().int().nonnegative() }),
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
  what: z.enum(['system-profile', 'home-profile', 'drives', 'channels', 'config', 'search-sources', 'settings', 'safe-switch', 'updates']),
  detail: z.unknown().optional(),
});
export type ChangeEvent = z.infer<typeof changeEventSchema>;

export const appEventSchema = z.union([jobEventSchema, changeEventSchema]);
export type AppEvent = z.infer<typeof appEventSchema>;
