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

const errorLocationShape = z.object({ file: z.string(), line: z.number().int().positive(), column: z.number().int().positive() });

/** What a fix button does; the app runs each kind itself (after a preview where it changes a file). */
export const fixActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open-file'), file: z.string().max(4096), line: z.number().int().positive(), column: z.number().int().positive().optional() }).strict(),
  z.object({ kind: z.literal('add-to-config'), target: z.enum(['system', 'home']), option: z.enum(['nixpkgs.config.allowUnfree']), value: z.literal(true) }).strict(),
  z.object({ kind: z.literal('git-add'), file: z.string().max(4096), repo: z.string().max(4096) }).strict(),
  z.object({ kind: z.literal('open-page'), route: z.string().max(200).regex(/^#\/[a-z0-9/-]*$/) }).strict(),
  z.object({ kind: z.literal('retry-with-backup') }).strict(),
]);
export type FixAction = z.infer<typeof fixActionSchema>;

export const explanationCodes = [
  'unfree',
  'insecure',
  'undefined-variable',
  'missing-attribute',
  'option-missing',
  'option-renamed',
  'option-removed',
  'infinite-recursion',
  'untracked-flake-file',
  'collision',
  'hash-mismatch',
  'disk-full',
  'network',
  'syntax',
  'state-version',
  'release-mismatch',
  'file-in-the-way',
] as const;
export type ExplanationCode = (typeof explanationCodes)[number];

/** A recognised Nix, nixos-rebuild or home-manager failure in plain words, with the fixes a person can apply. */
export const errorExplanationSchema = z.object({
  code: z.enum(explanationCodes),
  title: z.string().max(500),
  explanation: z.string().max(4000),
  fixes: z
    .array(
      z.object({
        label: z.string().max(300),
        /** more words on this fix (what it changes, when it is the right one) */
        detail: z.string().max(2000).optional(),
        /** a command to copy when the fix is one the person runs or pastes */
        command: z.string().max(2000).optional(),
        action: fixActionSchema.optional(),
      }),
    )
    .max(8),
  /** names that exist and look like the one Nix did not find */
  suggestions: z.array(z.string().max(300)).max(10).optional(),
  location: errorLocationShape.optional(),
});
export type ErrorExplanation = z.infer<typeof errorExplanationSchema>;

export const rpcErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  detail: z.string().optional(),
  /** id of a Learn entry that explains the concept behind this error */
  learn: z.string().optional(),
  /** where in a file the error points (a Nix error's file, line and column) */
  location: errorLocationShape.optional(),
  /** the error recognised and explained, with its fixes (Nix, nixos-rebuild and home-manager failures) */
  explanation: errorExplanationSchema.optional(),
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
