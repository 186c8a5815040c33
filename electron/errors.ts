import type { ErrorCode, ErrorExplanation, RpcError } from '../shared/contract/core';

/** An error meant for a person: `message` is what the app shows. Services throw it; the router turns it into an RpcError value. */
export class AppError extends Error {
  /** the failure recognised and explained with its fixes (electron/core/nix-errors.ts), when it is one */
  explanation?: ErrorExplanation;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
    readonly learn?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toRpc(): RpcError {
    const out: RpcError = { code: this.code, message: this.message };
    if (this.detail) out.detail = this.detail;
    if (this.learn) out.learn = this.learn;
    if (this.explanation) out.explanation = this.explanation;
    return out;
  }
}

/** What a person sees for a bug: no stack trace, no internals (those go to the log only). */
export const INTERNAL_ERROR_MESSAGE = 'Something went wrong inside the app. Try again; if it keeps happening, the app’s log has the details.';

export function internalRpcError(): RpcError {
  return { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
}

/** The server-side record of an unexpected error, stack included (stderr: the app's log, or the helper's). */
export function logInternalError(where: string, err: unknown): void {
  console.error(`[internal error] ${where}:`, err);
}

/**
 * Words for the Node errors a person can act on; anything else is an internal error: a plain message for
 * the caller, and the error with its stack handed to `onInternal` (by default, logged).
 */
export function toRpcError(err: unknown, onInternal: (err: unknown) => void = (e) => logInternalError('unexpected error', e)): RpcError {
  if (err instanceof AppError) return err.toRpc();
  const e = err as NodeJS.ErrnoException | undefined;
  switch (e?.code) {
    case 'ENOSPC':
      return { code: 'disk-full', message: 'The disk is full. Free some space and try again.', detail: e.message };
    case 'EACCES':
    case 'EPERM':
      return { code: 'not-authorized', message: 'Permission denied.', detail: e.message };
    case 'ENOENT':
      return { code: 'not-found', message: 'A file the app needed does not exist.', detail: e.message };
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ECONNRESET':
    case 'ETIMEDOUT':
    case 'ENETUNREACH':
      return { code: 'network', message: 'The network could not be reached. Check your connection and try again.', detail: e.message };
  }
  onInternal(err);
  return internalRpcError();
}
