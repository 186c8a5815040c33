import { z } from 'zod';
import { jobProgressSchema } from '../../shared/contract/jobs';
import { rpcErrorSchema } from '../../shared/contract/core';

/**
 * The root helper's wire format. Request: argv `<operation> <base64url(JSON args)>` (base64url so no
 * argument can ever look like a flag or carry shell syntax). Response: one JSON object a line on stdout.
 * Closing the helper's stdin asks it to stop, where stopping is safe (a user process cannot signal root).
 */
export const helperEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('log'), stream: z.enum(['stdout', 'stderr', 'info']), text: z.string() }),
  z.object({ type: z.literal('progress'), progress: jobProgressSchema }),
  z.object({ type: z.literal('phase'), phase: z.string(), label: z.string(), cancellable: z.boolean() }),
  z.object({ type: z.literal('result'), value: z.unknown() }),
  z.object({ type: z.literal('error'), error: rpcErrorSchema }),
]);
export type HelperEvent = z.infer<typeof helperEventSchema>;

export const HELPER_EXIT = { ok: 0, failed: 1, refused: 2 } as const;

export function encodeArgs(args: unknown): string {
  return Buffer.from(JSON.stringify(args ?? {}), 'utf8').toString('base64url');
}

export function decodeArgs(encoded: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length > 1_000_000) throw new Error('arguments are not base64url');
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
}

export const operationNamePattern = /^[a-z][a-z0-9-]{1,40}$/;
