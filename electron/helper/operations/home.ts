import type { HelperImplementations } from './types';

export const homeOperations = {} satisfies Partial<HelperImplementations>;
