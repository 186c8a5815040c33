import { z } from 'zod';

/** Error codes that cross the RPC boundary. The renderer words its messages from `message`; `code` is for logic. */
export const errorCodes = [
  'invalid-params',
  'invalid-result',
  'unknown-method',
  'not-found',
  'busy',
  'cancelled',
  'not-cancellable',
  'auth-cancelled',
  'not-authorized',
  'command-missing',
  'command-failed',
  'timeout',
  'network',
  'disk-full',
  'unsupported',
  'conflict',
  'refused',
  'nix-error',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const rpcErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  detail: z.string().optional(),
  /** id of a Learn entry that explains the concept behind this error */
  learn: z.string().optional(),
  /** where in a file the error points (a Nix error's file, line and column) */
  location: z.object({ file: z.string(), line: z.number().int().positive(), column: z.number().int().positive() }).optional(),
});
export type RpcError = z.infer<typeof rpcErrorSchema>;

export interface MethodDef<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType, J extends z.ZodType | undefined = z.ZodType | undefined> {
  params: P;
  result: R;
  /** present for long work: the call returns {jobId}; the job's final value is validated against this */
  jobResult: J;
  description: string;
}

export const jobStartedSchema = z.object({ jobId: z.string() });
export type JobStarted = z.infer<typeof jobStartedSchema>;

export function method<P extends z.ZodType, R extends z.ZodType>(description: string, params: P, result: R): MethodDef<P, R, undefined> {
  return { description, params, result, jobResult: undefined };
}

export function jobMethod<P extends z.ZodType, J extends z.ZodType>(description: string, params: P, jobResult: J): MethodDef<P, typeof jobStartedSchema, J> {
  return { description, params, result: jobStartedSchema, jobResult };
}

export const noParams = z.object({}).strict();
