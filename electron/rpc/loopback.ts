import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppEvent } from '../../shared/contract/events';
import type { EventBus } from '../exec/events';
import { CONTENT_TYPES } from '../services/desktop/app-origin';
import type { Router } from './router';

/**
 * Loopback transport: the same router over HTTP on 127.0.0.1, events over a WebSocket, and the built
 * renderer as static files, so a browser (or Playwright) drives the real app. Every request needs the
 * random token; requests from a foreign Origin or Host are refused before anything runs.
 */
export interface LoopbackOptions {
  router: Router;
  events: EventBus;
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface LoopbackServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** a client with more unsent event bytes than this is behind: its log lines are dropped (it re-fetches them) */
const SLOW_CLIENT_BYTES = 4 * 1024 * 1024;
/** ... until it is down to this */
const CAUGHT_UP_BYTES = 512 * 1024;
/** the same policy the Electron window enforces, plus the WebSocket back to this server */
const csp = (origin: string) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${origin.replace('http', 'ws')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startLoopback(opts: LoopbackOptions): Promise<LoopbackServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  let origin = '';
  let allowedHosts = new Set<string>();

  const guard = (req: http.IncomingMessage): 401 | 403 | null => {
    if (!allowedHosts.has(req.headers.host ?? '')) return 403;
    const o = req.headers.origin;
    if (o !== undefined && o !== origin && o !== origin.replace('127.0.0.1', 'localhost')) return 403;
    return null;
  };

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(text);
  };

  const handleRpc = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const auth = req.headers.authorization ?? '';
    if (!sameToken(auth.startsWith('Bearer ') ? auth.slice(7) : null, token)) {
      return send(res, 401, { ok: false, error: { code: 'not-authorized', message: 'Missing or wrong token.' } });
    }
    if (req.method !== 'POST') return send(res, 405, { ok: false, error: { code: 'invalid-params', message: 'Use POST.' } });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return send(res, 413, { ok: false, error: { code: 'invalid-params', message: 'Request too large.' } });
      chunks.push(chunk as Buffer);
    }
    let body: { method?: unknown; params?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return send(res, 400, { ok: false, error: { code: 'invalid-params', message: 'The request body is not JSON.' } });
    }
    if (typeof body !== 'object' || body === null) return send(res, 400, { ok: false, error: { code: 'invalid-params', message: 'The request body must be an object.' } });
    send(res, 200, await opts.router.call(body.method, body.params));
  };

  const serveStatic = async (req: http.IncomingMessage, res: http.ServerResponse, pathname: string) => {
    const root = path.resolve(opts.rendererDir);
    let file = path.resolve(root, '.' + decodeURIComponent(pathname));
    if (file !== root && !file.startsWith(root + path.sep)) return send(res, 404, { error: 'not found' });
    let st = await stat(file).catch(() => null);
    if (!st || st.isDirectory() || !path.extname(file)) {
      file = path.join(root, 'index.html'); // client-side routes
      st = await stat(file).catch(() => null);
    }
    if (!st) return send(res, 404, { error: 'The renderer is not built. Run `npm run build`.' });
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'content-security-policy': csp(origin),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };

  const server = http.createServer((req, res) => {
    const refused = guard(req);
    if (refused) return send(res, refused, { ok: false, error: { code: 'not-authorized', message: 'Requests from other sites are refused.' } });
    const { pathname } = new URL(req.url ?? '/', origin);
    if (pathname === '/rpc') {
      handleRpc(req, res).catch(() => send(res, 500, { ok: false, error: { code: 'internal', message: 'The request failed.' } }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
    serveStatic(req, res, pathname).catch(() => send(res, 500, { error: 'internal' }));
  });

  /**
   * Backpressure: a client that does not keep up (its unsent bytes pile up) gets no more log lines;
   * the first line it missed is remembered per job, and once it has caught up, or before any other
   * event of that job, it gets a `log-gap` marker and fetches the missed lines with jobs.log. Nothing
   * else is ever dropped, and the server never buffers a whole build log for a slow window.
   */
  const gaps = new WeakMap<WebSocket, Map<string, { method: string; from: number; next: number }>>();
  const sendEvent = (ws: WebSocket, event: AppEvent, text: string) => {
    if (event.topic !== 'job' || event.kind === 'progress') return ws.send(text);
    let missed = gaps.get(ws);
    if (!missed) gaps.set(ws, (missed = new Map()));
    const gap = missed.get(event.jobId);
    if (event.kind === 'log') {
      const next = event.index + event.lines.length;
      if (gap && ws.bufferedAmount > CAUGHT_UP_BYTES) return void (gap.next = next);
      if (!gap && ws.bufferedAmount > SLOW_CLIENT_BYTES) return void missed.set(event.jobId, { method: event.method, from: event.index, next });
    }
    if (gap) {
      missed.delete(event.jobId);
      const marker: AppEvent = { topic: 'job', jobId: event.jobId, method: gap.method, kind: 'log-gap', from: gap.from, next: gap.next };
      ws.send(JSON.stringify(marker));
    }
    ws.send(text);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const refused = guard(req) ?? (sameToken(url.searchParams.get('token'), token) ? null : 401);
    if (url.pathname !== '/events' || refused) {
      socket.end(`HTTP/1.1 ${refused ?? 404} ${refused === 403 ? 'Forbidden' : refused === 401 ? 'Unauthorized' : 'Not Found'}\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => {}); // the event channel is one-way
    });
  });
  const unsubscribe = opts.events.on((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) sendEvent(ws, event, text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  return {
    url: origin,
    token,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
