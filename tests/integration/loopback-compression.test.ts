import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedEncodings, startLoopback, type LoopbackServer } from '../../electron/rpc/loopback';
import { tempDir, testApp } from '../helpers/app';

/**
 * The loopback server sends the build's precompressed <file>.br / <file>.gz when the browser accepts
 * it (Accept-Encoding, q-values honoured), with the original's content type and the same CSP; the
 * plain file otherwise, and for files nothing was precompressed for.
 */
let server: LoopbackServer;
const js = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
const html = '<!doctype html><title>app</title><div id="root">Loading…</div>'.padEnd(2000, ' ');

function get(pathname: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    // node's http client never decompresses: the test sees the bytes on the wire
    const req = http.request({ host: url.hostname, port: url.port, method, path: pathname, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), html);
  writeFileSync(path.join(dir, 'index.html.br'), brotliCompressSync(html));
  writeFileSync(path.join(dir, 'assets/app.js'), js);
  writeFileSync(path.join(dir, 'assets/app.js.br'), brotliCompressSync(js));
  writeFileSync(path.join(dir, 'assets/app.js.gz'), gzipSync(js));
  writeFileSync(path.join(dir, 'assets/small.css'), 'a{}');
  const app = await testApp();
  server = await startLoopback({ router: app.router, events: app.ctx.events, rendererDir: dir });
});
afterAll(async () => server?.close());

describe('compressed static files', () => {
  it('sends the brotli file to a browser that takes br, as JavaScript with the CSP', async () => {
    const res = await get('/assets/app.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.body.length).toBeLessThan(js.length / 10);
    expect(brotliDecompressSync(res.body).toString()).toBe(js);
  });

  it('sends gzip when brotli is refused or not offered, and the plain file without Accept-Encoding', async () => {
    for (const accept of ['gzip', 'br;q=0, gzip;q=0.8', 'deflate, gzip']) {
      const res = await get('/assets/app.js', { 'accept-encoding': accept });
      expect(res.headers['content-encoding'], accept).toBe('gzip');
      expect(gunzipSync(res.body).toString()).toBe(js);
    }
    for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br;q=0, gzip;q=0' }] as Record<string, string>[]) {
      const res = await get('/assets/app.js', headers);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.body.toString()).toBe(js);
    }
  });

  it('falls back to the next encoding or the plain file when no compressed copy exists', async () => {
    const index = await get('/', { 'accept-encoding': 'gzip, br' });
    expect(index.headers['content-encoding']).toBe('br'); // only index.html.br exists
    expect(brotliDecompressSync(index.body).toString()).toBe(html);
    expect((await get('/', { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();
    const css = await get('/assets/small.css', { 'accept-encoding': 'br, gzip' });
    expect(css.headers['content-encoding']).toBeUndefined();
    expect(css.body.toString()).toBe('a{}');
  });

  it('serves client routes as the compressed index.html, and HEAD with the compressed length', async () => {
    const route = await get('/system/generations', { 'accept-encoding': 'br' });
    expect(route.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(brotliDecompressSync(route.body).toString()).toBe(html);
    const head = await get('/assets/app.js', { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBe(brotliCompressSync(js).length);
  });

  it('still refuses paths outside the renderer, whatever the encoding', async () => {
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await get(p, { 'accept-encoding': 'br, gzip' });
      expect(res.body.toString()).not.toContain('root:');
    }
    expect((await get('/rpc', { 'accept-encoding': 'br', host: 'evil.example:80' })).status).toBe(403);
  });
});

describe('acceptedEncodings', () => {
  it('reads q-values and wildcards', () => {
    expect(acceptedEncodings('gzip, deflate, br, zstd')).toEqual(['br', 'gzip']);
    expect(acceptedEncodings('br;q=0, *')).toEqual(['gzip']);
    expect(acceptedEncodings('*;q=0.5')).toEqual(['br', 'gzip']);
    expect(acceptedEncodings('BR; Q=0.0')).toEqual([]);
    expect(acceptedEncodings('gzip;q=nonsense')).toEqual([]);
    expect(acceptedEncodings(undefined)).toEqual([]);
    expect(acceptedEncodings('')).toEqual([]);
  });
});
