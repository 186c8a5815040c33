/** Nix's log into progress and errors, shared with the core: electron/core/nix-log.ts. */
export * from '../../core/nix-log';
