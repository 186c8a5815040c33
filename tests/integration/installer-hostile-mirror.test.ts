import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { candidateStableReleases } from '../../electron/services/installer/releases';
import { tempDir, testApp } from '../helpers/app';
import { IPXE_ISO } from '../helpers/install-media';

/**
 * A hostile (or broken) mirror on 127.0.0.1: the channel's latest-* link redirects to a file name that is
 * not a plain name (`..%2F..%2F..%2F.bashrc` and friends), with a `.sha256` that matches what it sends,
 * so only the name can stop it. Nothing may be written outside the cache, and the job must fail in words.
 */

const channel = `nixos-${candidateStableReleases(new Date())[0]}`;
// a real image, so that a plain name goes all the way through (a download must also be a disk image to be kept)
const payload = readFileSync(IPXE_ISO);
const payloadSha = createHash('sha256').update(payload).digest('hex');

interface Mirror {
  url: string;
  /** the raw last path segment the latest-* link redirects to */
  name: string;
  /** where redirects point: this server (default) or another base URL */
  redirectBase: string | null;
  /** only the .sha256 redirect goes to redirectBase */
  onlyChecksumElsewhere: boolean;
  requests: string[];
  close(): Promise<void>;
}

function handler(m: Mirror): http.RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    m.requests.push(`${req.method} ${url}`);
    const latest = `/${channel}/latest-nixos-minimal-x86_64-linux.iso`;
    if (url === latest || url === `${latest}.sha256`) {
      const sum = url.endsWith('.sha256');
      const base = m.redirectBase && (sum || !m.onlyChecksumElsewhere) ? m.redirectBase : m.url;
      res.writeHead(302, { location: `${base}/pub/${m.name}${sum ? '.sha256' : ''}` }).end();
      return;
    }
    if (url.startsWith('/pub/')) {
      if (url.endsWith('.sha256')) {
        let shown = m.name;
        try {
          shown = decodeURIComponent(m.name);
        } catch {
          /* served as it is */
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`${payloadSha}  ${shown}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payload.length });
      res.end(req.method === 'HEAD' ? undefined : payload);
      return;
    }
    res.writeHead(404).end('Not Found');
  };
}

async function startMirror(tls = false): Promise<Mirror> {
  const m: Mirror = { url: '', name: '', redirectBase: null, onlyChecksumElsewhere: false, requests: [], close: async () => {} };
  const server = tls ? https.createServer({ key: TEST_KEY, cert: TEST_CERT }, handler(m)) : http.createServer(handler(m));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  m.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  m.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return m;
}

/** every file under dir, relative */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('installer against a hostile mirror', () => {
  let mirror: Mirror;
  beforeAll(async () => {
    mirror = await startMirror();
  });
  afterAll(async () => mirror.close());

  // The cache is <home>/.cache/nixos-companion/isos, so ../../../.bashrc is <home>/.bashrc.
  async function attempt(name: string, base = mirror) {
    const dir = tempDir('nc-hostile-');
    const home = path.join(dir, 'home');
    mkdirSync(home);
    const bashrc = path.join(home, '.bashrc');
    writeFileSync(bashrc, '# my own .bashrc\n');
    base.name = name;
    const app = await testApp({ channelBaseUrl: base.url, homeDir: home, cacheDir: path.join(home, '.cache/nixos-companion'), starterConfigDir: path.join(dir, 'starter') });
    const resolved = await app.router.call('installer.resolve', { channel, edition: 'minimal', arch: 'x86_64' });
    const { jobId } = await app.call('installer.download', { channel, edition: 'minimal', arch: 'x86_64' });
    const summary = await app.ctx.jobs.wait(jobId);
    await app.dispose();
    return { resolved, summary, bashrc, home };
  }

  const hostileNames = [
    '..%2F..%2F..%2F.bashrc',
    '..%2f..%2f..%2f.bashrc',
    '%2E%2E%2F%2E%2E%2F%2E%2E%2F.bashrc',
    '..%5C..%5C..%5C.bashrc',
    '.bashrc',
    '..',
    '%2E%2E',
    'nixos%00.iso',
    'nixos%0A.iso',
    'nixos%20minimal.iso',
    'nix%E2%80%AEosi.iso',
    '%E0%A4%A',
    '',
  ];

  for (const name of hostileNames) {
    it(`refuses the file name ${JSON.stringify(name)} from the redirect, writes nothing, and says why`, async () => {
      const { resolved, summary, bashrc, home } = await attempt(name);
      expect(readFileSync(bashrc, 'utf8')).toBe('# my own .bashrc\n');
      // nothing at all was written: no .part, no .sha256, nothing outside or inside the cache
      expect(filesUnder(home)).toEqual(['.bashrc']);
      expect(resolved.ok).toBe(false);
      expect(summary.status).toBe('failed');
      for (const error of [summary.error!, (resolved as { error: { code: string; message: string } }).error]) {
        expect(error.code).toBe('refused');
        expect(error.message).toMatch(/not a plain file name/);
        expect(error.message).not.toMatch(/\n\s+at /);
      }
    });
  }

  it('still downloads a plain name from the same server (the check is on the name, not the server)', async () => {
    const { summary, bashrc, home } = await attempt('nixos-minimal-99.11.1.abc-x86_64-linux.iso');
    expect(summary.status).toBe('done');
    expect(readFileSync(bashrc, 'utf8')).toBe('# my own .bashrc\n');
    expect(filesUnder(home)).toEqual(['.bashrc', '.cache/nixos-companion/isos/nixos-minimal-99.11.1.abc-x86_64-linux.iso', '.cache/nixos-companion/isos/nixos-minimal-99.11.1.abc-x86_64-linux.iso.sha256']);
  });

  describe('redirects from https to plain http', () => {
    let secure: Mirror;
    let plain: Mirror;
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    beforeAll(async () => {
      // the test certificate is self-signed; only this file's requests see it
      process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
      secure = await startMirror(true);
      plain = await startMirror();
    });
    afterEach(() => {
      secure.requests.length = 0;
      plain.requests.length = 0;
    });
    afterAll(async () => {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
      await secure.close();
      await plain.close();
    });

    it('follows an https mirror that stays on https', async () => {
      secure.redirectBase = null;
      const { summary } = await attempt('nixos-minimal-99.11.1.abc-x86_64-linux.iso', secure);
      expect(summary.status).toBe('done');
    });

    it('refuses an image redirect from https to http and never asks the http server', async () => {
      secure.redirectBase = plain.url;
      secure.onlyChecksumElsewhere = false;
      const { summary, home } = await attempt('nixos-minimal-99.11.1.abc-x86_64-linux.iso', secure);
      expect(summary.status).toBe('failed');
      expect(summary.error).toMatchObject({ code: 'refused', message: expect.stringMatching(/secure \(https\).*insecure \(http\)/) });
      expect(plain.requests).toEqual([]);
      expect(filesUnder(home)).toEqual(['.bashrc']);
    });

    it('refuses a checksum redirect from https to http and never asks the http server', async () => {
      secure.redirectBase = plain.url;
      secure.onlyChecksumElsewhere = true;
      const { summary, home } = await attempt('nixos-minimal-99.11.1.abc-x86_64-linux.iso', secure);
      expect(summary.status).toBe('failed');
      expect(summary.error).toMatchObject({ code: 'refused', message: expect.stringMatching(/secure \(https\).*insecure \(http\)/) });
      expect(plain.requests).toEqual([]);
      expect(filesUnder(home)).toEqual(['.bashrc']);
    });
  });
});

// A throwaway self-signed certificate for 127.0.0.1 (EC P-256, made with openssl for this test only).
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIz0QWPd/O9upAUEp
IM/agA2YB6/4ekNpd1er1ciHTZyhRANCAASi3OJKqOkcJbKH2evm57gkQHqwiQQ5
234BjIC4lSdwu2rgRCmd89ew0JE5+OLsztaitS/oLvYr0TAk0DSnEXd3
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUXcGzdrO5EV71sMNgMU042L98G3IwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwMjE2MDEwMFoYDzIxMjYxMTA4
MTYwMTAwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASi3OJKqOkcJbKH2evm57gkQHqwiQQ5234BjIC4lSdwu2rgRCmd89ew
0JE5+OLsztaitS/oLvYr0TAk0DSnEXd3o2QwYjAdBgNVHQ4EFgQUSXHKJ1oHWtdS
GOG75TWjs4YeEaEwHwYDVR0jBBgwFoAUSXHKJ1oHWtdSGOG75TWjs4YeEaEwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
ICwvBVtr13UzZvrFe3mNkqaoF8SEXtEA/97oeAuVYxagAiEAi0+J3EQlvOMFuFAC
d6W5xnPSWXcNNbKxJVul6EVXH+0=
-----END CERTIFICATE-----
`;
