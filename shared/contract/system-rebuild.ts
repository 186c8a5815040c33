import { z } from 'zod';
import { errorExplanationSchema, jobMethod, method, noParams } from './core';

/** Everything that changes the system: rebuild, preview, safe switch, rollback, switch to N, and the configuration files. */

export const rebuildActions = ['switch', 'boot', 'test', 'build', 'dry-build'] as const;
export const rebuildActionSchema = z.enum(rebuildActions);
export type RebuildAction = z.infer<typeof rebuildActionSchema>;

/** a flake output attribute name: `nixosConfigurations.<this>` */
export const flakeAttributeSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a plain host name (letters, digits, ".", "-", "_")');

export const rebuildParamsSchema = z
  .object({
    action: rebuildActionSchema,
    /** update the root channels first (nixos-rebuild --upgrade) */
    upgrade: z.boolean().optional(),
    showTrace: z.boolean().optional(),
    /** stop after the build and show what changes, whatever the setting says (the tray's rebuild always asks) */
    preview: z.boolean().optional(),
    /** omitted = auto: a flake when the config folder holds flake.nix, attribute = host name */
    flake: z.object({ enabled: z.boolean().optional(), attribute: flakeAttributeSchema.optional() }).strict().optional(),
  })
  .strict();
export type RebuildParams = z.infer<typeof rebuildParamsSchema>;

export const errorLocationSchema = z.object({ file: z.string(), line: z.number().int().positive(), column: z.number().int().positive() });
export type ErrorLocation = z.infer<typeof errorLocationSchema>;

export const buildCountsSchema = z.object({ done: z.number(), expected: z.number(), running: z.number(), failed: z.number() });

export const kernelChangeSchema = z.object({
  running: z.string().nullable(),
  target: z.string().nullable(),
  /** true when the target's kernel (or its version) differs from the running one: a reboot is needed */
  changes: z.boolean(),
});

/** A short summary of what a switch would change; the full table comes from `system.diff`. */
export const previewSchema = z.object({
  from: z.string().nullable(),
  to: z.string(),
  kernel: kernelChangeSchema,
  nixosVersion: z.object({ running: z.string().nullable(), target: z.string().nullable() }),
  changes: z.array(z.object({ name: z.string(), before: z.array(z.string()), after: z.array(z.string()) })),
  closureSizeDelta: z.number().nullable(),
  /** where the change list came from ("system.diff" or "nix store diff-closures") */
  source: z.string(),
});
export type Preview = z.infer<typeof previewSchema>;

export const rebuildResultSchema = z.object({
  action: rebuildActionSchema,
  storePath: z.string().nullable(),
  /** the profile generation the build became (switch/boot), else null */
  generation: z.number().int().nullable(),
  activated: z.boolean(),
  /** the person chose not to go on after the preview */
  stoppedAtPreview: z.boolean(),
  preview: previewSchema.nullable(),
  commit: z.object({ committed: z.boolean(), message: z.string(), revision: z.string().nullable() }).nullable(),
  builds: buildCountsSchema,
  downloads: buildCountsSchema,
  elapsedSeconds: z.number(),
  /** this job was picked up after a restart: an activation that was still running */
  reattached: z.boolean(),
});
export type RebuildResult = z.infer<typeof rebuildResultSchema>;

export const systemSettingsSchema = z
  .object({
    previewBeforeSwitch: z.boolean(),
    safeSwitchTimeoutSeconds: z.number().int().min(10).max(3600),
    commitConfigToGit: z.boolean(),
  })
  .strict();
export type SystemSettings = z.infer<typeof systemSettingsSchema>;

export const safeSwitchStateSchema = z.object({
  state: z.enum(['idle', 'activating', 'waiting', 'confirming', 'reverting', 'kept', 'reverted', 'failed']),
  jobId: z.string().nullable(),
  secondsLeft: z.number().int().nullable(),
  timeoutSeconds: z.number().int().nullable(),
  /** the store path on trial, and the one that runs again on revert */
  trial: z.string().nullable(),
  previous: z.string().nullable(),
  message: z.string(),
});
export type SafeSwitchState = z.infer<typeof safeSwitchStateSchema>;

export const systemActivationResultSchema = z.object({
  generation: z.number().int().nullable(),
  storePath: z.string(),
  action: z.string(),
  kernel: kernelChangeSchema,
  reattached: z.boolean(),
  /** the specialisation that was activated, null for a whole generation */
  specialisation: z.string().nullable(),
});

const generationNumber = z.number().int().positive().max(10_000_000);
/** a `specialisation.<name>` of the configuration: a plain attribute name, as a folder under `<toplevel>/specialisation/` */
export const specialisationNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_'+.-]*$/, 'must be a plain specialisation name');

const configPathSchema = z
  .string()
  .max(200)
  .regex(/^(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)*[A-Za-z0-9_][A-Za-z0-9._-]*\.(?:nix|lock)$/, 'must be a relative .nix path inside the configuration folder')
  .refine((p) => !p.split('/').includes('..'), 'must not leave the configuration folder');

export const configFileSchema = z.object({ path: z.string(), size: z.number().int().nonnegative(), imported: z.boolean() });

export const parseErrorSchema = z.object({ line: z.number().int().positive(), column: z.number().int().positive(), message: z.string() });

export const configErrorSchema = z.object({
  message: z.string(),
  text: z.string(),
  location: errorLocationSchema.nullable(),
  /** the same location relative to the configuration folder, when it is inside */
  relativePath: z.string().nullable(),
  /** the error recognised and explained, with its fixes */
  explanation: errorExplanationSchema.optional(),
});

const MAX_CONFIG_CHARS = 1024 * 1024;

export const systemRebuildMethods = {
  'system.rebuild': jobMethod('Build the configuration and, for switch/boot/test, activate it (with a preview first, when the setting asks)', rebuildParamsSchema, rebuildResultSchema),
  'system.rebuild.confirm': method(
    'Answer the preview of a rebuild that is waiting: go on and activate, or stop',
    z.object({ jobId: z.string().max(64), proceed: z.boolean() }).strict(),
    z.object({ accepted: z.boolean() }),
  ),
  'system.rebuild.preview': method(
    'The preview a rebuild is waiting on (phase "confirm"), if it is waiting',
    z.object({ jobId: z.string().max(64) }).strict(),
    z.object({ waiting: z.boolean(), preview: previewSchema.nullable() }),
  ),
  'system.rebuild.reattach': method(
    'Look for an activation that kept running while the app was closed, and follow it as a job',
    noParams,
    z.object({ jobId: z.string().nullable() }),
  ),
  'system.settings.get': method('Settings of switching: preview, safe-switch timeout, git commits', noParams, systemSettingsSchema),
  'system.settings.set': method('Change settings of switching', systemSettingsSchema.partial().strict(), systemSettingsSchema),

  'system.safeSwitch': jobMethod(
    'Build, activate for a trial (test), and keep it only when confirmed before the countdown ends',
    z.object({ upgrade: z.boolean().optional(), showTrace: z.boolean().optional(), timeoutSeconds: z.number().int().min(10).max(3600).optional() }).strict(),
    z.object({ kept: z.boolean(), storePath: z.string().nullable(), generation: z.number().int().nullable(), reason: z.string() }),
  ),
  'system.safeSwitch.confirm': method('Keep the configuration on trial: make it the boot default', noParams, safeSwitchStateSchema),
  'system.safeSwitch.revert': method('Go back now to the configuration that ran before the trial', noParams, safeSwitchStateSchema),
  'system.safeSwitch.status': method('Where a safe switch stands (the countdown lives in the app, not the window)', noParams, safeSwitchStateSchema),

  'system.rollback': jobMethod(
    'Make the previous generation the default and activate it: the target and current generation the preview showed, refused when the profile moved since',
    z.object({ target: generationNumber, expectedCurrent: generationNumber }).strict(),
    systemActivationResultSchema,
  ),
  'system.switchGeneration': jobMethod(
    'Make generation N the default and activate it, refused when the current generation is no longer the one the preview showed',
    z.object({ generation: generationNumber, expectedCurrent: generationNumber.nullable() }).strict(),
    systemActivationResultSchema,
  ),
  'system.switchSpecialisation': jobMethod(
    'Activate a specialisation of generation N (its own switch-to-configuration switch); the profile and the boot default are not changed',
    z.object({ generation: generationNumber, specialisation: specialisationNameSchema, expectedCurrent: generationNumber.nullable() }).strict(),
    systemActivationResultSchema,
  ),
  'system.activationPreview': method(
    'What activating a generation (or one of its specialisations) would change at a glance: kernel (reboot needed?) and NixOS version',
    z.object({ generation: generationNumber, specialisation: specialisationNameSchema.optional() }).strict(),
    z.object({
      generation: z.number().int(),
      specialisation: z.string().nullable(),
      storePath: z.string(),
      kernel: kernelChangeSchema,
      nixosVersion: z.object({ running: z.string().nullable(), target: z.string().nullable() }),
      isRunning: z.boolean(),
      /** the running system's store path (compare against it with system.diff) */
      runningStorePath: z.string().nullable(),
      /** the generation a rollback would go to, null when there is none (hand it to system.rollback with `current`) */
      rollbackTarget: z.number().int().nullable(),
      /** the generation the profile points at now: what the action expects to still be current */
      current: z.number().int().nullable(),
    }),
  ),

  'system.config.read': method(
    'Find the configuration (configuration.nix or flake.nix), list its .nix files and read one',
    z.object({ path: configPathSchema.optional() }).strict(),
    z.object({
      kind: z.enum(['flake', 'channels', 'none']),
      dir: z.string(),
      mainFile: z.string().nullable(),
      files: z.array(configFileSchema),
      file: z.object({ path: z.string(), content: z.string(), sha256: z.string() }).nullable(),
      isGitRepo: z.boolean(),
    }),
  ),
  'system.config.parse': method(
    'Check Nix syntax with nix-instantiate --parse',
    z.object({ content: z.string().max(MAX_CONFIG_CHARS), path: configPathSchema.optional() }).strict(),
    z.object({ ok: z.boolean(), errors: z.array(parseErrorSchema) }),
  ),
  'system.config.evaluate': method(
    'Evaluate the saved configuration without building (catches option errors)',
    z.object({ showTrace: z.boolean().optional() }).strict(),
    z.object({ ok: z.boolean(), error: configErrorSchema.nullable(), wouldBuild: z.number().int(), wouldFetch: z.number().int(), seconds: z.number() }),
  ),
  'system.config.write': method(
    'Save a configuration file (atomic, keeps a timestamped backup)',
    z.object({ path: configPathSchema, content: z.string().max(MAX_CONFIG_CHARS), expectedSha256: z.string().regex(/^[0-9a-f]{64}$/).optional() }).strict(),
    z.object({ path: z.string(), backup: z.string().nullable(), sha256: z.string() }),
  ),
  'system.config.backups': method(
    'Saved copies of the configuration, newest first',
    z.object({ path: configPathSchema.optional() }).strict(),
    z.object({ backups: z.array(z.object({ name: z.string(), path: z.string(), date: z.string(), size: z.number().int() })) }),
  ),
  'system.config.restore': method(
    'Put a backup back in place (the current file is itself backed up first)',
    z.object({ backup: z.string().max(300).regex(/^[A-Za-z0-9._-]+$/) }).strict(),
    z.object({ path: z.string(), backup: z.string().nullable(), sha256: z.string() }),
  ),
};
