import type { ErrorCode, RpcError } from '../shared/contract/core';

/** An error meant for a person: `message` is what the app shows. Services throw it; the router turns it into an RpcError value. */
export class AppError extends Error {
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
    return out;
  }
}

/** Words for the Node errors a person can act on; anything else is an internal error with its text as detail. */
export function toRpcError(err: unknown): RpcError {
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
  return { code: 'internal', message: 'Something went wrong inside the app.', detail: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
