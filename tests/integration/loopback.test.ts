import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { AppEvent } from '../../shared/contract';
import { createHandlers } from '../../electron/rpc/handlers';
import { startLoopback, type LoopbackServer } from '../../electron/rpc/loopback';
import { Router } from '../../electron/rpc/router';
import { tempDir, testApp } from '../helpers/app';
import { startServe, type Served } from '../e2e/serve';

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

  it('answers a method name that is not text (even one whose toString is a string) as unknown, not as a bug', async () => {
    for (const method of [{ toString: 'jobs.list' }, ['jobs.list'], 7, null]) {
      const res = await request({ method: 'POST', path: '/rpc', headers: { authorization: `Bearer ${server.token}` }, body: JSON.stringify({ method, params: {} }) });
      expect(JSON.parse(res.body)).toEqual({ ok: false, error: { code: 'unknown-method', message: 'The method name must be text.' } });
    }
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

/** One raw exchange on a TCP socket: what the server wrote before closing (or within a second). */
function rawExchange(url: string, text: string | Buffer, opts: { destroyAfterWrite?: boolean } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let got = '';
    const done = () => {
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, 1000);
    socket.on('connect', () => {
      socket.write(text);
      if (opts.destroyAfterWrite) {
        clearTimeout(timer);
        done();
      }
    });
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

describe('a served app (npm run serve) under malformed requests', () => {
  let served: Served;
  let hostHeader: string;
  beforeAll(async () => {
    const dir = tempDir('nc-serve-raw-');
    const hostFile = path.join(dir, 'host.json');
    writeFileSync(
      hostFile,
      JSON.stringify({
        privilege: 'direct',
        homeDir: path.join(dir, 'home'),
        stateDir: path.join(dir, 'state'),
        cacheDir: path.join(dir, 'cache'),
        configDir: path.join(dir, 'config'),
        systemProfile: path.join(dir, 'profiles/system'),
        nixosConfigDir: path.join(dir, 'etc/nixos'),
        channelBaseUrl: 'http://127.0.0.1:9',
      }),
    );
    served = await startServe({ hostFile });
    hostHeader = new URL(served.url).host;
  });
  afterAll(async () => served?.stop());

  const stillServing = async () => {
    expect(await served.rpc('jobs.list')).toEqual({ jobs: [] });
    expect(served.stderr.join('\n')).not.toMatch(/Invalid URL|Uncaught|\n\s+at /);
  };

  it('answers the request line that used to stop it (GET //[) with 400, with and without an upgrade, and keeps serving', async () => {
    const plain = await rawExchange(served.url, `GET //[ HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`);
    expect(plain).toMatch(/^HTTP\/1\.1 400 /);
    expect(plain).toContain('The address is not valid.');
    const upgrade = await rawExchange(served.url, `GET //[ HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    expect(upgrade).toMatch(/^HTTP\/1\.1 400 /);
    // a foreign Host is refused before the address is even looked at
    const foreign = await rawExchange(served.url, `GET //[ HTTP/1.1\r\nHost: evil.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    expect(foreign).toMatch(/^HTTP\/1\.1 403 /);
    await stillServing();
  });

  const malformed: [string, string | Buffer, RegExp][] = [
    ['not HTTP at all', 'HELLO THERE\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['a header line without a colon', `GET / HTTP/1.1\r\nHost: ${'H'}\r\nBad Header\r\n\r\n`, /^HTTP\/1\.1 400 /],
    ['a NUL byte in the request line', 'GET /\0 HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['an unknown HTTP version', 'GET / HTTP/9.9\r\n\r\n', /^HTTP\/1\.1 (400|505) /],
    ['a Content-Length that is not a number', 'POST /rpc HTTP/1.1\r\nHost: H\r\nContent-Length: abc\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['two different Content-Lengths', 'POST /rpc HTTP/1.1\r\nHost: H\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', /^HTTP\/1\.1 400 /],
    ['a broken chunk', 'POST /rpc HTTP/1.1\r\nHost: H\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n', /^HTTP\/1\.1 (400|401|403) /],
    ['headers larger than the server takes', `GET / HTTP/1.1\r\nHost: H\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
    ['a proxy CONNECT', 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', /^HTTP\/1\.1 405 /],
    ['a request without a Host header', 'GET /rpc HTTP/1.1\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 403 /],
    ['invalid UTF-8 and control bytes', Buffer.from([0x47, 0x45, 0x54, 0x20, 0x2f, 0xff, 0xfe, 0x01, 0x20, 0x0d, 0x0a, 0x0d, 0x0a]), /^HTTP\/1\.1 400 /],
  ];
  for (const [what, text, expected] of malformed) {
    it(`answers ${what} with an error in words and keeps serving`, async () => {
      const answer = await rawExchange(served.url, typeof text === 'string' ? text.replace('Host: H\r\n', `Host: ${hostHeader}\r\n`) : text);
      expect(answer).toMatch(expected);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(body).toMatch(/[A-Za-z]{3,} [a-z]{2,}/);
      expect(body).not.toMatch(/\n\s+at /);
      await stillServing();
    });
  }

  it('survives a malformed percent-encoding in a static path', async () => {
    const answer = await rawExchange(served.url, `GET /%E0%A4%A HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await stillServing();
  });

  it('survives clients that hang up mid-request, mid-body and mid-upgrade', async () => {
    await rawExchange(served.url, `POST /rpc HTTP/1.1\r\nHost: ${hostHeader}\r\nAuthorization: Bearer ${served.token}\r\nContent-Length: 1000\r\n\r\n{"method":`, { destroyAfterWrite: true });
    await rawExchange(served.url, `GET /events?token=${served.token} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`, { destroyAfterWrite: true });
    await rawExchange(served.url, `GET /events HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`, { destroyAfterWrite: true });
    await rawExchange(served.url, `GET /events?token=${served.token} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n`, { destroyAfterWrite: true });
    await stillServing();
  });

  it('drops an event client that sends a malformed or oversized frame, and keeps serving', async () => {
    const ws = new WebSocket(`${served.url.replace('http', 'ws')}/events?token=${served.token}`);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => {});
    ws.send(Buffer.alloc(200 * 1024)); // over the 64 KiB a frame may carry
    expect(await closed).toBe(1009);
    // and a frame that breaks the protocol (unmasked, reserved bits set), written by hand
    const ws2 = new WebSocket(`${served.url.replace('http', 'ws')}/events?token=${served.token}`);
    await new Promise((r) => ws2.once('open', r));
    const closed2 = new Promise((r) => ws2.once('close', r));
    ws2.on('error', () => {});
    (ws2 as unknown as { _socket: net.Socket })._socket.write(Buffer.from([0xf1, 0x03, 0x61, 0x62, 0x63]));
    await closed2;
    await stillServing();
  });
});

describe('internal errors', () => {
  it('reach the caller as plain words with a code; the stack goes to the server log only', async () => {
    const app = await testApp();
    const logged: unknown[] = [];
    const handlers = { ...createHandlers(app.ctx, app.services), 'jobs.list': () => { throw new TypeError("Cannot read properties of undefined (reading 'secretField')"); } };
    const router = new Router(handlers as never, (_method, err) => logged.push(err));
    const rendererDir = tempDir();
    const srv = await startLoopback({ router, events: app.ctx.events, rendererDir });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const post = (body: string) =>
        fetch(`${srv.url}/rpc`, { method: 'POST', headers: { authorization: `Bearer ${srv.token}` }, body }).then(async (r) => ({ status: r.status, text: await r.text() }));
      const direct = await post(JSON.stringify({ method: 'jobs.list', params: {} }));
      expect(JSON.parse(direct.text)).toEqual({ ok: false, error: { code: 'internal', message: expect.stringMatching(/^Something went wrong inside the app\. /) } });
      expect(direct.text).not.toMatch(/secretField|TypeError|\s+at |\.ts:\d+/);
      expect(String((logged[0] as Error).stack)).toMatch(/secretField[\s\S]*\n\s+at /);

      // a job that fails with a bug: its error is the same plain message, the stack is logged
      const { jobId } = app.ctx.jobs.start('test.bug', { title: 'Bug' }, async () => {
        throw new RangeError('index 12 out of range in secretTable');
      });
      await app.ctx.jobs.wait(jobId);
      const job = await post(JSON.stringify({ method: 'jobs.get', params: { jobId } }));
      expect(JSON.parse(job.text)).toMatchObject({ ok: true, result: { status: 'failed', error: { code: 'internal', message: expect.stringMatching(/^Something went wrong inside the app\. /) } } });
      expect(job.text).not.toMatch(/secretTable|RangeError|\s+at /);
      expect(errors.mock.calls.map((c) => c.map(String).join(' ')).join('\n')).toMatch(/secretTable/);
    } finally {
      errors.mockRestore();
      await srv.close();
      await app.dispose();
    }
  });
});
