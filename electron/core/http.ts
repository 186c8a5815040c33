import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AppError } from '../errors';

/**
 * The app's one HTTP client, for the channel, release and package-list servers: plain node:http so every
 * failure has a name in words. Redirects are followed by hand, each hop checked: never from https down to
 * plain http (anyone on the way could change the answer), except to 127.0.0.1 where the host allows it
 * for tests (`allowHttpLoopbackChannels`).
 */

const CONNECT_TIMEOUT_MS = 20_000;
const USER_AGENT = 'nixos-companion';

export function networkError(err: unknown, url: string): AppError {
  if (err instanceof AppError) return err;
  const e = err as NodeJS.ErrnoException;
  const hostName = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const detail = `${e.code ?? 'error'}: ${e.message ?? String(err)}`;
  const named = (message: string) => Object.assign(new AppError('network', message, detail), { cause: err });
  switch (e.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return named(`No network connection: could not reach ${hostName}. Check that you are online, then try again.`);
    case 'ECONNREFUSED':
      return named(`Could not reach ${hostName}: nothing answered there (the connection was refused). The server may be down; try again later.`);
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return named(`${hostName} stopped answering. Check your connection and try again.`);
    case 'ECONNRESET':
    case 'EPIPE':
      return named(`The connection to ${hostName} was cut. Try again; the download resumes where it stopped.`);
  }
  return named(`Could not talk to ${hostName}. Check your connection and try again.`);
}

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** time to connect and get the headers (default 20 s) */
  timeoutMs?: number;
  /** idle time after which the request fails */
  idleTimeoutMs?: number;
}

/** One request, no redirects followed; resolves once headers arrive. */
export function request(url: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new AppError('invalid-params', `${url} is not a valid address.`));
      return;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      reject(new AppError('refused', `Only http and https addresses are used for downloads (${parsed.protocol}).`));
      return;
    }
    const lib = parsed.protocol === 'https:' ? https : http;
    // agent: false, a fresh connection each time: a kept-alive socket the server has just closed fails with
    // "socket hang up" before any answer, and these few large requests gain nothing from reuse
    const req = lib.request(parsed, { method: opts.method ?? 'GET', headers: { 'user-agent': USER_AGENT, ...opts.headers }, signal: opts.signal, timeout: opts.timeoutMs ?? CONNECT_TIMEOUT_MS, agent: false }, (res) => {
      req.setTimeout(opts.idleTimeoutMs ?? 60_000);
      resolve(res);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') reject(new AppError('cancelled', 'Cancelled.'));
      else reject(networkError(err, url));
    });
    req.end();
  });
}

export async function head(url: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<{ status: number; location: string | null; length: number | null; headers: IncomingMessage['headers'] }> {
  const res = await request(url, { method: 'HEAD', ...opts });
  res.resume();
  const loc = res.headers.location;
  const len = Number(res.headers['content-length']);
  let location: string | null = null;
  if (loc) {
    try {
      location = new URL(loc, url).toString();
    } catch {
      throw new AppError('refused', `${new URL(url).host} redirected to an address that is not valid, so nothing was downloaded.`, loc.slice(0, 300));
    }
  }
  return { status: res.statusCode ?? 0, location, length: Number.isFinite(len) && res.headers['content-length'] !== undefined ? len : null, headers: res.headers };
}

/**
 * A redirect may stay on https or go from http to http; never from https down to plain http, where anyone on
 * the way could change the answer. `allowHttpLoopback` is the host's test-only allowance for 127.0.0.1.
 */
export function checkRedirect(from: string, to: string, allowHttpLoopback = false): URL {
  let target: URL;
  try {
    target = new URL(to, from);
  } catch {
    throw new AppError('refused', 'The download server redirected to an address that is not valid, so nothing was downloaded.', to.slice(0, 300));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new AppError('refused', `The download server redirected to a ${target.protocol} address; only http and https are used for downloads.`, to.slice(0, 300));
  }
  const loopbackAllowed = allowHttpLoopback && target.hostname === '127.0.0.1';
  if (new URL(from).protocol === 'https:' && target.protocol === 'http:' && !loopbackAllowed) {
    throw new AppError(
      'refused',
      'The download server redirected from a secure (https) address to an insecure (http) one, so nothing was downloaded: over plain http anyone on the way could change the file. Try again later, or use another mirror.',
      `${from} -> ${target.toString()}`,
    );
  }
  return target;
}

/** GET, following up to 5 redirects, each checked by checkRedirect. Resolves with the last answer, whatever its status. */
export async function get(url: string, opts: { signal?: AbortSignal; allowHttpLoopback?: boolean } = {}): Promise<{ response: IncomingMessage; url: string }> {
  let current = url;
  for (let hop = 0; hop < 6; hop++) {
    const res = await request(current, opts.signal ? { signal: opts.signal } : {});
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = checkRedirect(current, res.headers.location, opts.allowHttpLoopback).toString();
      continue;
    }
    return { response: res, url: current };
  }
  throw new AppError('network', `Too many redirects from ${url}.`);
}

/** GET a small text file, following up to 5 redirects (never from https to http). Null on 404. */
export async function getText(url: string, signal?: AbortSignal, opts: { maxBytes?: number; allowHttpLoopback?: boolean } = {}): Promise<string | null> {
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const { response: res, url: current } = await get(url, { ...(signal ? { signal } : {}), ...(opts.allowHttpLoopback ? { allowHttpLoopback: true } : {}) });
  const status = res.statusCode ?? 0;
  if (status === 404 || status === 410) {
    res.resume();
    return null;
  }
  if (status !== 200) {
    res.resume();
    throw new AppError('network', `${new URL(current).host} answered with an error (HTTP ${status}). Try again later.`, current);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw new AppError('network', `A file from ${new URL(current).host} is larger than expected, so it was not read. The server may be broken; try again later.`, current);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
