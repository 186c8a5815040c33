/** Shared with the core: electron/core/store-names.ts. */
export * from '../../core/store-names';
