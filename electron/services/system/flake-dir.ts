/** Shared with the root helper: electron/core/flake-dir.ts. */
export * from '../../core/flake-dir';
