import type { AppContext } from '../../context';
import type { Handlers } from '../router';

export const learnHandlers = (_ctx: AppContext) => ({}) satisfies Partial<Handlers>;
