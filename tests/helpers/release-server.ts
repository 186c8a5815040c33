import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for channels.nixos.org + releases.nixos.org on 127.0.0.1, with the real layout:
 * `/<channel>/latest-nixos-<edition>-<arch>-linux.iso` answers 302 to the versioned file under
 * `/releases/nixos/<rel>/nixos-<ver>/nixos-<edition>-<ver>-<arch>-linux.iso`; the same URL + `.sha256`
 * redirects to `<hex>  <versioned file name>` (no trailing newline). Files support HEAD, Range and ETag.
 * Faults can be switched on per test: drop the connection after N bytes, truncate, wrong checksum,
 * redirect to a missing file.
 */

export interface ServedImage {
  channel: string;
  /** the edition part of the file name: minimal, graphical, gnome, plasma6 ... */
  fileEdition: string;
  arch: 'x86_64' | 'aarch64';
  version: string;
  data: Buffer;
  /** the redirect exists but the file does not */
  missingTarget?: boolean;
  /** publish this hex instead of the real checksum */
  wrongChecksum?: boolean;
  /** no .sha256 next to it */
  noChecksum?: boolean;
}

export interface Faults {
  /** close the connection after this many body bytes, for the next `dropCount` GET requests of an ISO */
  dropAfter?: number;
  dropCount?: number;
  /** ignore Range headers (answer 200 with the whole file) */
  ignoreRange?: boolean;
  /** send only this many bytes with a Content-Length saying so (a truncated file on the server) */
  shortBody?: number;
  /** throttle: bytes per second for ISO bodies */
  bytesPerSecond?: number;
}

export interface ReleaseServer {
  url: string;
  images: ServedImage[];
  faults: Faults;
  requests: { method: string; path: string; range: string | null; status: number }[];
  fileName(img: ServedImage): string;
  sha256(img: ServedImage): string;
  close(): Promise<void>;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function startReleaseServer(images: ServedImage[]): Promise<ReleaseServer> {
  const faults: Faults = {};
  const requests: ReleaseServer['requests'] = [];
  const fileName = (img: ServedImage) => `nixos-${img.fileEdition}-${img.version}-${img.arch}-linux.iso`;
  const releasePath = (img: ServedImage) => `/releases/nixos/${img.channel.replace(/^nixos-/, '')}/nixos-${img.version}/${fileName(img)}`;
  const sums = new Map(images.map((i) => [i, sha(i.data)]));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const record = (status: number) => requests.push({ method: req.method ?? 'GET', path: url.pathname, range: (req.headers.range as string | undefined) ?? null, status });
    const latest = /^\/(nixos-[^/]+)\/latest-nixos-([a-z0-9]+)-(x86_64|aarch64)-linux\.iso(\.sha256)?$/.exec(url.pathname);
    if (latest) {
      const img = images.find((i) => i.channel === latest[1] && i.fileEdition === latest[2] && i.arch === latest[3]);
      if (!img) {
        record(404);
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      record(302);
      res.writeHead(302, { location: `${base}${releasePath(img)}${latest[4] ?? ''}` }).end();
      return;
    }
    const img = images.find((i) => url.pathname === releasePath(i) || url.pathname === `${releasePath(i)}.sha256`);
    if (!img || img.missingTarget || (url.pathname.endsWith('.sha256') && img.noChecksum)) {
      record(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    if (url.pathname.endsWith('.sha256')) {
      const hex = img.wrongChecksum ? sha(Buffer.from('something else')) : sums.get(img)!;
      record(200);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${hex}  ${fileName(img)}`);
      return;
    }
    const etag = `"${sums.get(img)!.slice(0, 16)}"`;
    let body = img.data;
    let status = 200;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', etag, 'last-modified': 'Tue, 01 Sep 2026 10:00:00 GMT' };
    const range = /^bytes=(\d+)-$/.exec((req.headers.range as string | undefined) ?? '');
    const ifRange = req.headers['if-range'];
    if (range && !faults.ignoreRange && (!ifRange || ifRange === etag)) {
      const start = Number(range[1]);
      if (start >= img.data.length) {
        record(416);
        res.writeHead(416, { 'content-range': `bytes */${img.data.length}` }).end();
        return;
      }
      body = img.data.subarray(start);
      status = 206;
      headers['content-range'] = `bytes ${start}-${img.data.length - 1}/${img.data.length}`;
    }
    if (faults.shortBody !== undefined && status === 200) body = body.subarray(0, faults.shortBody);
    headers['content-length'] = body.length;
    record(status);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const drop = faults.dropAfter !== undefined && (faults.dropCount ?? 1) > 0;
    if (drop) faults.dropCount = (faults.dropCount ?? 1) - 1;
    const limit = drop ? Math.min(body.length, faults.dropAfter!) : body.length;
    const rate = faults.bytesPerSecond;
    let sent = 0;
    const step = 256 * 1024;
    const pump = () => {
      while (sent < limit) {
        const piece = body.subarray(sent, Math.min(limit, sent + step));
        sent += piece.length;
        const more = res.write(piece);
        if (rate) {
          setTimeout(pump, (piece.length / rate) * 1000);
          return;
        }
        if (!more) {
          res.once('drain', pump);
          return;
        }
      }
      if (drop) {
        // flush what was written, then cut the connection mid-body
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    images,
    faults,
    requests,
    fileName,
    sha256: (img) => sums.get(img)!,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening: connection refused, like being offline. */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
