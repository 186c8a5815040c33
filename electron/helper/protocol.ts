import { z } from 'zod';
import { jobProgressSchema } from '../../shared/contract/jobs';
import { rpcErrorSchema } from '../../shared/contract/core';
import { MAX_CONFIG_CHARS } from './contract';

/**
 * The root helper's wire format. Request: argv `<class> <operation> <base64url(JSON args) | ->` (with `-`
 * the arguments come as the first line on stdin; base64url so no argument can ever look like a flag or
 * carry shell syntax). Response: one JSON object a line on stdout. Closing the helper's stdin asks it to
 * stop, where stopping is safe (a user process cannot signal root).
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

export { MAX_CONFIG_CHARS };

/**
 * The longest encoded argument line the helper reads. JSON writes one character as at most 6 bytes
 * (`\u0001`), base64 makes 4 characters of 3 bytes; 64 KiB covers the other fields.
 */
export const MAX_ENCODED_ARGS = Math.ceil((6 * MAX_CONFIG_CHARS + 64 * 1024) / 3) * 4;

export function encodeArgs(args: unknown): string {
  return Buffer.from(JSON.stringify(args ?? {}), 'utf8').toString('base64url');
}

export function decodeArgs(encoded: string): unknown {
  if (encoded.length > MAX_ENCODED_ARGS) throw new Error(`arguments are longer than ${MAX_ENCODED_ARGS} characters`);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw new Error('arguments are not base64url');
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
}

export const operationNamePattern = /^[a-z][a-z0-9-]{1,40}$/;

/**
 * Privilege classes: the helper's first argument. pkexec picks the polkit action by the helper's path and
 * this argument (`org.freedesktop.policykit.exec.argv1`), so each class has its own password rule and
 * message (build/polkit/org.nixos.companion.policy, action `org.nixos.companion.<class>`). The helper
 * refuses an operation started under another class than its own.
 */
export const privilegeClasses = {
  /** build without activating, read backups, look into or eject a stick, record the config in git: the password is kept a few minutes */
  routine: 'build the configuration, read backups, look into or eject a USB stick, or record the configuration in git',
  /** make another system the running system or the boot default */
  activate: 'activate a system (switch, boot default, roll back)',
  /** undo or end the trial of a safe switch, which must work when nobody is there to type a password */
  trial: 'go back from, or end, a safe-switch trial',
  /** delete generations, collect garbage */
  cleanup: 'delete system generations or collect garbage',
  /** write files in the NixOS configuration folder */
  config: 'change files in the NixOS configuration folder',
  /** root's channels */
  channels: 'change or update root’s channels',
  /** erase a drive */
  device: 'write to a drive',
} as const;
export type PrivilegeClass = keyof typeof privilegeClasses;

export const isPrivilegeClass = (value: unknown): value is PrivilegeClass => typeof value === 'string' && Object.prototype.hasOwnProperty.call(privilegeClasses, value);

/** Each operation's class is declared with the operation, in electron/helper/contract.ts. */
export { operationClass } from './contract';
