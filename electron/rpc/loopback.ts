import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RpcError } from '../../shared/contract/core';
import type { AppEvent } from '../../shared/contract/events';
import { internalRpcError, logInternalError } from '../errors';
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

/** The path and query of a request line, or null when it is not a valid address (`//[` makes `new URL` throw). */
function parseRequestUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

/** A plain HTTP refusal on a raw socket (a malformed request or a refused upgrade), then close. */
function refuseSocket(socket: Duplex, status: number, reason: string, message: string) {
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** The request body, 'too-large' past MAX_BODY_BYTES (read to the end so the client gets the answer), 'gone' when the client left. */
function readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        // a client that keeps sending far past the limit is cut off
        if (size > 16 * MAX_BODY_BYTES) req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', () => resolve('gone'));
    req.on('close', () => {
      if (!req.complete) resolve('gone');
    });
  });
}

/**
 * The precompressed encodings (written beside each file at build time, vite.config.ts) this request
 * accepts, best first: `br;q=0` or a missing header rule one out; `*` accepts both.
 */
export function acceptedEncodings(header: string | string[] | undefined): ('br' | 'gzip')[] {
  const q = new Map<string, number>();
  for (const part of (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    if (name) q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weight = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  return (['br', 'gzip'] as const).filter((e) => weight(e) > 0);
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  // an answer already under way (or a client gone) cannot get another one
  if (res.headersSent || res.writableEnded) return void res.destroy();
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}
const fail = (res: http.ServerResponse, status: number, code: RpcError['code'], message: string) => send(res, status, { ok: false, error: { code, message } });
function internalFailure(res: http.ServerResponse, err: unknown) {
  logInternalError('loopback', err);
  send(res, 500, { ok: false, error: internalRpcError() });
}

/** POST /rpc with the bearer token: one call to the router. */
async function handleRpc(req: http.IncomingMessage, res: http.ServerResponse, router: Router, token: string) {
  const auth = req.headers.authorization ?? '';
  if (!sameToken(auth.startsWith('Bearer ') ? auth.slice(7) : null, token)) {
    return fail(res, 401, 'not-authorized', 'Missing or wrong token.');
  }
  if (req.method !== 'POST') return fail(res, 405, 'invalid-params', 'Use POST.');
  const body = await readBody(req);
  if (body === 'gone') return;
  if (body === 'too-large') return fail(res, 413, 'invalid-params', 'Request too large.');
  let call: { method?: unknown; params?: unknown };
  try {
    call = JSON.parse(body.toString('utf8')) as typeof call;
  } catch {
    return fail(res, 400, 'invalid-params', 'The request body is not JSON.');
  }
  if (typeof call !== 'object' || call === null || Array.isArray(call)) return fail(res, 400, 'invalid-params', 'The request body must be an object.');
  send(res, 200, await router.call(call.method, call.params));
}

/** The built renderer (client-side routes get index.html), precompressed copies where the browser takes them. */
async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, rendererDir: string, origin: string) {
  const root = path.resolve(rendererDir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return fail(res, 400, 'invalid-params', 'The address is not valid.');
  }
  if (decoded.includes('\0')) return fail(res, 400, 'invalid-params', 'The address is not valid.');
  let file = path.resolve(root, '.' + decoded);
  if (file !== root && !file.startsWith(root + path.sep)) return fail(res, 404, 'not-found', 'There is nothing at this address.');
  let st = await stat(file).catch(() => null);
  if (!st || st.isDirectory() || !path.extname(file)) {
    file = path.join(root, 'index.html'); // client-side routes
    st = await stat(file).catch(() => null);
  }
  if (!st) return fail(res, 404, 'not-found', 'The renderer is not built. Run `npm run build`.');
  // the same file compressed at build time, when the browser takes it (<file>.br / <file>.gz: derived from the checked path)
  let body = file;
  let encoding: 'br' | 'gzip' | null = null;
  for (const e of acceptedEncodings(req.headers['accept-encoding'])) {
    const candidate = `${file}.${e === 'br' ? 'br' : 'gz'}`;
    const cst = await stat(candidate).catch(() => null);
    if (cst?.isFile()) {
      [body, encoding, st] = [candidate, e, cst];
      break;
    }
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': st.size,
    ...(encoding ? { 'content-encoding': encoding } : {}),
    vary: 'Accept-Encoding',
    'content-security-policy': csp(origin),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(body)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** The /events WebSocket of a loopback server: the same token and Host/Origin checks, every app event to every client. */
function attachEventChannel(server: http.Server, { guard, token, events }: { guard: (req: http.IncomingMessage) => 401 | 403 | null; token: string; events: EventBus }): { close(): void } {
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
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // the server stops watching an upgraded socket: a reset from the client must not become an uncaught error
    socket.on('error', () => socket.destroy());
    try {
      // Host and Origin first: nothing from a foreign page is even parsed
      if (guard(req)) return refuseSocket(socket, 403, 'Forbidden', 'Requests from other sites are refused.');
      const url = parseRequestUrl(req.url);
      if (!url) return refuseSocket(socket, 400, 'Bad Request', 'The address is not valid.');
      if (!sameToken(url.searchParams.get('token'), token)) return refuseSocket(socket, 401, 'Unauthorized', 'Missing or wrong token.');
      if (url.pathname !== '/events') return refuseSocket(socket, 404, 'Not Found', 'There is nothing at this address.');
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        ws.on('error', () => ws.terminate()); // a malformed frame ends that connection, not the server
        ws.on('close', () => sockets.delete(ws));
        ws.on('message', () => {}); // the event channel is one-way
      });
    } catch (err) {
      logInternalError('loopback upgrade', err);
      socket.destroy();
    }
  });
  const unsubscribe = events.on((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) sendEvent(ws, event, text);
  });
  return {
    close: () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
    },
  };
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

  const handleRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const refused = guard(req);
    if (refused) return fail(res, refused, 'not-authorized', 'Requests from other sites are refused.');
    const url = parseRequestUrl(req.url);
    if (!url) return fail(res, 400, 'invalid-params', 'The address is not valid.');
    if (url.pathname === '/rpc') {
      handleRpc(req, res, opts.router, token).catch((err: unknown) => internalFailure(res, err));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'invalid-params', 'Only GET and HEAD are served here.');
    serveStatic(req, res, url.pathname, opts.rendererDir, origin).catch((err: unknown) => internalFailure(res, err));
  };

  // Nothing a client sends may stop the server: every handler answers or drops that one connection.
  // requireHostHeader off: guard() refuses a missing Host itself, with words instead of Node's empty 400.
  const server = http.createServer({ requireHostHeader: false }, (req, res) => {
    try {
      handleRequest(req, res);
    } catch (err) {
      internalFailure(res, err);
    }
  });
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    refuseSocket(socket, 405, 'Method Not Allowed', 'This server is not a proxy.');
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // a response already being written on this connection cannot be followed by a refusal
    const answering = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage?.headersSent;
    if (!socket.writable || answering || err.code === 'ECONNRESET') return void socket.destroy();
    const [status, text] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
    refuseSocket(socket, status, text, 'The request could not be understood.');
  });

  const channel = attachEventChannel(server, { guard, token, events: opts.events });

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
      channel.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
