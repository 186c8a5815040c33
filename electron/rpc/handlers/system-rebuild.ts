import type { AppContext } from '../../context';
import type { Handlers } from '../router';

export const systemRebuildHandlers = (_ctx: AppContext) => ({}) satisfies Partial<Handlers>;
