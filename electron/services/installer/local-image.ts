import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ImageFormat, ImageResult } from '../../../shared/contract/installer';
import { sha256File } from '../../core/hash';
import { byteProgress, every, RateMeter } from '../../core/meter';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { versionFromFileName } from './releases';

/** Smaller than this, a file is no installer or disk image anyone would write to a stick (the smallest NixOS ISO is ~1 GB). */
export const MIN_IMAGE_BYTES = 1024 * 1024;

export const NOT_A_DISK_IMAGE = 'This file is not a disk image (it has no ISO 9660, MBR or GPT signature). Choose the .iso file you downloaded.';

export interface ImageSignatures {
  /** ISO 9660 volume descriptor: "CD001" at byte 32769 */
  iso9660: boolean;
  /** MBR boot signature: 0x55AA at byte 510 */
  mbr: boolean;
  /** GPT header: "EFI PART" at byte 512 (512-byte sectors) or 4096 (4 KiB sectors) */
  gpt: boolean;
}

/** Reads the signatures at the start of a file. */
export async function inspectImage(file: string): Promise<ImageSignatures> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(0x8006);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const at = (offset: number, text: string) => bytesRead >= offset + text.length && buf.toString('latin1', offset, offset + text.length) === text;
    return {
      iso9660: at(0x8001, 'CD001'),
      mbr: bytesRead >= 512 && buf[510] === 0x55 && buf[511] === 0xaa,
      gpt: at(512, 'EFI PART') || at(4096, 'EFI PART'),
    };
  } finally {
    await fh.close();
  }
}

/**
 * What kind of image the signatures say, or null for a file that is not a disk image at all. An ISO is
 * "hybrid" when it has both an ISO 9660 volume and a partition table (MBR, often GPT too): written raw to a
 * stick, such an image boots. NixOS ISOs are. A disk image (MBR or GPT, no ISO 9660) is written as it is.
 */
export function imageFormat(sig: ImageSignatures): ImageFormat | null {
  if (sig.iso9660) return sig.mbr || sig.gpt ? 'iso-hybrid' : 'iso';
  if (sig.mbr || sig.gpt) return 'disk';
  return null;
}

/**
 * Refuses, in one sentence, a file that is not a disk image: no ISO 9660, MBR or GPT signature, or too
 * small to be one. Nothing refused here is hashed, offered for writing or handed to the root helper.
 */
export async function checkDiskImage(file: string, size: number, shownName = file): Promise<ImageFormat> {
  const sig = await inspectImage(file);
  const format = imageFormat(sig);
  const found = `${shownName}: ${size} bytes; ISO 9660 "CD001" at byte 32769: ${sig.iso9660 ? 'yes' : 'no'}; MBR 0x55AA at byte 510: ${sig.mbr ? 'yes' : 'no'}; GPT "EFI PART" at byte 512: ${sig.gpt ? 'yes' : 'no'}`;
  if (!format) throw new AppError('refused', NOT_A_DISK_IMAGE, found);
  if (size < MIN_IMAGE_BYTES) {
    throw new AppError('refused', `This file is too small to be a disk image (${size < 1024 ? `${size} bytes` : `${Math.round(size / 1024)} KiB`}). Choose the .iso file you downloaded.`, found);
  }
  return format;
}

/** Words for a file that cannot be opened, by what Node says went wrong. */
function unreadable(err: unknown, shown: string): AppError {
  const code = (err as NodeJS.ErrnoException).code;
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new AppError('not-found', `There is no file at ${shown}. Check the path, or choose another file.`, detail);
  if (code === 'EACCES' || code === 'EPERM') return new AppError('not-authorized', `You are not allowed to read ${shown}. Choose a file in your own folders, or copy it there first.`, detail);
  if (code === 'ELOOP') return new AppError('not-found', `${shown} is a link that leads in a circle, not a file. Choose the .iso file itself.`, detail);
  return new AppError('not-found', `${shown} could not be opened. Choose another file.`, detail);
}

export async function checkLocalImage(job: JobContext, params: { path: string; sha256?: string | undefined }): Promise<ImageResult> {
  const shown = params.path;
  const real = await fsp.realpath(params.path).catch((err: unknown) => {
    throw unreadable(err, shown);
  });
  const st = await fsp.stat(real).catch((err: unknown) => {
    throw unreadable(err, shown);
  });
  if (st.isDirectory()) throw new AppError('refused', `${shown} is a folder. Choose the .iso file inside it.`);
  if (!st.isFile()) throw new AppError('refused', `${shown} is not a regular file. Choose the .iso file you downloaded.`);
  if (st.size === 0) throw new AppError('refused', 'This file is empty, so it is not a disk image. Choose the .iso file you downloaded.', `${shown}: 0 bytes`);
  await fsp.access(real, fsp.constants.R_OK).catch((err: unknown) => {
    throw unreadable(err, shown);
  });
  const format = await checkDiskImage(real, st.size, shown);
  if (format === 'iso') job.log('This ISO is not hybrid (no MBR or GPT partition table): it may not boot when written to a USB stick.', 'stderr');
  job.phase('verify', 'Computing the checksum', { cancellable: true });
  const meter = new RateMeter(st.size);
  const due = every(100);
  const { sha256 } = await sha256File(real, { onBytes: (n) => due() && job.progress(byteProgress(n, st.size, meter.sample(n))), signal: job.signal });
  const expected = params.sha256?.toLowerCase() ?? null;
  if (expected && expected !== sha256) {
    throw new AppError('command-failed', `${path.basename(real)} does not match the checksum you gave. The file is damaged or it is a different file; it will not be offered for writing.`, `expected ${expected}\nactual   ${sha256}`);
  }
  job.log(`SHA-256 ${sha256}${expected ? ' (matches)' : ''}`);
  return {
    path: real,
    fileName: path.basename(real),
    size: st.size,
    sha256,
    expectedSha256: expected,
    matches: expected ? true : null,
    reused: false,
    downloadedBytes: 0,
    resumedFrom: 0,
    isoHybrid: format === 'iso-hybrid',
    format,
    version: versionFromFileName(path.basename(real)),
    url: null,
  };
}
