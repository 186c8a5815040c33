/** Shared with the root helper: electron/core/image-writer.ts. */
export * from '../../core/image-writer';
