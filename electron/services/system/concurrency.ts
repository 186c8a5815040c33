/** Shared with the root helper: electron/core/concurrency.ts. */
export * from '../../core/concurrency';
