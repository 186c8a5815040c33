import type { AppContext } from '../../context';
import type { Handlers } from '../router';

export const homeHandlers = (_ctx: AppContext) => ({}) satisfies Partial<Handlers>;
