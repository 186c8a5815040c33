import type { AppContext } from '../../context';
import type { Handlers } from '../router';

export const usbHandlers = (_ctx: AppContext) => ({}) satisfies Partial<Handlers>;
