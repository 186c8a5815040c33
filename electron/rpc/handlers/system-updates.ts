import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { backgroundUpdatesOf } from '../../services/system/background-update';
import type { Handlers } from '../router';

export const systemUpdatesHandlers = (ctx: AppContext) =>
  ({
    'system.updates.status': () => backgroundUpdatesOf(ctx).status(),
    'system.updates.check': async () => {
      const started = await backgroundUpdatesOf(ctx).startCheck('person');
      if (!started) throw new AppError('busy', 'The check could not start now.');
      return started;
    },
    'system.updates.apply': (p) => backgroundUpdatesOf(ctx).startApply(p),
    'system.updates.dismiss': async (p) => ({ dismissed: await backgroundUpdatesOf(ctx).forget(p.id) }),
  }) satisfies Partial<Handlers>;
