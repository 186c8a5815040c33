import type { HelperOperation } from './types';

export const generationsOperations = {} satisfies Record<string, HelperOperation<any>>;
