/** Shared with the root helper: electron/core/profile.ts. */
export * from '../../core/profile';
