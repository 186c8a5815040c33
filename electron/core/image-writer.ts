import { createHash } from 'node:crypto';
import { constants, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { every, RateMeter } from './meter';
import { AppError } from '../errors';
import { devNumbers } from './drives';

/**
 * The byte-for-byte writer the root helper runs: O_EXCL so nobody else has the drive open, O_DIRECT with
 * page-aligned buffers so the page cache neither slows the write nor fakes the read-back, reading the next
 * chunk of the image while the drive takes the current one, hashing the image as it goes, the first MiB
 * written last (a stick cut off halfway never looks bootable), fdatasync, then an O_DIRECT read-back
 * compared by SHA-256.
 */

export const HEAD_BYTES = 1024 * 1024;
export const CHUNK_BYTES = 4 * 1024 * 1024;
const WASM_PAGE = 64 * 1024;

export type WritePhase = 'write' | 'verify';

export interface WriteProgress {
  phase: WritePhase;
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
  etaSeconds: number | undefined;
}

export interface WriteImageOptions {
  image: string;
  device: string;
  verify: boolean;
  signal?: AbortSignal;
  /** the device's major:minor as the safety checks saw it; the opened file must be that very device */
  expectedDevNumbers?: string;
  onProgress?: (p: WriteProgress) => void;
  onPhase?: (phase: WritePhase | 'sync', label: string) => void;
  log?: (text: string) => void;
  /** called between the write and the read-back (tests use it to damage the copy) */
  beforeVerify?: () => Promise<void>;
  chunkBytes?: number;
  /** opens the image; the root helper opens it with the caller's rights so root cannot be made to copy a file the caller may not read */
  openImage?: (file: string) => Promise<fsp.FileHandle>;
}

export interface WriteImageResult {
  bytesWritten: number;
  /** known when verified: the SHA-256 of the image as it was written; the read-back matched it byte for byte, so it is the stick's too */
  imageSha256: string | null;
  deviceSha256: string | null;
  verified: boolean;
  direct: boolean;
  writeSeconds: number;
  verifySeconds: number | null;
}

/**
 * Buffers the kernel accepts for O_DIRECT. Node cannot ask for aligned memory, but V8 allocates a
 * WebAssembly.Memory with its page allocator (mmap), so its start is page-aligned; malloc'd Buffers are
 * not (glibc puts a 16-byte header in front of mmapped chunks: measured here, EINVAL for every one).
 */
export function alignedBuffers(count: number, size: number): Buffer[] {
  if (size % WASM_PAGE !== 0) throw new Error('aligned buffer size must be a multiple of 64 KiB');
  const pages = (count * size) / WASM_PAGE;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const all = Buffer.from(memory.buffer);
  return Array.from({ length: count }, (_, i) => all.subarray(i * size, (i + 1) * size));
}

async function readSysfs(file: string): Promise<string | null> {
  return fsp.readFile(file, 'utf8').then((t) => t.trim(), () => null);
}

export async function logicalBlockSize(name: string): Promise<number> {
  const n = Number(await readSysfs(`/sys/class/block/${name}/queue/logical_block_size`));
  return Number.isInteger(n) && n >= 512 && n <= 65536 ? n : 512;
}

/**
 * What the kernel says about the device now; a change mid-write means the stick was pulled out, replaced,
 * resized, or (for loop devices) detached — a detach of an open loop device only takes effect on close,
 * so the pending auto-clear is the sign.
 */
interface DeviceState {
  sectors: string | null;
  diskseq: string | null;
  autoclear: string | null;
  backingSize: number | null;
}

async function deviceState(name: string): Promise<DeviceState> {
  const backing = await readSysfs(`/sys/class/block/${name}/loop/backing_file`);
  const backingSize = backing ? ((await fsp.stat(backing).catch(() => null))?.size ?? null) : null;
  return {
    sectors: await readSysfs(`/sys/class/block/${name}/size`),
    diskseq: await readSysfs(`/sys/class/block/${name}/diskseq`),
    autoclear: await readSysfs(`/sys/class/block/${name}/loop/autoclear`),
    backingSize,
  };
}

function describeChange(before: DeviceState, now: DeviceState, written: number): string | null {
  if (now.sectors === null || now.sectors === '0') return 'The drive disappeared while it was being written. Was it unplugged? The stick is not usable; write it again.';
  if (now.diskseq !== before.diskseq) return 'A different drive appeared behind the same name while writing. The stick is not usable; write it again.';
  if (now.sectors !== before.sectors) return 'The drive changed size while it was being written. The stick is not usable; write it again.';
  if (before.autoclear === '0' && now.autoclear === '1') return 'The drive was disconnected while it was being written. The stick is not usable; write it again.';
  if (before.backingSize !== null && now.backingSize !== null && now.backingSize < Math.min(before.backingSize, written)) {
    return 'The drive’s storage shrank while it was being written. The stick is not usable; write it again.';
  }
  return null;
}

function ioError(err: unknown, device: string, stage: 'open' | 'write' | 'verify' | 'sync'): AppError {
  if (err instanceof AppError) return err;
  const e = err as NodeJS.ErrnoException;
  const detail = `${stage}: ${e.code ?? ''} ${e.message ?? String(err)}`;
  switch (e.code) {
    case 'EBUSY':
      return new AppError('busy', `${device} is in use by another program (or one of its partitions is still mounted), so it cannot be opened exclusively. Close whatever uses it and try again.`, detail);
    case 'EROFS':
    case 'EPERM':
    case 'EACCES':
      return new AppError('refused', `${device} is read-only, so the image could not be written. Check for a write-protect switch on the stick or card.`, detail);
    case 'ENOSPC':
      return new AppError('disk-full', `${device} has less room than the image needs (did it shrink or get replaced?). The stick is not usable; write it again.`, detail);
    case 'EIO':
    case 'ENODEV':
    case 'ENXIO':
    case 'ENOENT':
      return new AppError(
        'command-failed',
        stage === 'verify'
          ? `${device} could not be read back (input/output error). The stick is probably faulty or was unplugged.`
          : `${device} stopped accepting data (input/output error). Was it unplugged? The stick is not usable; write it again.`,
        detail,
      );
  }
  return new AppError('command-failed', `Writing to ${device} failed: ${e.message ?? String(err)}`, detail);
}

async function readFull(fh: fsp.FileHandle, buf: Buffer, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** A phase's progress, at most every 150 ms (forced at its end). */
class Meter {
  private readonly rate: RateMeter;
  private readonly due = every(150);
  constructor(
    private readonly phase: WritePhase,
    private readonly total: number,
    private readonly emit?: (p: WriteProgress) => void,
  ) {
    this.rate = new RateMeter(total, { windowMs: 2000 });
  }
  update(bytes: number, force = false) {
    if (this.due(force)) this.emit?.({ phase: this.phase, bytesDone: bytes, bytesTotal: this.total, ...this.rate.sample(bytes) });
  }
  seconds() {
    return this.rate.seconds();
  }
}

async function openDevice(device: string): Promise<{ fh: fsp.FileHandle; direct: boolean }> {
  try {
    return { fh: await fsp.open(device, constants.O_RDWR | constants.O_EXCL | constants.O_DIRECT), direct: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw ioError(err, device, 'open');
  }
  try {
    return { fh: await fsp.open(device, constants.O_RDWR | constants.O_EXCL), direct: false };
  } catch (err) {
    throw ioError(err, device, 'open');
  }
}

/** The drive, opened for writing: direct I/O where it takes it, the page cache with a flush where not. */
interface Target {
  fh: fsp.FileHandle;
  direct: boolean;
  /** the kernel's name of the device (sdb, loop3) */
  name: string;
  /** a length rounded up to whole logical blocks (direct I/O writes and reads whole blocks) */
  padded(n: number): number;
}

async function openTarget(opts: WriteImageOptions, size: number, probe: Buffer, log: (text: string) => void): Promise<Target> {
  const opened = await openDevice(opts.device);
  const target: Target = { fh: opened.fh, direct: opened.direct, name: '', padded: (n) => n };
  try {
    const devStat: Stats = await target.fh.stat();
    if (!devStat.isBlockDevice()) throw new AppError('refused', `${opts.device} is not a block device.`);
    if (opts.expectedDevNumbers && devNumbers(devStat.rdev) !== opts.expectedDevNumbers) {
      throw new AppError('conflict', `The device at ${opts.device} changed while it was being opened. Nothing was written.`);
    }
    target.name = path.basename(await fsp.realpath(opts.device));
    const lbs = await logicalBlockSize(target.name);
    target.padded = (n) => Math.ceil(n / lbs) * lbs;
    if (target.direct) {
      try {
        await target.fh.read(probe, 0, lbs, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw ioError(err, opts.device, 'open');
        log('The drive refused direct I/O; writing through the page cache with a flush at the end instead.');
        await target.fh.close();
        target.fh = (await fsp.open(opts.device, constants.O_RDWR | constants.O_EXCL).catch((e) => Promise.reject(ioError(e, opts.device, 'open')))) as fsp.FileHandle;
        target.direct = false;
      }
    }
    const devSectors = Number(await readSysfs(`/sys/class/block/${target.name}/size`));
    if (Number.isFinite(devSectors) && devSectors > 0 && devSectors * 512 < target.padded(size)) {
      throw new AppError('refused', `${opts.device} is smaller than the image (${devSectors * 512} < ${size} bytes).`);
    }
    return target;
  } catch (err) {
    await target.fh.close().catch(() => {});
    throw err;
  }
}

/** Between chunks: stop when asked, and stop when the drive went away or changed (at most every 250 ms unless forced). */
async function deviceWatch(opts: WriteImageOptions, name: string) {
  const before = await deviceState(name);
  let lastCheck = performance.now();
  const check = async (written: number, force = false) => {
    if (opts.signal?.aborted) throw new AppError('cancelled', 'Cancelled. The stick is only partly written and will not boot; write it again or reformat it.');
    if (!force && performance.now() - lastCheck < 250) return;
    lastCheck = performance.now();
    const problem = describeChange(before, await deviceState(name), written);
    if (problem) throw new AppError('command-failed', problem);
  };
  return { before, check };
}

type Buffers = [head: Buffer, a: Buffer, b: Buffer, imgA: Buffer, imgB: Buffer];

/**
 * Everything after the first MiB, reading the next chunk while the drive takes the current one; then the
 * first MiB, last: a stick cut off before that has no partition table and boots nothing. When a verify
 * follows, the image is hashed here, each chunk while the thread pool writes it (the main thread would only
 * wait otherwise), so the read-back can be a plain byte comparison: hashing there came after every read and
 * made the verify SHA-256-bound (5x slower than reading, measured on loop devices).
 */
async function writeAll(opts: WriteImageOptions, image: fsp.FileHandle, size: number, target: Target, [headBuf, bufA, bufB]: Buffers, check: (written: number, force?: boolean) => Promise<void>) {
  const chunk = opts.chunkBytes ?? CHUNK_BYTES;
  opts.onPhase?.('write', 'Writing');
  const imageHash = opts.verify ? createHash('sha256') : null;
  const meter = new Meter('write', size, opts.onProgress);
  const headLen = Math.min(HEAD_BYTES, size);
  const headRead = await readFull(image, headBuf, headLen, 0);
  if (headRead !== headLen) throw new AppError('command-failed', 'The image got shorter while it was being read.');
  imageHash?.update(headBuf.subarray(0, headLen));
  const writeAt = async (buf: Buffer, n: number, pos: number) => {
    const len = target.padded(n);
    if (len > n) buf.fill(0, n, len);
    let done = 0;
    while (done < len) {
      const { bytesWritten } = await target.fh.write(buf, done, len - done, pos + done).catch((e) => Promise.reject(ioError(e, opts.device, 'write')));
      if (bytesWritten === 0) throw ioError(Object.assign(new Error('wrote 0 bytes'), { code: 'ENOSPC' }), opts.device, 'write');
      done += bytesWritten;
    }
  };

  let pos = headLen;
  let written = 0;
  let current = bufA;
  let spare = bufB;
  let n = pos < size ? await readFull(image, current, Math.min(chunk, size - pos), pos) : 0;
  while (n > 0) {
    await check(pos);
    const nextPos = pos + n;
    const writing = writeAt(current, n, pos);
    const reading = nextPos < size ? readFull(image, spare, Math.min(chunk, size - nextPos), nextPos) : Promise.resolve(0);
    imageHash?.update(current.subarray(0, n));
    const [, nextN] = await Promise.all([writing, reading]);
    written += n;
    meter.update(written);
    pos = nextPos;
    n = nextN;
    [current, spare] = [spare, current];
  }
  if (pos !== size) throw new AppError('command-failed', 'The image got shorter while it was being written.');
  await check(written, true);
  await writeAt(headBuf, headLen, 0);
  written += headLen;
  opts.onPhase?.('sync', 'Flushing to the drive');
  await target.fh.datasync().catch((e) => Promise.reject(ioError(e, opts.device, 'sync')));
  await check(written, true);
  meter.update(written, true);
  return { written, imageHash, writeSeconds: meter.seconds() };
}

/**
 * Reads the stick back with O_DIRECT (so the bytes come from the stick, not from memory) alongside the
 * image; every chunk must be identical. Returns the seconds it took.
 */
async function verifyAll(opts: WriteImageOptions, image: fsp.FileHandle, size: number, target: Target, [, bufA, bufB, imgA, imgB]: Buffers, check: (written: number, force?: boolean) => Promise<void>, written: number): Promise<number> {
  const chunk = opts.chunkBytes ?? CHUNK_BYTES;
  opts.onPhase?.('verify', 'Verifying');
  const vmeter = new Meter('verify', size, opts.onProgress);
  const readPair = async (devBuf: Buffer, imgBuf: Buffer, at: number) => {
    const want = Math.min(chunk, size - at);
    const [got, fromImage] = await Promise.all([
      readFull(target.fh, devBuf, target.padded(want), at).catch((e) => Promise.reject(ioError(e, opts.device, 'verify'))),
      readFull(image, imgBuf, want, at),
    ]);
    if (got < want) throw new AppError('command-failed', `${opts.device} returned less data than was written. The stick is probably faulty or was unplugged.`);
    if (fromImage !== want) throw new AppError('command-failed', 'The image changed while the stick was being verified. Write it again.');
    return want;
  };
  let at = 0;
  let [cur, curImg, other, otherImg] = [bufA, imgA, bufB, imgB];
  let len = await readPair(cur, curImg, 0);
  let mismatchAt: number | null = null;
  while (len > 0) {
    await check(written);
    const nextAt = at + len;
    const reading = nextAt < size ? readPair(other, otherImg, nextAt) : Promise.resolve(0);
    if (!cur.subarray(0, len).equals(curImg.subarray(0, len))) {
      mismatchAt = at;
      await reading.catch(() => 0);
      break;
    }
    const nextLen = await reading;
    vmeter.update(nextAt);
    at = nextAt;
    len = nextLen;
    [cur, curImg, other, otherImg] = [other, otherImg, cur, curImg];
  }
  if (mismatchAt !== null) {
    throw new AppError(
      'command-failed',
      `Verification failed: what was read back from ${opts.device} differs from the image. The stick may be faulty or counterfeit; try another one.`,
      `first difference in the 4 MiB block at byte ${mismatchAt}`,
    );
  }
  await check(written, true);
  vmeter.update(size, true);
  return vmeter.seconds();
}

export async function writeImage(opts: WriteImageOptions): Promise<WriteImageResult> {
  const log = opts.log ?? (() => {});
  const image = await (opts.openImage ?? ((f: string) => fsp.open(f, constants.O_RDONLY | constants.O_NOFOLLOW)))(opts.image).catch((err: NodeJS.ErrnoException) => {
    if (err instanceof AppError) throw err;
    throw new AppError('not-found', `The image ${opts.image} could not be opened: ${err.code === 'ENOENT' ? 'it does not exist' : err.message}.`);
  });
  let target: Target | null = null;
  try {
    const imageStat = await image.stat();
    if (!imageStat.isFile() || imageStat.size === 0) throw new AppError('refused', `${opts.image} is not a regular, non-empty file.`);
    const size = imageStat.size;
    const buffers = alignedBuffers(5, Math.max(HEAD_BYTES, opts.chunkBytes ?? CHUNK_BYTES)) as Buffers;
    target = await openTarget(opts, size, buffers[1], log);
    const { before, check } = await deviceWatch(opts, target.name);

    const { written, imageHash, writeSeconds } = await writeAll(opts, image, size, target, buffers, check);
    log(`Wrote ${size} bytes in ${writeSeconds.toFixed(2)} s (${target.direct ? 'direct I/O' : 'cached I/O + fdatasync'}).`);

    // Identical bytes have the SHA-256 the image had as it was written, so that is the stick's checksum
    // (an image changed since would differ from what the stick holds).
    let deviceSha256: string | null = null;
    let verifySeconds: number | null = null;
    if (opts.verify) {
      await opts.beforeVerify?.();
      verifySeconds = await verifyAll(opts, image, size, target, buffers, check, written);
      deviceSha256 = imageHash!.digest('hex');
      log(`Verified ${size} bytes in ${verifySeconds.toFixed(2)} s: identical to the image; SHA-256 ${deviceSha256}.`);
    }
    const { direct, name } = target;
    await target.fh.close();
    target = null;
    // A loop device detached while open disappears only now: look once more.
    const problem = describeChange(before, await deviceState(name), written);
    if (problem) throw new AppError('command-failed', problem);
    return { bytesWritten: size, imageSha256: deviceSha256, deviceSha256, verified: deviceSha256 !== null, direct, writeSeconds, verifySeconds };
  } finally {
    await target?.fh.close().catch(() => {});
    await image.close().catch(() => {});
  }
}
