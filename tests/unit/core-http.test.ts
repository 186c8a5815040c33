import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedirect, get, getText } from '../../electron/core/http';

/** A real server on 127.0.0.1 whose answers the tests pick by path. */
let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const to = (location: string) => {
      res.writeHead(302, { location });
      res.end();
    };
    if (req.url === '/hop1') return to('/hop2');
    if (req.url === '/hop2') return to(`${base}/file`);
    if (req.url === '/file') return res.end('the file');
    if (req.url === '/to-file-scheme') return to('file:///etc/passwd');
    if (req.url === '/loop') return to('/loop');
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the one HTTP client', () => {
  it('follows redirects hop by hop and says where it ended', async () => {
    const { response, url } = await get(`${base}/hop1`);
    expect(response.statusCode).toBe(200);
    expect(url).toBe(`${base}/file`);
    response.resume();
    expect(await getText(`${base}/hop1`)).toBe('the file');
    expect(await getText(`${base}/missing`)).toBeNull();
  });

  it('refuses a redirect to another kind of address, and endless redirects', async () => {
    await expect(get(`${base}/to-file-scheme`)).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('file: address') });
    await expect(get(`${base}/loop`)).rejects.toMatchObject({ code: 'network', message: expect.stringContaining('Too many redirects') });
  });

  it('never goes from https down to http; 127.0.0.1 only with the test host allowance', () => {
    expect(() => checkRedirect('https://channels.nixos.org/x', 'http://mirror.example.org/x')).toThrow(/secure \(https\) address to an insecure \(http\) one/);
    expect(() => checkRedirect('https://channels.nixos.org/x', 'http://127.0.0.1:8080/x')).toThrow(/insecure/);
    expect(checkRedirect('https://channels.nixos.org/x', 'http://127.0.0.1:8080/x', true).toString()).toBe('http://127.0.0.1:8080/x');
    expect(checkRedirect('https://channels.nixos.org/x', '/y').toString()).toBe('https://channels.nixos.org/y');
  });

  it('names a refused connection in words, keeping the system error as the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = (await get(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)) as Error & { code: string; cause: { code: string } };
    expect(err.code).toBe('network');
    expect(err.message).toMatch(/connection was refused/);
    expect(err.cause.code).toBe('ECONNREFUSED');
  });
});
