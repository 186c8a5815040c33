import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetchFailureReason, hostOf } from '../../electron/services/search/fetch-failure';

/** The words for a failed download, from real fetch() failures made on this machine. */
describe('fetchFailureReason', () => {
  it('a port where nothing listens: the server refused the connection', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    const err = await fetch(`http://127.0.0.1:${port}/packages.json.br`).then(() => null, (e: unknown) => e);
    expect(err).not.toBeNull();
    expect(fetchFailureReason(err)).toBe('the server refused the connection');
  });

  it('names the host of an address, and passes anything else through', () => {
    expect(hostOf('https://channels.nixos.org/nixos-24.11/packages.json.br')).toBe('channels.nixos.org');
    expect(hostOf('not an address')).toBe('not an address');
    expect(fetchFailureReason(new TypeError('fetch failed', { cause: new Error('bad port') }))).toBe('bad port');
  });
});
