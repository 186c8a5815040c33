import { z } from 'zod';
import { specialisationNameSchema } from '../../shared/contract/system-rebuild';
import { absoluteFilePathSchema, devicePathSchema, driveIdentitySchema } from '../../shared/contract/usb';
import { backupNamePattern, relativeConfigPath } from '../core/config-files';
import type { PrivilegeClass } from './protocol';

/**
 * Every operation the root helper runs, declared once: its polkit class, the schema its arguments are
 * re-validated with as root, and the schema of its result, which the app checks again when it arrives.
 * The helper's implementations (electron/helper/operations/) and `ctx.privileged.run(name, args)` both take
 * their types from here, so a call with the wrong arguments, or a use of a field the result lacks, does not
 * compile.
 */

/** The largest text an operation takes: a configuration file, capped like the contract caps it (characters). */
export const MAX_CONFIG_CHARS = 1024 * 1024;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const generationNumber = z.number().int().positive().max(10_000_000);
const generationList = z
  .array(z.number().int().positive().max(2_147_483_647))
  .min(1)
  .max(10_000)
  .refine((a) => new Set(a).size === a.length, 'must not repeat a generation');
const channelName = z.string().min(1).max(100).regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/);
export const buildIdSchema = z.string().regex(/^[a-f0-9]{16}$/);
const attributeSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
const activationAction = z.enum(['switch', 'boot', 'test']);
const isoNameSchema = z.string().max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*\.iso$/i);
const none = z.object({}).strict();

const writtenFile = z.object({ path: z.string(), backup: z.string().nullable(), sha256: sha256Hex });
const activated = z.object({ storePath: z.string(), generation: z.number().int().nullable() });
const gcSummary = z.object({ pathsDeleted: z.number().int().nonnegative(), bytesFreed: z.number().nonnegative() });

interface OperationDeclaration {
  description: string;
  /** the polkit action it needs; a function where the arguments decide (rebuild --upgrade updates channels) */
  class: PrivilegeClass | ((args: unknown) => PrivilegeClass);
  args: z.ZodType;
  result: z.ZodType;
}

export const helperContract = {
  rebuild: {
    description: 'Build the system configuration with nixos-rebuild (build or dry-build), after updating the channels --upgrade would (checked) when asked; the result waits for `activate`',
    class: (args) => ((args as { upgrade?: unknown } | null)?.upgrade === true ? 'channels' : 'routine'),
    args: z.object({ action: z.enum(['build', 'dry-build']), upgrade: z.boolean(), showTrace: z.boolean(), flakeAttribute: attributeSchema.nullable() }).strict(),
    result: z.object({ buildId: buildIdSchema.nullable(), storePath: z.string().nullable() }),
  },
  'config-backups': {
    description: 'List the backups write-config kept, newest first',
    class: 'routine',
    args: z.object({ relativePath: relativeConfigPath.optional() }).strict(),
    result: z.object({ backups: z.array(z.object({ name: z.string(), path: z.string(), date: z.string(), size: z.number().nonnegative() })) }),
  },
  'config-commit': {
    description: 'Commit the NixOS configuration folder to git (initialising the repository when asked) with the generation number in the message',
    class: 'routine',
    args: z.object({ generation: z.number().int().nonnegative().max(10_000_000).nullable(), action: activationAction, init: z.boolean() }).strict(),
    result: z.object({ committed: z.boolean(), message: z.string(), revision: z.string().nullable() }),
  },
  'ventoy-info': {
    description: 'Look into a Ventoy stick: free space and ISOs',
    class: 'routine',
    args: z.object({ device: devicePathSchema }).strict(),
    result: z.object({
      device: z.string(),
      dataPartition: z.string(),
      freeBytes: z.number().nonnegative(),
      sizeBytes: z.number().nonnegative(),
      isos: z.array(z.object({ name: z.string(), size: z.number().nonnegative() })),
    }),
  },
  eject: {
    description: 'Flush and unmount a drive, and power it off when it is on USB',
    class: 'routine',
    args: z.object({ device: devicePathSchema }).strict(),
    result: z.object({ device: z.string(), poweredOff: z.boolean(), message: z.string() }),
  },
  activate: {
    description: 'Activate a system this helper built: switch/boot set the profile first; test records the running system for a revert',
    class: 'activate',
    args: z.object({ buildId: buildIdSchema, action: activationAction, trial: z.boolean() }).strict(),
    result: activated,
  },
  rollback: {
    description: 'Roll the system profile back to the generation below the current one (nix-env --rollback), then switch-to-configuration switch; only from the current generation the caller saw, to the target it saw',
    class: 'activate',
    args: z.object({ target: generationNumber, expectedCurrent: generationNumber }).strict(),
    result: activated,
  },
  'switch-generation': {
    description:
      'nix-env --switch-generation N on the system profile, then switch-to-configuration switch; with a specialisation, only its own switch-to-configuration switch (the profile is not changed, as nixos-rebuild switch --specialisation does); only from the current generation the caller saw',
    class: 'activate',
    args: z.object({ generation: generationNumber, expectedCurrent: generationNumber.nullable(), specialisation: specialisationNameSchema.optional() }).strict(),
    result: activated,
  },
  'boot-menu': {
    description: 'Rebuild the boot menu: switch-to-configuration boot of the boot default (drops deleted generations from /boot); only while it is the generation the caller saw',
    class: 'activate',
    args: z.object({ expectedCurrent: generationNumber }).strict(),
    result: activated,
  },
  'revert-trial': {
    description: 'Re-activate (test) the system that ran before the last trial activation',
    class: 'trial',
    args: none,
    result: z.object({ storePath: z.string() }),
  },
  'end-trial': {
    description: 'Forget the recorded trial (after it was kept)',
    class: 'trial',
    args: none,
    result: z.object({ ok: z.literal(true) }),
  },
  'delete-generations': {
    description: 'Delete system generations by number (never the current, running or booted one)',
    class: 'cleanup',
    args: z.object({ generations: generationList }).strict(),
    result: z.object({ deleted: z.array(z.number().int()) }),
  },
  gc: {
    description: 'Collect garbage in the Nix store (nix-store --gc)',
    class: 'cleanup',
    args: none,
    result: gcSummary,
  },
  'write-config': {
    description: 'Write one file under the NixOS configuration folder, atomically, keeping a backup',
    class: 'config',
    args: z.object({ relativePath: relativeConfigPath, content: z.string().max(MAX_CONFIG_CHARS, 'is longer than 1 MiB'), expectedSha256: sha256Hex.optional() }).strict(),
    result: writtenFile,
  },
  'restore-config': {
    description: 'Put a backup back in place through the same atomic write (the current file is backed up first)',
    class: 'config',
    args: z.object({ backup: z.string().max(300).regex(backupNamePattern) }).strict(),
    result: writtenFile,
  },
  'channel-add': {
    description: 'Subscribe root to a channel (nix-channel --add)',
    class: 'channels',
    args: z.object({ name: channelName, url: z.string().min(8).max(2000) }).strict(),
    result: z.object({ name: z.string(), url: z.string() }),
  },
  'channel-remove': {
    description: 'Unsubscribe root from a channel (nix-channel --remove)',
    class: 'channels',
    args: z.object({ name: channelName }).strict(),
    result: z.object({ name: z.string() }),
  },
  'channel-update': {
    description: 'Download channels and unpack them into root’s channels profile (nix-channel --update)',
    class: 'channels',
    args: z.object({ names: z.array(channelName).min(1).max(50) }).strict(),
    result: z.object({ updated: z.array(z.string()) }),
  },
  'write-image': {
    description: 'Write an image byte for byte to a whole removable drive, then verify it',
    class: 'device',
    args: z.object({ image: absoluteFilePathSchema, device: devicePathSchema, verify: z.boolean(), expected: driveIdentitySchema }).strict(),
    result: z.object({
      device: z.string(),
      bytesWritten: z.number().nonnegative(),
      imageSha256: sha256Hex.nullable(),
      deviceSha256: sha256Hex.nullable(),
      verified: z.boolean(),
      direct: z.boolean(),
      writeSeconds: z.number().nonnegative(),
      verifySeconds: z.number().nonnegative().nullable(),
    }),
  },
  'ventoy-copy': {
    description: 'Copy an ISO (with its checksum and a starter configuration) onto a Ventoy stick and verify the copy',
    class: 'device',
    args: z
      .object({
        image: absoluteFilePathSchema,
        name: isoNameSchema,
        device: devicePathSchema,
        expected: driveIdentitySchema,
        sha256: sha256Hex.optional(),
        configuration: z.string().max(64 * 1024).optional(),
      })
      .strict(),
    result: z.object({
      device: z.string(),
      destination: z.string(),
      bytes: z.number().nonnegative(),
      sha256: sha256Hex,
      verified: z.literal(true),
      checksumFile: z.string().nullable(),
      configurationFile: z.string().nullable(),
    }),
  },
} satisfies Record<string, OperationDeclaration>;

export type HelperContract = typeof helperContract;
export type HelperOperationName = keyof HelperContract;
type ArgsIn = { [K in HelperOperationName]: z.input<HelperContract[K]['args']> };
type ArgsOut = { [K in HelperOperationName]: z.output<HelperContract[K]['args']> };
type ResultIn = { [K in HelperOperationName]: z.input<HelperContract[K]['result']> };
type ResultOut = { [K in HelperOperationName]: z.output<HelperContract[K]['result']> };
/** what a caller passes */
export type HelperArgs<K extends HelperOperationName> = ArgsIn[K];
/** what the operation receives, validated */
export type HelperParsedArgs<K extends HelperOperationName> = ArgsOut[K];
/** what the operation returns */
export type HelperReturn<K extends HelperOperationName> = ResultIn[K];
/** what the caller gets, validated */
export type HelperResult<K extends HelperOperationName> = ResultOut[K];

/** One operation with its arguments, as a value (a caller that picks the operation at run time). */
export type HelperCall<K extends HelperOperationName = HelperOperationName> = { [P in K]: { name: P; args: HelperArgs<P> } }[K];

export const isHelperOperationName = (name: unknown): name is HelperOperationName => typeof name === 'string' && Object.prototype.hasOwnProperty.call(helperContract, name);

/** The class an operation runs under with these arguments (rebuild --upgrade updates channels); null for an unknown operation. */
export function operationClass(operation: string, args: unknown): PrivilegeClass | null {
  if (!isHelperOperationName(operation)) return null;
  const declared: OperationDeclaration['class'] = helperContract[operation].class;
  return typeof declared === 'function' ? declared(args) : declared;
}
