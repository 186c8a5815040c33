/** Shared with the root helper: electron/core/follow-log.ts. */
export * from '../../core/follow-log';
