import type { HelperOperation } from './types';

export const usbOperations = {} satisfies Record<string, HelperOperation<any>>;
