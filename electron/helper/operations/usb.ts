import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { absoluteFilePathSchema, devicePathSchema, driveIdentitySchema, type BlockedReason, type Drive } from '../../../shared/contract/usb';
import { AppError } from '../../errors';
import type { CommandName, Host } from '../../host';
import { assertSameDrive, assertWritable, devNumbers, inspectDevice, type Exec } from '../../core/drives';
import { writeImage } from '../../core/image-writer';
import { byteProgress } from '../../core/meter';
import { CommandRunner } from '../../core/process';
import { copyInto, freeBytes, listIsos, mountPrivately, unmountPrivately, verifyCopy, writeSmallFile, type CopyProgress } from '../../core/ventoy';
import type { HelperIO } from '../io';
import type { HelperImplementations } from './types';

/**
 * USB operations as root. Nothing the caller says is trusted: the device is looked up again here, must be
 * a whole disk that passes every safety check (removable media only: USB drives and memory cards; nothing
 * mounted outside /media, /run/media, /mnt), read from a fresh lsblk, and must still be the drive the user
 * picked (size, serial, diskseq); the image must be a regular file the calling user may read.
 */

function helperExec(host: Host): Exec {
  const runner = new CommandRunner(host);
  return async (command: CommandName, args: string[]) => (await runner.run(command, args, { timeoutMs: 120_000 })).stdout;
}

/** The uid/gid of the person who asked (pkexec/sudo tell us); null when the helper was started directly. */
function callerIds(): { uid: number; gid: number } | null {
  const uid = Number(process.env.PKEXEC_UID ?? process.env.SUDO_UID ?? NaN);
  if (!Number.isInteger(uid) || uid === 0 || process.geteuid?.() !== 0) return null;
  const gid = Number(process.env.SUDO_GID ?? uid);
  return { uid, gid: Number.isInteger(gid) ? gid : uid };
}

/**
 * Opens the image with the caller's rights (effective uid/gid switched for the open only, and root's
 * supplementary groups dropped, or a 0640 root:root file would still open through group 0), so the helper
 * cannot be used to copy /etc/shadow onto a stick; the path must be a regular file, never a device.
 */
export async function openImageAsCaller(file: string): Promise<fsp.FileHandle> {
  const real = await fsp.realpath(file).catch(() => {
    throw new AppError('not-found', `The image ${file} does not exist.`);
  });
  const st = await fsp.lstat(real);
  if (!st.isFile()) throw new AppError('refused', `${file} is not a regular file, so it cannot be used as an image.`);
  const ids = callerIds();
  const rootGroups = ids ? process.getgroups!() : [];
  if (ids) {
    process.setgroups!([]);
    process.setegid!(ids.gid);
    process.seteuid!(ids.uid);
  }
  try {
    const fh = await fsp.open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    const opened = await fh.stat();
    if (!opened.isFile() || opened.ino !== st.ino || opened.dev !== st.dev) {
      await fh.close();
      throw new AppError('conflict', `${file} changed while it was being opened.`);
    }
    return fh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES') throw new AppError('not-authorized', `You are not allowed to read ${file}.`);
    throw err;
  } finally {
    if (ids) {
      process.seteuid!(0);
      process.setegid!(0);
      process.setgroups!(rootGroups);
    }
  }
}

async function checkedDrive(io: HelperIO, exec: Exec, device: string, image: string | undefined, expected: z.infer<typeof driveIdentitySchema> | undefined): Promise<Drive> {
  const drive = await inspectDevice(exec, device, { allowLoop: io.host.allowLoopDevices, ...(image ? { image: await fsp.realpath(image).catch(() => image) } : {}) });
  assertWritable(drive);
  if (expected) assertSameDrive(drive, expected);
  return drive;
}

async function unmountAll(exec: Exec, drive: Drive, io: HelperIO): Promise<void> {
  for (const m of drive.mountpoints) {
    io.log(`Unmounting ${m}`);
    await exec('umount', ['--', m]).catch((err: AppError) => {
      throw new AppError('busy', `${m} on ${drive.path} could not be unmounted: a program is still using it. Close any window or program showing files from the stick, then try again.`, err.detail);
    });
  }
}

const refusedForEject = new Set<BlockedReason>(['system', 'built-in', 'mounted', 'partition', 'not-a-disk', 'loop-not-allowed']);
const lowerFirst = (t: string) => t.charAt(0).toLowerCase() + t.slice(1);

const devNumbersOf = async (device: string) => devNumbers((await fsp.stat(device)).rdev);

export const usbOperations = {
  'write-image': async (args, io) => {
    const exec = helperExec(io.host);
    io.phase('prepare', 'Checking the drive', true);
    const drive = await checkedDrive(io, exec, args.device, args.image, args.expected);
    await unmountAll(exec, drive, io);
    const again = await checkedDrive(io, exec, args.device, args.image, args.expected);
    if (again.mountpoints.length) throw new AppError('busy', `${drive.path} was mounted again by something else. Nothing was written.`);
    const result = await writeImage({
      image: args.image,
      device: drive.path,
      verify: args.verify,
      signal: io.signal,
      expectedDevNumbers: await devNumbersOf(drive.path),
      openImage: openImageAsCaller,
      log: (t) => io.log(t),
      onPhase: (phase, label) => io.phase(phase, label, true),
      onProgress: (p) => io.progress(byteProgress(p.bytesDone, p.bytesTotal, p, p.phase)),
    });
    return { ...result, device: drive.path };
  },
  eject: async (args, io) => {
    const exec = helperExec(io.host);
    const drive = await inspectDevice(exec, args.device, { allowLoop: io.host.allowLoopDevices });
    // a read-only, too small or empty stick may still be ejected; nothing that is not a stick may
    if (drive.blockedReason && refusedForEject.has(drive.blockedReason)) {
      throw new AppError('refused', `${drive.path} cannot be ejected by this app: ${lowerFirst(drive.blockedMessage ?? drive.blockedReason)}`, `blocked: ${drive.blockedReason}`);
    }
    await unmountAll(exec, drive, io);
    const fh = await fsp.open(drive.path, constants.O_RDONLY);
    await fh.datasync().catch(() => {});
    await fh.close();
    if (drive.transport === 'usb') {
      const remove = `/sys/class/block/${drive.name}/device/delete`;
      const ok = await fsp.writeFile(remove, '1').then(() => true, () => false);
      if (ok) return { device: drive.path, poweredOff: true, message: 'The drive was flushed and powered off. You can unplug it now.' };
    }
    return { device: drive.path, poweredOff: false, message: 'Everything was written to the drive and it is unmounted. You can unplug it now.' };
  },
  'ventoy-info': async (args, io) => {
    const exec = helperExec(io.host);
    const drive = await checkedDrive(io, exec, args.device, undefined, undefined);
    if (!drive.ventoy) throw new AppError('not-found', `${drive.path} is not a Ventoy stick (no partition labelled "Ventoy" next to a "VTOYEFI" one).`);
    const data = drive.partitions.find((p) => p.path === drive.ventoy!.dataPartition)!;
    const mounted = data.mountpoints[0];
    const dir = mounted ?? (await mountPrivately(exec, data.path, data.fsType, true));
    try {
      const { free, size } = await freeBytes(dir);
      return { device: drive.path, dataPartition: data.path, freeBytes: free, sizeBytes: size, isos: await listIsos(dir) };
    } finally {
      if (!mounted) await unmountPrivately(exec, dir);
    }
  },
  'ventoy-copy': async (args, io) => {
    const exec = helperExec(io.host);
    io.phase('prepare', 'Checking the Ventoy stick', true);
    const drive = await checkedDrive(io, exec, args.device, args.image, args.expected);
    if (!drive.ventoy) throw new AppError('refused', `${drive.path} is not a Ventoy stick (no partition labelled "Ventoy" next to a "VTOYEFI" one). Nothing was copied.`);
    const data = drive.partitions.find((p) => p.path === drive.ventoy!.dataPartition)!;
    for (const m of data.mountpoints) await exec('umount', ['--', m]).catch((err: AppError) => Promise.reject(new AppError('busy', `${m} is in use and could not be unmounted. Close programs showing files from the stick and try again.`, err.detail)));
    const source = await openImageAsCaller(args.image);
    let dir = await mountPrivately(exec, data.path, data.fsType, false);
    const progress = (p: CopyProgress) => io.progress(byteProgress(p.bytesDone, p.bytesTotal, p, p.phase));
    let copied: { destination: string; bytes: number; sha256: string };
    let checksumFile: string | null = null;
    let configurationFile: string | null = null;
    try {
      io.phase('copy', 'Copying to the Ventoy stick', true);
      copied = await copyInto(source, dir, args.name, { signal: io.signal, onProgress: progress });
      if (args.sha256 && args.sha256 !== copied.sha256) {
        await fsp.unlink(copied.destination).catch(() => {});
        throw new AppError('command-failed', 'The image does not match its published checksum, so it was not left on the stick.', `published ${args.sha256}\nimage     ${copied.sha256}`);
      }
      checksumFile = path.basename(await writeSmallFile(dir, `${args.name}.sha256`, `${copied.sha256}  ${args.name}`));
      if (args.configuration) configurationFile = path.basename(await writeSmallFile(dir, 'configuration.nix', args.configuration));
    } finally {
      await source.close().catch(() => {});
      io.phase('sync', 'Flushing the stick', false);
      await unmountPrivately(exec, dir);
    }
    // Mount afresh so the read-back comes from the stick, not from memory.
    io.phase('verify', 'Verifying the copy', true);
    dir = await mountPrivately(exec, data.path, data.fsType, true);
    try {
      await verifyCopy(path.join(dir, args.name), copied.sha256, { signal: io.signal, onProgress: progress });
    } finally {
      await unmountPrivately(exec, dir);
    }
    return {
      device: drive.path,
      destination: `${data.path}:/${args.name}`,
      bytes: copied.bytes,
      sha256: copied.sha256,
      verified: true,
      checksumFile,
      configurationFile,
    };
  },
} satisfies Partial<HelperImplementations>;
