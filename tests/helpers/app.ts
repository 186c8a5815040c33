import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type CompanionApp } from '../../electron/app';
import { loadHost, type HostOverrides } from '../../electron/host';
import type { MethodName, Params, Result, RpcError } from '../../shared/contract';

export function tempDir(prefix = 'nc-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The real app (context, services, router) on a host of the test's choosing. */
export async function testApp(overrides: HostOverrides = {}, env: NodeJS.ProcessEnv = process.env): Promise<CompanionApp & {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  callError(method: string, params: unknown): Promise<RpcError>;
}> {
  const host = loadHost(env, { privilege: 'direct', ...overrides });
  const app = await createApp(host, { onInternalError: () => {} });
  return {
    ...app,
    async call(method, params) {
      const res = await app.router.call(method, params);
      if (!res.ok) throw new Error(`${method} failed: ${res.error.code}: ${res.error.message} ${res.error.detail ?? ''}`);
      return res.result as never;
    },
    async callError(method, params) {
      const res = await app.router.call(method, params);
      if (res.ok) throw new Error(`${method} was expected to fail but returned ${JSON.stringify(res.result).slice(0, 200)}`);
      return res.error;
    },
  };
}
