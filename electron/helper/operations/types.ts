import type { z } from 'zod';
import type { HelperIO } from '../io';

export interface HelperOperation<S extends z.ZodType> {
  description: string;
  /** re-validated here, as root, whatever the caller already checked */
  args: S;
  run(args: z.output<S>, io: HelperIO): Promise<unknown>;
}
