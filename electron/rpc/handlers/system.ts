import type { AppContext } from '../../context';
import { storeSize, systemStatus } from '../../services/system/status';
import type { Handlers } from '../router';

export const systemHandlers = (ctx: AppContext) =>
  ({
    'system.status': () => systemStatus(ctx),
    'system.storeSize': () => storeSize(ctx),
  }) satisfies Partial<Handlers>;
