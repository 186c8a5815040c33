import type { AppContext } from '../../context';
import { learnEntries } from '../../services/learn/entries';
import { openExternal } from '../../services/learn/open-external';
import type { Handlers } from '../router';

export const learnHandlers = (ctx: AppContext) =>
  ({
    'learn.entries': () => learnEntries(),
    'learn.openExternal': (params) => openExternal(ctx, params),
  }) satisfies Partial<Handlers>;
