import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ImageFormat, ImageResult, IsoArch, IsoEdition } from '../../../shared/contract/installer';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { hashFileInto, sha256File } from '../../core/hash';
import { byteProgress, every, RateMeter, type Rate } from '../../core/meter';
import { networkError, request } from '../../core/http';
import { checkDiskImage } from './local-image';
import { cachedIsoDir, cachedIsoPath, parseSha256File, resolveImage } from './releases';

/**
 * Downloads into the user's cache: `<name>.part` while it comes in (with `<name>.part.json` saying from
 * where), SHA-256 computed on the bytes as they arrive, renamed to `<name>` only once the hash matches the
 * published one, with `<name>.sha256` next to it. An interrupted download resumes with an HTTP Range request,
 * in the same run (a few retries) or the next.
 */

const MAX_RETRIES = 5;
// bytes the file stream may hold before the socket is paused
const WRITE_HIGH_WATER = 8 * 1024 * 1024;

interface PartMeta {
  url: string;
  size: number | null;
  etag: string | null;
  lastModified: string | null;
}

async function readMeta(file: string): Promise<PartMeta | null> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as PartMeta;
  } catch {
    return null;
  }
}

async function ensureRoom(dir: string, needed: number) {
  const s = await fsp.statfs(dir).catch(() => null);
  if (!s) return;
  const free = s.bavail * s.bsize;
  if (free < needed + 64 * 1024 * 1024) {
    throw new AppError('disk-full', `There is not enough free space for the download: it needs ${(needed / 1e9).toFixed(2)} GB, and ${dir} has ${(free / 1e9).toFixed(2)} GB free. Free some space and try again.`);
  }
}

/**
 * Streams `url` from byte `from` into `file`, updating `hash`. Returns bytes received;
 * throws a network AppError (with `retryable`) when the connection drops.
 *
 * Each chunk is hashed on arrival, on this thread: Node's SHA-256 runs at 0.5-2 GB/s, faster than real
 * downloads, and measured here this beat handing the bytes to a worker thread (a copy per message, and on two
 * cores the worker only competes with the socket for the CPU). The chunk then goes
 * to a file write stream; when it holds more than WRITE_HIGH_WATER the socket is paused. On any stop the
 * stream is flushed first, so the partial file and the hash always cover the same bytes.
 */
async function fetchRange(
  url: string,
  file: string,
  from: number,
  hashRef: { hash: Hash },
  meta: PartMeta,
  onBytes: (total: number) => void,
  signal: AbortSignal,
): Promise<{ restarted: boolean; complete: boolean; total: number }> {
  const headers: Record<string, string> = {};
  if (from > 0) {
    headers.range = `bytes=${from}-`;
    if (meta.etag) headers['if-range'] = meta.etag;
    else if (meta.lastModified) headers['if-range'] = meta.lastModified;
  }
  const res = await request(url, { headers, signal, idleTimeoutMs: 60_000 }).catch((err: unknown) => {
    // a connection cut before the answer is worth another try; refused (offline) is not
    if (err instanceof AppError && err.code === 'network' && /ECONNRESET|EPIPE|ETIMEDOUT|socket hang up/i.test(`${err.detail ?? ''} ${err.message}`)) {
      throw Object.assign(err, { retryable: true, position: from });
    }
    throw err;
  });
  const status = res.statusCode ?? 0;
  if (status === 404 || status === 410) {
    res.resume();
    throw new AppError('not-found', 'The image is not on the download server (404). It may have been replaced by a newer build: go back and choose again.', url);
  }
  if (status === 416) {
    res.resume();
    return { restarted: true, complete: false, total: 0 };
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new AppError('network', `The download server answered ${status}. Try again later.`, url);
  }
  let start = from;
  let restarted = false;
  if (status === 200 && from > 0) {
    // the server ignored the range (or the file changed): start over
    restarted = true;
    start = 0;
    await fsp.truncate(file, 0);
    hashRef.hash = createHash('sha256');
  }
  const length = Number(res.headers['content-length']);
  const expectedEnd = Number.isFinite(length) ? start + length : null;
  if (!meta.etag && typeof res.headers.etag === 'string') meta.etag = res.headers.etag;
  if (!meta.lastModified && typeof res.headers['last-modified'] === 'string') meta.lastModified = res.headers['last-modified'];
  if (status === 200 && Number.isFinite(length)) meta.size = length;

  const out = createWriteStream(file, { flags: 'r+', start, highWaterMark: WRITE_HIGH_WATER });
  let writeError: NodeJS.ErrnoException | null = null;
  out.on('error', (err) => {
    writeError = err;
    res.destroy(err);
  });
  out.on('drain', () => res.resume());
  // everything handed to the stream is on disk (in the page cache) and the file is closed
  const flushed = () =>
    new Promise<void>((resolve) => {
      if (out.closed) return resolve();
      out.once('close', () => resolve());
      if (!out.destroyed) out.end();
    });
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      res.on('data', (buf: Buffer) => {
        hashRef.hash.update(buf);
        received += buf.length;
        if (!out.write(buf)) res.pause();
        onBytes(start + received);
      });
      res.once('end', resolve);
      res.once('error', reject);
      res.once('aborted', () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      res.once('close', () => (res.complete ? resolve() : reject(Object.assign(new Error('connection closed early'), { code: 'ECONNRESET' }))));
    });
    await flushed();
    if (writeError) throw writeError;
  } catch (err) {
    await flushed();
    if (writeError) throw writeError;
    if (signal.aborted) throw new AppError('cancelled', 'Download paused. It will resume from where it stopped next time.');
    if (err instanceof AppError) throw err;
    throw Object.assign(networkError(Object.assign(err as Error, { code: (err as NodeJS.ErrnoException).code ?? 'ECONNRESET' }), url), { retryable: true, position: start + received });
  }
  const pos = start + received;
  const end = expectedEnd ?? meta.size;
  if (end !== null && pos < end) {
    throw Object.assign(new AppError('network', 'The download was cut short by the server.'), { retryable: true, position: pos });
  }
  return { restarted, complete: true, total: pos };
}

type ResolvedImage = Awaited<ReturnType<typeof resolveImage>> & { sha256: string };
type ImageBase = Pick<ImageResult, 'fileName' | 'expectedSha256' | 'version' | 'url'>;

/** A cached copy is reused when its recorded checksum is still the published one and its bytes still hash to it. */
async function reuseCached(job: JobContext, image: ResolvedImage, final: string, base: ImageBase): Promise<ImageResult | null> {
  job.phase('verify', 'Checking the copy downloaded earlier', { cancellable: true });
  const size = (await fsp.stat(final)).size;
  const meter = new RateMeter(size);
  const { sha256: sum } = await sha256File(final, { onBytes: (n) => progress(job, n, size, meter.sample(n)), signal: job.signal });
  if (sum === image.sha256) {
    job.log('The copy in the cache is intact; no download needed.');
    const format = await refuseNonImage(final);
    return { ...base, path: final, size, sha256: sum, matches: true, reused: true, downloadedBytes: 0, resumedFrom: 0, isoHybrid: format === 'iso-hybrid', format };
  }
  job.log('The cached copy is damaged; downloading again.');
  await fsp.unlink(final).catch(() => {});
  await fsp.unlink(`${final}.sha256`).catch(() => {});
  return null;
}

/** Where the download starts: the end of a partial file of the same URL and size (hashed into `hashRef` on the way), else 0. */
async function resumePoint(job: JobContext, image: ResolvedImage, part: string, metaFile: string, hashRef: { hash: Hash }): Promise<{ from: number; meta: PartMeta }> {
  const meta = await readMeta(metaFile);
  const partSize = await fsp.stat(part).then((s) => s.size, () => 0);
  if (meta && meta.url === image.url && partSize > 0 && (meta.size === null || image.size === null || meta.size === image.size)) {
    job.phase('verify', 'Checking the partial download', { cancellable: true });
    const from = await hashFileInto(hashRef.hash, part, { onBytes: (n) => progress(job, n, image.size ?? partSize, STILL), signal: job.signal });
    job.log(`Resuming at ${from} bytes.`);
    return { from, meta };
  }
  await fsp.rm(part, { force: true });
  return { from: 0, meta: { url: image.url, size: image.size, etag: null, lastModified: null } };
}

/** Downloads from `from` to the end, resuming after a broken connection (a few retries with back-off). */
async function transfer(job: JobContext, image: ResolvedImage, files: { dir: string; part: string; metaFile: string }, meta: PartMeta, hashRef: { hash: Hash }, from: number): Promise<{ total: number; downloaded: number }> {
  const { dir, part, metaFile } = files;
  job.phase('download', 'Downloading', { cancellable: true });
  await (await fsp.open(part, 'a')).close(); // exists, so the write stream can open it in place (r+)
  const meter = new RateMeter(image.size ?? meta.size);
  const due = every(100);
  let downloaded = 0;
  let total = from;
  const sessionStart = from;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetchRange(
          image.url,
          part,
          total,
          hashRef,
          meta,
          (n) => {
            downloaded = n - sessionStart;
            if (due()) progress(job, n, image.size ?? meta.size ?? null, meter.sample(n));
          },
          job.signal,
        );
        if (r.restarted && !r.complete) {
          // 416: what we have is not a prefix the server recognises; start from zero
          job.log('The server refused to resume; starting over.', 'stderr');
          await fsp.truncate(part, 0);
          hashRef.hash = createHash('sha256');
          total = 0;
          if (attempt >= MAX_RETRIES) throw new AppError('network', 'The download server would not send the file. Try again later.');
          continue;
        }
        if (r.restarted) job.log('The server sent the whole file again (it ignored the resume request).');
        total = r.total;
        break;
      } catch (err) {
        const e = err as AppError & { retryable?: boolean; position?: number };
        // only attempts that brought nothing new count against the limit
        if (e.position !== undefined && e.position > total) attempt = 0;
        if (!e.retryable || attempt >= MAX_RETRIES) throw err;
        total = e.position ?? total;
        await fsp.writeFile(metaFile, JSON.stringify(meta));
        const wait = Math.min(4000, 250 * 2 ** attempt);
        job.log(`Connection lost at ${total} bytes (${e.message}); resuming in ${(wait / 1000).toFixed(1)} s (retry ${attempt + 1} of ${MAX_RETRIES}).`, 'stderr');
        await new Promise((r) => setTimeout(r, wait));
        if (job.signal.aborted) throw new AppError('cancelled', 'Download paused. It will resume from where it stopped next time.');
      }
    }
    // no fsync: the file is only trusted after its hash is checked, and a cached copy is hashed again before reuse
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new AppError('disk-full', `The disk filled up during the download (${dir}). Free some space and try again; the download resumes where it stopped.`);
    }
    if (err instanceof AppError && err.code === 'not-found') {
      await fsp.rm(part, { force: true });
      await fsp.rm(metaFile, { force: true });
    }
    throw err;
  }
  progress(job, total, total, STILL);
  return { total, downloaded };
}

/** The whole file arrived and hashes to the published checksum: it becomes `<name>`, with `<name>.sha256`. Anything else is deleted. */
async function accept(job: JobContext, image: ResolvedImage, files: { part: string; metaFile: string; final: string }, total: number, sha256: string): Promise<void> {
  const { part, metaFile, final } = files;
  if (image.size !== null && total !== image.size) {
    await fsp.rm(part, { force: true });
    await fsp.rm(metaFile, { force: true });
    throw new AppError('network', `The download ended early: ${total} of ${image.size} bytes arrived. The incomplete file was deleted; try again.`);
  }
  if (sha256 !== image.sha256) {
    await fsp.rm(part, { force: true });
    await fsp.rm(metaFile, { force: true });
    throw new AppError(
      'command-failed',
      'The downloaded file does not match its published checksum, so it was deleted and will not be offered for writing. Try again; if it happens again, the download server may have a broken copy.',
      `published  ${image.sha256}\ndownloaded ${sha256}`,
    );
  }
  await fsp.rename(part, final);
  await fsp.writeFile(`${final}.sha256`, `${sha256}  ${image.fileName}`);
  await fsp.rm(metaFile, { force: true });
  job.log(`Downloaded ${total} bytes; SHA-256 matches the published checksum.`);
}

export async function downloadImage(ctx: AppContext, job: JobContext, params: { channel: string; edition: IsoEdition; arch: IsoArch }): Promise<ImageResult> {
  job.phase('resolve', 'Finding the image', { cancellable: true });
  const resolved = await resolveImage(ctx, params.channel, params.edition, params.arch, job.signal);
  if (!resolved.sha256) {
    throw new AppError('not-found', `No checksum is published for ${resolved.fileName}, so the download could not be checked. Try again later, or pick another release.`);
  }
  const image: ResolvedImage = { ...resolved, sha256: resolved.sha256 };
  job.log(`${image.latestUrl} → ${image.url}`);
  job.log(`Published SHA-256: ${image.sha256}`);
  const dir = cachedIsoDir(ctx);
  await fsp.mkdir(dir, { recursive: true });
  const final = cachedIsoPath(ctx, image.fileName);
  const files = { dir, final, part: `${final}.part`, metaFile: `${final}.part.json` };
  const base: ImageBase = { fileName: image.fileName, expectedSha256: image.sha256, version: image.version, url: image.url };

  if (image.cachedPath) {
    const reused = await reuseCached(job, image, final, base);
    if (reused) return reused;
  }
  const hashRef = { hash: createHash('sha256') };
  const { from, meta } = await resumePoint(job, image, files.part, files.metaFile, hashRef);
  if (image.size !== null) await ensureRoom(dir, image.size - from);
  await fsp.writeFile(files.metaFile, JSON.stringify(meta));
  const { total, downloaded } = await transfer(job, image, files, meta, hashRef, from);
  const sha256 = hashRef.hash.digest('hex');
  await accept(job, image, files, total, sha256);
  const format = await refuseNonImage(final);
  return { ...base, path: final, size: total, sha256, matches: true, reused: false, downloadedBytes: downloaded, resumedFrom: from, isoHybrid: format === 'iso-hybrid', format };
}

/** A download that matches its checksum but is no disk image (a broken or hostile server) is deleted, never offered for writing. */
async function refuseNonImage(file: string): Promise<ImageFormat> {
  const size = (await fsp.stat(file)).size;
  try {
    return await checkDiskImage(file, size, path.basename(file));
  } catch (err) {
    await fsp.rm(file, { force: true });
    await fsp.rm(`${file}.sha256`, { force: true });
    throw new AppError(
      'refused',
      'The downloaded file is not a disk image (it has no ISO 9660, MBR or GPT signature, or it is far too small), so it was deleted and will not be offered for writing. The download server may be broken; try again later.',
      err instanceof AppError ? err.detail : undefined,
    );
  }
}

/** no transfer rate to show (hashing what is already on disk) */
const STILL: Rate = { bytesPerSecond: 0, etaSeconds: undefined };

function progress(job: JobContext, done: number, total: number | null, rate: Rate) {
  job.progress(byteProgress(done, total, rate));
}

export { parseSha256File };
