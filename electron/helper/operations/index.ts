import { configOperations } from './config';
import type { HelperOperation } from './types';

/** Every operation the root helper will run. Nothing else runs as root. Areas add their own file here. */
export const operations: Record<string, HelperOperation<any>> = {
  ...configOperations,
};
