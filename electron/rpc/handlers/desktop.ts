import type { AppContext } from '../../context';
import type { Handlers } from '../router';

export const desktopHandlers = (_ctx: AppContext) => ({}) satisfies Partial<Handlers>;
