/** Shared with the root helper: electron/core/drives.ts. */
export * from '../../core/drives';
