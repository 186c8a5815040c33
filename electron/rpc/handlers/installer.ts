import type { AppContext } from '../../context';
import type { Handlers } from '../router';

export const installerHandlers = (_ctx: AppContext) => ({}) satisfies Partial<Handlers>;
