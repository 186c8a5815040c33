import { z } from 'zod';
import { jobMethod, method } from './core';

/** Absolute path of a block device node: /dev/sdb, /dev/mmcblk0, /dev/nvme1n1, /dev/loop3 (tests). */
export const devicePathSchema = z
  .string()
  .max(64)
  .regex(/^\/dev\/[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/, 'must be a device under /dev');
/** An absolute path to a file the app reads (an ISO); no control characters. */
export const absoluteFilePathSchema = z
  .string()
  .min(2)
  .max(4096)
  .regex(/^\/[^\0\n\r]*$/, 'must be an absolute path');

/**
 * Why a drive is not offered. `built-in`: not removable media (only USB drives and memory cards that lsblk
 * calls removable or hot-pluggable are); `mounted`: something on it is mounted outside /media, /run/media, /mnt.
 */
export const blockedReasons = ['system', 'built-in', 'mounted', 'too-small', 'read-only', 'holds-image', 'partition', 'not-a-disk', 'loop-not-allowed', 'empty'] as const;
export type BlockedReason = (typeof blockedReasons)[number];

export const partitionSchema = z.object({
  path: z.string(),
  size: z.number().nonnegative(),
  fsType: z.string().nullable(),
  label: z.string().nullable(),
  partLabel: z.string().nullable(),
  mountpoints: z.array(z.string()),
});
export type Partition = z.infer<typeof partitionSchema>;

export const ventoyInfoSchema = z.object({
  dataPartition: z.string(),
  efiPartition: z.string(),
  fsType: z.string().nullable(),
  /** known when the data partition is mounted (or was looked into with ventoy-info) */
  freeBytes: z.number().nonnegative().nullable(),
  sizeBytes: z.number().nonnegative(),
});
export type VentoyInfo = z.infer<typeof ventoyInfoSchema>;

export const driveSchema = z.object({
  path: z.string(),
  name: z.string(),
  size: z.number().nonnegative(),
  vendor: z.string().nullable(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  /** kernel sequence number of the medium: changes whenever another device appears behind the same path */
  diskseq: z.number().int().nullable(),
  transport: z.string().nullable(),
  /** removable media: a USB drive or memory card that lsblk reports as removable or hot-pluggable */
  removable: z.boolean(),
  readOnly: z.boolean(),
  type: z.enum(['disk', 'loop']),
  /** mountpoints of the disk and its partitions */
  mountpoints: z.array(z.string()),
  partitions: z.array(partitionSchema),
  /** holds the running system (/, /boot, /efi, /nix, /usr, /var or swap) or part of a RAID array */
  system: z.boolean(),
  blockedReason: z.enum(blockedReasons).nullable(),
  /** the reason in plain words, when blocked */
  blockedMessage: z.string().nullable(),
  /** larger than 128 GB: probably not a USB stick */
  large: z.boolean(),
  ventoy: ventoyInfoSchema.nullable(),
});
export type Drive = z.infer<typeof driveSchema>;

/** What the user saw and picked; the write is refused when the device behind the path is no longer this one. */
export const driveIdentitySchema = z
  .object({
    size: z.number().int().nonnegative().max(2 ** 53),
    serial: z.string().max(200).nullable(),
    diskseq: z.number().int().nonnegative().nullable().optional(),
  })
  .strict();
export type DriveIdentity = z.infer<typeof driveIdentitySchema>;

export const writeResultSchema = z.object({
  device: z.string(),
  image: z.string(),
  bytesWritten: z.number().nonnegative(),
  /** SHA-256 of the image as written; null when verification was skipped (nothing was read back to hash) */
  imageSha256: z.string().nullable(),
  /** SHA-256 of the bytes read back from the drive; null when verification was skipped */
  deviceSha256: z.string().nullable(),
  verified: z.boolean(),
  /** false when the drive refused O_DIRECT and the write fell back to cached writes + fdatasync */
  direct: z.boolean(),
  writeSeconds: z.number().nonnegative(),
  verifySeconds: z.number().nonnegative().nullable(),
  bytesPerSecond: z.number().nonnegative(),
  keptAwake: z.boolean(),
});
export type WriteResult = z.infer<typeof writeResultSchema>;

export const ventoyCopyResultSchema = z.object({
  device: z.string(),
  destination: z.string(),
  bytes: z.number().nonnegative(),
  sha256: z.string(),
  verified: z.boolean(),
  checksumFile: z.string().nullable(),
  configurationFile: z.string().nullable(),
});
export type VentoyCopyResult = z.infer<typeof ventoyCopyResultSchema>;

export const usbMethods = {
  'usb.drives': method(
    'Whole disks that could receive an image, each with why it cannot when it cannot',
    z
      .object({
        /** the image about to be written: drives smaller than it, or holding it, are blocked */
        image: absoluteFilePathSchema.optional(),
      })
      .strict(),
    z.object({ drives: z.array(driveSchema), loopDevicesShown: z.boolean() }),
  ),
  'usb.write': jobMethod(
    'Write an image to a whole drive, byte for byte, then read it back to verify',
    z
      .object({
        image: absoluteFilePathSchema,
        device: devicePathSchema,
        verify: z.boolean().default(true),
        /** the drive as the user picked it (the page always sends it); when absent, as found now */
        expected: driveIdentitySchema.optional(),
      })
      .strict(),
    writeResultSchema,
  ),
  'usb.eject': method(
    'Flush and unmount a drive, and power it off where the system can',
    z.object({ device: devicePathSchema }).strict(),
    z.object({ device: z.string(), poweredOff: z.boolean(), message: z.string() }),
  ),
  'usb.ventoyInfo': method(
    'Free space and ISOs on a Ventoy stick',
    z.object({ device: devicePathSchema }).strict(),
    z.object({ device: z.string(), dataPartition: z.string(), freeBytes: z.number().nonnegative(), sizeBytes: z.number().nonnegative(), isos: z.array(z.object({ name: z.string(), size: z.number().nonnegative() })) }),
  ),
  'usb.copyToVentoy': jobMethod(
    'Copy an ISO (and its checksum, and a starter configuration) onto a Ventoy stick, then verify the copy',
    z
      .object({
        image: absoluteFilePathSchema,
        device: devicePathSchema,
        expected: driveIdentitySchema.optional(),
        /** the published checksum line to put next to the ISO as <iso>.sha256 */
        sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
        /** a starter configuration.nix to put next to the ISO */
        configuration: z.string().max(64 * 1024).optional(),
      })
      .strict(),
    ventoyCopyResultSchema,
  ),
};
