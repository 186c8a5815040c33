/** Shared with the root helper: electron/core/ventoy.ts. */
export * from '../../core/ventoy';
