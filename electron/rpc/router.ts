import type { z } from 'zod';
import { isMethodName, methods, type MethodName, type ParsedParams, type Result } from '../../shared/contract';
import type { RpcError } from '../../shared/contract/core';
import { toRpcError } from '../errors';

export type RpcResponse = { ok: true; result: unknown } | { ok: false; error: RpcError };

export type Handler<M extends MethodName> = (params: ParsedParams<M>) => Promise<Result<M>> | Result<M>;
export type Handlers = { [M in MethodName]: Handler<M> };

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(params)'}: ${i.message}`).join('; ');
}

/**
 * The one entry point for every request, whatever the transport.
 * Validates params before a service sees them and results before the caller does; never throws.
 */
export class Router {
  constructor(
    private readonly handlers: Handlers,
    private readonly onInternalError: (method: string, err: unknown) => void = () => {},
  ) {}

  async call(method: unknown, params: unknown): Promise<RpcResponse> {
    if (typeof method !== 'string') {
      // String(method) would throw for an object like {"toString": "x"}: name no untrusted value here
      return { ok: false, error: { code: 'unknown-method', message: 'The method name must be text.' } };
    }
    if (!isMethodName(method)) {
      return { ok: false, error: { code: 'unknown-method', message: `There is no method called ${JSON.stringify(method).slice(0, 80)}.` } };
    }
    const def = methods[method];
    const parsed = def.params.safeParse(params ?? {});
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid-params', message: `The request to ${method} was not valid.`, detail: describeIssues(parsed.error) } };
    }
    try {
      const handler = this.handlers[method] as (p: unknown) => unknown;
      const value = await handler(parsed.data);
      const checked = def.result.safeParse(value);
      if (!checked.success) {
        this.onInternalError(method, new Error(`result of ${method} does not match the contract: ${describeIssues(checked.error)}`));
        return { ok: false, error: { code: 'invalid-result', message: 'The app produced an answer it could not vouch for, so it was withheld.', detail: describeIssues(checked.error) } };
      }
      return { ok: true, result: checked.data };
    } catch (err) {
      // a bug's stack goes to onInternalError (the log), never to the caller
      return { ok: false, error: toRpcError(err, (e) => this.onInternalError(method, e)) };
    }
  }
}
