import type { HelperOperation } from './types';

export const rebuildOperations = {} satisfies Record<string, HelperOperation<any>>;
