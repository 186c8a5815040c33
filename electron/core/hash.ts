import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { AppError } from '../errors';

/** SHA-256 of a text (as UTF-8) or bytes, as lowercase hex. */
export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

const CHUNK = 4 * 1024 * 1024;

/**
 * Feeds a file into `hash` in 4 MiB reads, reporting the bytes read so far; returns how many bytes were
 * read. Taking the hash from the caller lets a resumed download go on hashing from where the file ends.
 */
export async function hashFileInto(hash: { update(data: Uint8Array): unknown }, file: string, opts: { onBytes?: (bytes: number) => void; signal?: AbortSignal } = {}): Promise<number> {
  const fh = await open(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) throw new AppError('cancelled', 'Cancelled.');
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
      opts.onBytes?.(pos);
    }
  } finally {
    await fh.close();
  }
  return pos;
}

/** SHA-256 of a whole file, streamed. */
export async function sha256File(file: string, opts: { onBytes?: (bytes: number) => void; signal?: AbortSignal } = {}): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const bytes = await hashFileInto(hash, file, opts);
  return { sha256: hash.digest('hex'), bytes };
}
