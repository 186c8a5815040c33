import { methods, type JobMethodName, type JobResult, type MethodDef } from '../../shared/contract';
import type { AppContext } from '../context';
import type { JobContext, JobPlan, StartOptions } from '../exec/jobs';

/** Start a job for a contract method; its final value is checked against the method's jobResult schema. */
export function startJob<M extends JobMethodName>(ctx: AppContext, method: M, plan: JobPlan<JobResult<M>>): { jobId: string };
export function startJob<M extends JobMethodName>(ctx: AppContext, method: M, opts: Omit<StartOptions, 'validateResult'>, work: (job: JobContext) => Promise<JobResult<M>>): { jobId: string };
export function startJob<M extends JobMethodName>(
  ctx: AppContext,
  method: M,
  opts: Omit<StartOptions, 'validateResult'> | JobPlan<JobResult<M>>,
  work?: (job: JobContext) => Promise<JobResult<M>>,
): { jobId: string } {
  const schema = (methods as Record<string, MethodDef>)[method]?.jobResult;
  const { title, exclusiveGroup, cancellable } = opts;
  const run = work ?? (opts as JobPlan<JobResult<M>>).work;
  return ctx.jobs.start(method, { title, exclusiveGroup, cancellable, validateResult: (v) => (schema ? schema.parse(v) : v) }, run);
}
