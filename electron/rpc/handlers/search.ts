import type { AppContext } from '../../context';
import { applyAdd, previewAdd } from '../../services/search/add-to-config';
import { searchOptions, searchPackages } from '../../services/search/query';
import { refreshSources, searchSources } from '../../services/search/sources';
import { tryPackage } from '../../services/desktop/terminal';
import { startJob } from '../jobs';
import type { Handlers } from '../router';

export const searchHandlers = (ctx: AppContext) =>
  ({
    'search.sources': () => searchSources(ctx),
    'search.refresh': (params) =>
      startJob(ctx, 'search.refresh', { title: 'Refresh package and option lists', exclusiveGroup: 'search', cancellable: true }, (job) => refreshSources(ctx, job, params)),
    'search.packages': (params) => searchPackages(ctx, params),
    'search.options': (params) => searchOptions(ctx, params),
    'search.previewAdd': (params) => previewAdd(ctx, params),
    'search.applyAdd': (params) => applyAdd(ctx, params),
    'search.tryPackage': (params) => tryPackage(ctx, params),
  }) satisfies Partial<Handlers>;
