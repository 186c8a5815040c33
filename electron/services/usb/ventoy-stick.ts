import path from 'node:path';
import type { DriveIdentity, VentoyCopyResult } from '../../../shared/contract/usb';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import type { JobContext } from '../../exec/jobs';
import { userExec } from './drive-list';
import { assertSameDrive, assertWritable, describeDrive, inspectDevice } from './drives';
import { VENTOY_WARNING } from './ventoy';
import { resolveImage } from './write';

export async function ventoyInfo(ctx: AppContext, device: string) {
  const drive = await inspectDevice(userExec(ctx), device, { allowLoop: ctx.host.allowLoopDevices });
  if (!drive.ventoy) throw new AppError('not-found', `${drive.path} is not a Ventoy stick (no partition labelled "Ventoy" next to a "VTOYEFI" one).`);
  return ctx.privileged.run('ventoy-info', { device: drive.path });
}

/** The name the ISO gets on the stick: its own file name when that is plain, else a safe version of it. */
export function isoNameOnStick(image: string): string {
  const base = path.basename(image).replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  const named = base.toLowerCase().endsWith('.iso') ? base : `${base || 'image'}.iso`;
  return named.slice(-200);
}

export async function prepareVentoyCopy(ctx: AppContext, params: { image: string; device: string; expected?: DriveIdentity | undefined }) {
  const image = await resolveImage(params.image);
  const drive = await inspectDevice(userExec(ctx), params.device, { allowLoop: ctx.host.allowLoopDevices, image: image.path });
  assertWritable(drive);
  if (params.expected) assertSameDrive(drive, params.expected);
  if (!drive.ventoy) throw new AppError('refused', `${describeDrive(drive)} is not a Ventoy stick. Write the image to it directly instead.`);
  return { image, drive };
}

export async function copyToVentoy(
  ctx: AppContext,
  job: JobContext,
  params: { sha256?: string | undefined; configuration?: string | undefined },
  prepared: Awaited<ReturnType<typeof prepareVentoyCopy>>,
): Promise<VentoyCopyResult> {
  const { image, drive } = prepared;
  job.log(VENTOY_WARNING);
  job.log(`Copying ${path.basename(image.path)} to the Ventoy partition of ${describeDrive(drive)}.`);
  return ctx.privileged.run(
    'ventoy-copy',
    {
      image: image.path,
      name: isoNameOnStick(image.path),
      device: drive.path,
      expected: { size: drive.size, serial: drive.serial, diskseq: drive.diskseq },
      ...(params.sha256 ? { sha256: params.sha256 } : {}),
      ...(params.configuration ? { configuration: params.configuration } : {}),
    },
    { signal: job.signal, job },
  );
}
