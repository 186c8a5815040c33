import { z } from 'zod';
import { method, rpcErrorSchema } from './core';

export const jobStatusSchema = z.enum(['running', 'done', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobProgressSchema = z.object({
  /** 0..1 when the total is known */
  fraction: z.number().min(0).max(1).nullable(),
  message: z.string().optional(),
  bytesDone: z.number().nonnegative().optional(),
  bytesTotal: z.number().nonnegative().optional(),
  bytesPerSecond: z.number().nonnegative().optional(),
  etaSeconds: z.number().nonnegative().optional(),
  /** named counts, e.g. builds done/running/expected */
  counters: z.record(z.string(), z.number()).optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const jobSummarySchema = z.object({
  id: z.string(),
  method: z.string(),
  title: z.string(),
  status: jobStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  phase: z.string().optional(),
  progress: jobProgressSchema.optional(),
  cancellable: z.boolean(),
  logLines: z.number().int().nonnegative(),
  error: rpcErrorSchema.optional(),
  result: z.unknown().optional(),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;

export const jobsMethods = {
  'jobs.list': method('Running and recent jobs', z.object({}).strict(), z.object({ jobs: z.array(jobSummarySchema) })),
  'jobs.get': method('One job', z.object({ jobId: z.string().max(64) }).strict(), jobSummarySchema),
  'jobs.cancel': method(
    'Stop a job where that is safe',
    z.object({ jobId: z.string().max(64) }).strict(),
    z.object({ cancelled: z.boolean() }),
  ),
  'jobs.log': method(
    'A slice of a job log, for reattaching and for virtualized views',
    z.object({ jobId: z.string().max(64), offset: z.number().int().nonnegative().default(0), limit: z.number().int().positive().max(100_000).default(1000) }).strict(),
    z.object({ lines: z.array(z.object({ stream: z.enum(['stdout', 'stderr', 'info']), text: z.string() })), total: z.number().int(), dropped: z.number().int() }),
  ),
};
