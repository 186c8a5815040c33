import type { AppContext } from '../../context';
import type { Handlers } from '../router';
import { jobsHandlers } from './jobs';
import { systemHandlers } from './system';

/** Contract -> services, one file per area. The type makes a method without a handler a compile error. */
export function createHandlers(ctx: AppContext): Handlers {
  return {
    ...jobsHandlers(ctx),
    ...systemHandlers(ctx),
  };
}
