import type { HelperOperation } from './types';

export const homeOperations = {} satisfies Record<string, HelperOperation<any>>;
