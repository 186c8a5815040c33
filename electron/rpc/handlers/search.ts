import type { AppContext } from '../../context';
import type { Handlers } from '../router';

export const searchHandlers = (_ctx: AppContext) => ({}) satisfies Partial<Handlers>;
