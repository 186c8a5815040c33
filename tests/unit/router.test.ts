import { describe, expect, it } from 'vitest';
import { AppError } from '../../electron/errors';
import { Router, type Handlers } from '../../electron/rpc/router';
import { methods } from '../../shared/contract';

function routerWith(overrides: Partial<Record<string, (p: unknown) => unknown>>) {
  const handlers = Object.fromEntries(Object.keys(methods).map((m) => [m, overrides[m] ?? (() => { throw new Error(`unexpected call to ${m}`); })])) as unknown as Handlers;
  const internal: string[] = [];
  return { router: new Router(handlers, (m) => internal.push(m)), internal };
}

describe('Router', () => {
  it('refuses an unknown method without calling anything', async () => {
    const { router } = routerWith({});
    const res = await router.call('system.formatDisk', {});
    expect(res).toEqual({ ok: false, error: expect.objectContaining({ code: 'unknown-method' }) });
  });

  it('refuses a non-string method', async () => {
    const { router } = routerWith({});
    expect((await router.call({ toString: () => 'jobs.list' }, {})).ok).toBe(false);
  });

  it('validates params before the handler sees them', async () => {
    let called = false;
    const { router } = routerWith({ 'jobs.cancel': () => { called = true; return { cancelled: true }; } });
    const res = await router.call('jobs.cancel', { jobId: 42 });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('invalid-params');
      expect(res.error.detail).toContain('jobId');
    }
    expect(called).toBe(false);
  });

  it('refuses extra keys in params (strict schemas)', async () => {
    const { router } = routerWith({ 'jobs.list': () => ({ jobs: [] }) });
    const res = await router.call('jobs.list', { evil: '$(rm -rf /)' });
    expect(res.ok).toBe(false);
  });

  it('passes parsed params with defaults applied', async () => {
    let seen: unknown;
    const { router } = routerWith({ 'jobs.log': (p) => { seen = p; return { lines: [], total: 0, dropped: 0 }; } });
    const res = await router.call('jobs.log', { jobId: 'abc' });
    expect(res).toEqual({ ok: true, result: { lines: [], total: 0, dropped: 0 } });
    expect(seen).toEqual({ jobId: 'abc', offset: 0, limit: 1000 });
  });

  it('withholds a result that does not match the contract', async () => {
    const { router, internal } = routerWith({ 'jobs.list': () => ({ jobs: 'not an array' }) });
    const res = await router.call('jobs.list', {});
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('invalid-result');
    expect(internal).toEqual(['jobs.list']);
  });

  it('turns AppError into an error value and unknown errors into internal ones', async () => {
    const { router, internal } = routerWith({
      'jobs.get': () => { throw new AppError('not-found', 'No such job.', 'id x', 'generations'); },
      'jobs.list': () => { throw new TypeError('boom'); },
    });
    expect(await router.call('jobs.get', { jobId: 'x' })).toEqual({ ok: false, error: { code: 'not-found', message: 'No such job.', detail: 'id x', learn: 'generations' } });
    const res = await router.call('jobs.list', {});
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('internal');
    expect(internal).toEqual(['jobs.list']);
  });

  it('maps a full disk to words a person understands', async () => {
    const { router } = routerWith({ 'jobs.list': () => { throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }); } });
    const res = await router.call('jobs.list', {});
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error).toMatchObject({ code: 'disk-full', message: expect.stringContaining('disk is full') });
  });
});
