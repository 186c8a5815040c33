import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DriveIdentity, WriteResult } from '../../../shared/contract/usb';
import type { AppContext } from '../../context';
import { checkDiskImage } from '../installer/local-image';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { userExec } from './drive-list';
import { assertSameDrive, assertWritable, describeDrive, inspectDevice } from './drives';
import { keepAwake } from './keep-awake';

export async function resolveImage(image: string): Promise<{ path: string; size: number }> {
  const real = await realpath(image).catch(() => {
    throw new AppError('not-found', `The image ${image} does not exist (any more). Download it again or pick another file.`);
  });
  const st = await stat(real);
  if (!st.isFile()) throw new AppError('refused', `${image} is not a regular file, so it cannot be written to a drive.`);
  if (st.size === 0) throw new AppError('refused', `${image} is empty.`);
  // the same check the image step makes: a caller that skipped it still cannot write a text file to a stick
  await checkDiskImage(real, st.size, image);
  return { path: real, size: st.size };
}

/** Checks the drive as the user sees it, then hands the write to the root helper, which checks everything again. */
export async function prepareWrite(ctx: AppContext, params: { image: string; device: string; expected?: DriveIdentity | undefined }) {
  const image = await resolveImage(params.image);
  const drive = await inspectDevice(userExec(ctx), params.device, { allowLoop: ctx.host.allowLoopDevices, image: image.path });
  assertWritable(drive);
  if (params.expected) assertSameDrive(drive, params.expected);
  const expected: DriveIdentity = { size: drive.size, serial: drive.serial, diskseq: drive.diskseq };
  return { image, drive, expected };
}

export type PreparedWrite = Awaited<ReturnType<typeof prepareWrite>>;

export async function writeToDrive(ctx: AppContext, job: JobContext, params: { verify: boolean }, prepared: PreparedWrite): Promise<WriteResult> {
  const { image, drive, expected } = prepared;
  job.log(`Writing ${path.basename(image.path)} (${image.size} bytes) to ${describeDrive(drive)}${params.verify ? ', then verifying' : ''}.`);
  const lock = await keepAwake(ctx.host, 'Writing a USB stick');
  if (!lock.held) job.log('Could not ask the desktop to stay awake (no systemd-inhibit or logind); keep the computer from sleeping until the write is done.');
  try {
    const result = await ctx.privileged.run(
      'write-image',
      { image: image.path, device: drive.path, verify: params.verify, expected },
      { signal: job.signal, job },
    );
    return {
      device: result.device,
      image: image.path,
      bytesWritten: result.bytesWritten,
      imageSha256: result.imageSha256,
      deviceSha256: result.deviceSha256,
      verified: result.verified,
      direct: result.direct,
      writeSeconds: result.writeSeconds,
      verifySeconds: result.verifySeconds,
      bytesPerSecond: result.writeSeconds > 0 ? result.bytesWritten / result.writeSeconds : 0,
      keptAwake: lock.held,
    };
  } finally {
    lock.release();
  }
}

export async function ejectDrive(ctx: AppContext, device: string) {
  return ctx.privileged.run('eject', { device });
}
