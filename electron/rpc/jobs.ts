import { methods, type JobMethodName, type JobResult, type MethodDef } from '../../shared/contract';
import type { AppContext } from '../context';
import type { JobContext, StartOptions } from '../exec/jobs';

/** Start a job for a contract method; its final value is checked against the method's jobResult schema. */
export function startJob<M extends JobMethodName>(
  ctx: AppContext,
  method: M,
  opts: Omit<StartOptions, 'validateResult'>,
  work: (job: JobContext) => Promise<JobResult<M>>,
): { jobId: string } {
  const schema = (methods as Record<string, MethodDef>)[method]?.jobResult;
  return ctx.jobs.start(method, { ...opts, validateResult: (v) => (schema ? schema.parse(v) : v) }, work);
}
