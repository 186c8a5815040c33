/** Shared with the root helper: electron/core/generations-running.ts. */
export * from '../../core/generations-running';
