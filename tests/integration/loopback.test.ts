import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { AppEvent } from '../../shared/contract';
import { startLoopback, type LoopbackServer } from '../../electron/rpc/loopback';
import { tempDir, testApp } from '../helpers/app';

let server: LoopbackServer;
let app: Awaited<ReturnType<typeof testApp>>;

/** raw HTTP, so the test controls Host and Origin exactly as a hostile page or DNS rebinding would */
function request(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const rpcBody = JSON.stringify({ method: 'jobs.list', params: {} });

beforeAll(async () => {
  const rendererDir = tempDir();
  mkdirSync(path.join(rendererDir, 'assets'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(rendererDir, 'assets/app.js'), 'console.log(1)');
  app = await testApp();
  server = await startLoopback({ router: app.router, events: app.ctx.events, rendererDir });
});
afterAll(async () => server?.close());

describe('loopback transport', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it('answers an authorized call through the router', async () => {
    const res = await request({ method: 'POST', path: '/rpc', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: rpcBody });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, result: { jobs: [] } });
  });

  it('refuses a call without the token, or with a wrong one, with 401 and runs nothing', async () => {
    let ran = false;
    const off = app.ctx.events.on(() => (ran = true));
    const jobsBefore = app.ctx.jobs.list().length;
    expect((await request({ method: 'POST', path: '/rpc', body: rpcBody })).status).toBe(401);
    expect((await request({ method: 'POST', path: '/rpc', headers: { authorization: `Bearer ${server.token}x` }, body: rpcBody })).status).toBe(401);
    expect((await request({ method: 'POST', path: '/rpc', headers: { authorization: server.token }, body: rpcBody })).status).toBe(401);
    expect(app.ctx.jobs.list().length).toBe(jobsBefore);
    off();
    expect(ran).toBe(false);
  });

  it('refuses a foreign Origin with 403 even with the token', async () => {
    const res = await request({ method: 'POST', path: '/rpc', headers: { authorization: `Bearer ${server.token}`, origin: 'https://evil.example' }, body: rpcBody });
    expect(res.status).toBe(403);
  });

  it('refuses a foreign Host header (DNS rebinding) with 403', async () => {
    const res = await request({ method: 'POST', path: '/rpc', headers: { authorization: `Bearer ${server.token}`, host: 'evil.example:80' }, body: rpcBody });
    expect(res.status).toBe(403);
  });

  it('answers malformed bodies with an error value, not a crash', async () => {
    const res = await request({ method: 'POST', path: '/rpc', headers: { authorization: `Bearer ${server.token}` }, body: '{nope' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).ok).toBe(false);
    const unknown = await request({ method: 'POST', path: '/rpc', headers: { authorization: `Bearer ${server.token}` }, body: JSON.stringify({ method: 'shell.exec', params: { cmd: 'id' } }) });
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
  });

  it('serves the renderer with a strict CSP and never a file outside it', async () => {
    const index = await request({ path: '/' });
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).toContain("object-src 'none'");
    expect((await request({ path: '/assets/app.js' })).body).toBe('console.log(1)');
    const traversal = await request({ path: '/../../../../etc/passwd' });
    expect(traversal.body).not.toContain('root:');
    const encoded = await request({ path: '/%2e%2e/%2e%2e/%2e%2e/etc/passwd' });
    expect(encoded.body).not.toContain('root:');
  });

  it('streams events on /events only with the token', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/events`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);

    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/events?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const received = new Promise<AppEvent>((resolve) => ws.once('message', (m) => resolve(JSON.parse(String(m)))));
    app.ctx.events.emit({ topic: 'changed', what: 'drives' });
    expect(await received).toEqual({ topic: 'changed', what: 'drives' });
    ws.close();
  });

  it('does not buffer a whole log for a client that does not keep up: it drops lines for it and says where, with a log-gap marker', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/events?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const received: AppEvent[] = [];
    ws.on('message', (m) => received.push(JSON.parse(String(m)) as AppEvent));
    // the client stops reading, as a window busy elsewhere would
    const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    const total = 300_000;
    const { jobId } = app.ctx.jobs.start('test.chatty', { title: 'Chatty' }, async (job) => {
      for (let i = 0; i < total; i++) {
        job.log(`line ${i} ${'.'.repeat(100)}`, 'stdout');
        if (i % 5000 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    });
    await app.ctx.jobs.wait(jobId);
    raw.resume();
    await vi.waitFor(() => expect(received.some((e) => e.topic === 'job' && e.jobId === jobId && e.kind === 'done')).toBe(true), { timeout: 20_000 });
    ws.close();

    const mine = received.flatMap((e) => (e.topic === 'job' && e.jobId === jobId ? [e] : []));
    const gaps = mine.flatMap((e) => (e.kind === 'log-gap' ? [e] : []));
    expect(gaps.length).toBeGreaterThan(0);
    // what was sent plus what the markers name covers every line once, in order, before done
    let next = 0;
    for (const e of mine) {
      if (e.kind === 'log') {
        expect(e.index).toBe(next);
        expect(e.lines[0]!.text).toMatch(new RegExp(`^line ${e.index} `));
        next = e.index + e.lines.length;
      } else if (e.kind === 'log-gap') {
        expect(e.from).toBe(next);
        next = e.next;
      } else if (e.kind === 'done') expect(next).toBe(total);
    }
    expect(mine.at(-1)?.kind).toBe('done');
    const sentLines = mine.reduce((n, e) => n + (e.kind === 'log' ? e.lines.length : 0), 0);
    expect(sentLines).toBeLessThan(total);
    // the missed lines are there to fetch
    const gap = gaps[0]!;
    expect(app.ctx.jobs.log(jobId, gap.from, 1).lines[0]!.text).toMatch(new RegExp(`^line ${gap.from} `));
  });
});
