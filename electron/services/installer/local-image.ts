import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ImageResult } from '../../../shared/contract/installer';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { hashFileInto } from './download';
import { versionFromFileName } from './releases';

/**
 * An ISO is "hybrid" when it carries both an ISO 9660 volume descriptor ("CD001" at byte 32769) and an
 * MBR boot signature (0x55AA at byte 510): written raw to a stick, such an image boots. NixOS ISOs are.
 */
export async function inspectIso(file: string): Promise<{ iso9660: boolean; isoHybrid: boolean }> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(0x8006);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const iso9660 = bytesRead >= 0x8006 && buf.toString('latin1', 0x8001, 0x8006) === 'CD001';
    const mbr = bytesRead >= 512 && buf[510] === 0x55 && buf[511] === 0xaa;
    return { iso9660, isoHybrid: iso9660 && mbr };
  } finally {
    await fh.close();
  }
}

export async function checkLocalImage(job: JobContext, params: { path: string; sha256?: string | undefined }): Promise<ImageResult> {
  const real = await fsp.realpath(params.path).catch(() => {
    throw new AppError('not-found', `There is no file at ${params.path}.`);
  });
  const st = await fsp.stat(real);
  if (!st.isFile()) throw new AppError('refused', `${params.path} is not a regular file. Pick an .iso file.`);
  if (st.size === 0) throw new AppError('refused', `${params.path} is empty.`);
  await fsp.access(real, fsp.constants.R_OK).catch(() => {
    throw new AppError('not-authorized', `You are not allowed to read ${params.path}.`);
  });
  const iso = await inspectIso(real);
  if (!iso.iso9660) job.log('This file does not look like an ISO image (no ISO 9660 signature). Writing it will probably not give a bootable stick.', 'stderr');
  else if (!iso.isoHybrid) job.log('This ISO is not hybrid (no MBR boot record): it may not boot when written to a USB stick.', 'stderr');
  job.phase('verify', 'Computing the checksum', { cancellable: true });
  const hash = createHash('sha256');
  const started = performance.now();
  let last = 0;
  await hashFileInto(
    hash,
    real,
    (n) => {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const bps = n / Math.max(0.001, (now - started) / 1000);
      job.progress({ fraction: n / st.size, bytesDone: n, bytesTotal: st.size, bytesPerSecond: bps, etaSeconds: (st.size - n) / bps });
    },
    job.signal,
  );
  const sha256 = hash.digest('hex');
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
    isoHybrid: iso.isoHybrid,
    version: versionFromFileName(path.basename(real)),
    url: null,
  };
}
