import type { AppContext } from '../../context';
import type { Handlers } from '../router';

export const jobsHandlers = (ctx: AppContext) =>
  ({
    'jobs.list': () => ({ jobs: ctx.jobs.list() }),
    'jobs.get': ({ jobId }) => ctx.jobs.get(jobId),
    'jobs.cancel': ({ jobId }) => ({ cancelled: ctx.jobs.cancel(jobId) }),
    'jobs.log': ({ jobId, offset, limit }) => ctx.jobs.log(jobId, offset, limit),
  }) satisfies Partial<Handlers>;
