import { z } from 'zod';
import { jobMethod, method, noParams } from './core';

export const generationRefSchema = z.object({
  generation: z.number().int().nonnegative(),
  storePath: z.string(),
  nixosVersion: z.string(),
  date: z.string(),
});

/** What only a restart of the computer puts into use: how the running system differs from the booted one there. */
export const restartPartSchema = z.enum(['kernel', 'systemd', 'initrd', 'kernel-modules']);
export type RestartPart = z.infer<typeof restartPartSchema>;
export const restartNeededSchema = z.object({
  parts: z.array(restartPartSchema),
  /** kernel versions, when the kernel is one of the parts */
  kernel: z.object({ booted: z.string(), running: z.string() }).nullable(),
  /** "Restart to use kernel 6.6.64", "Restart to finish the update: the kernel and systemd changed" */
  title: z.string(),
  message: z.string(),
});
export type RestartNeeded = z.infer<typeof restartNeededSchema>;

export const systemStatusSchema = z.object({
  isNixOS: z.boolean(),
  /** "NixOS 24.11 (Vicuna)", or the other OS's PRETTY_NAME */
  osName: z.string(),
  hostname: z.string(),
  nix: z.object({ installed: z.boolean(), version: z.string().nullable() }),
  nixosVersion: z.string().nullable(),
  current: generationRefSchema.nullable(),
  booted: generationRefSchema.nullable(),
  running: generationRefSchema.nullable(),
  /** plain words for when the profile (boot default) and the running system disagree; empty when they agree */
  warnings: z.array(z.string()),
  /** the running system has a kernel, initrd, kernel modules or systemd the computer did not start with; null when not */
  restart: restartNeededSchema.nullable(),
  configuration: z.object({
    kind: z.enum(['flake', 'channels', 'none']),
    dir: z.string(),
    /** root channels by name, with the URL each follows */
    channels: z.array(z.object({ name: z.string(), url: z.string().nullable(), release: z.string().nullable() })),
    flakeAttribute: z.string().nullable(),
  }),
  homeManager: z.object({ installed: z.boolean(), profile: z.string().nullable(), generations: z.number().int() }),
  generationCount: z.number().int(),
});
export type SystemStatus = z.infer<typeof systemStatusSchema>;


// ---- Generations -------------------------------------------------------------------------------

/** One generation of the system profile; the first seven fields mean what `nixos-rebuild list-generations --json` means by them. */
export const systemGenerationSchema = z.object({
  generation: z.number().int().nonnegative(),
  /** ISO 8601: the generation link's own modification time (when it was made) */
  date: z.string(),
  /** contents of `<generation>/nixos-version`; "Unknown" when missing */
  nixosVersion: z.string(),
  /** the directory name under the kernel's `lib/modules`; "Unknown" when missing */
  kernelVersion: z.string(),
  /** what `sw/bin/nixos-version --configuration-revision` prints; "" when none */
  configurationRevision: z.string(),
  /** names under `specialisation/`; [] when none */
  specialisations: z.array(z.string()),
  /** the profile points to it: the boot default */
  current: z.boolean(),
  /** same system as /run/booted-system: this generation, or one of its specialisations */
  booted: z.boolean(),
  /** same system as /run/current-system: this generation, or one of its specialisations */
  running: z.boolean(),
  /** the specialisation of this generation that runs, when the running system is one; else null */
  runningSpecialisation: z.string().nullable(),
  /** the specialisation of this generation the machine booted, when it booted one; else null */
  bootedSpecialisation: z.string().nullable(),
  storePath: z.string(),
  /** bytes of the whole closure (NAR sizes); null when not asked for */
  closureSize: z.number().nonnegative().nullable(),
});
export type Generation = z.infer<typeof systemGenerationSchema>;

export const generationsResultSchema = z.object({
  profile: z.string(),
  /** newest first, like nixos-rebuild */
  generations: z.array(systemGenerationSchema),
  current: z.number().int().nullable(),
  /** 0 = the running (booted) system is not in the profile; null = unknown (not NixOS) */
  running: z.number().int().nullable(),
  booted: z.number().int().nullable(),
  /** plain words for when the profile, the running and the booted system disagree */
  warnings: z.array(z.string()),
});
export type GenerationsResult = z.infer<typeof generationsResultSchema>;

// ---- Diff --------------------------------------------------------------------------------------

const generationNumber = z.number().int().nonnegative().max(2_147_483_647);
/** a generation number, or an absolute path in the Nix store (or /run/current-system, /run/booted-system) */
export const closureRefSchema = z.union([generationNumber, z.string().min(2).max(400).regex(/^\/[^\0\n]*$/, 'must be an absolute path')]);
export type ClosureRef = z.infer<typeof closureRefSchema>;

export const closureChangeSchema = z.object({
  /** the package name as `nix store diff-closures` groups it (output name and version stripped) */
  name: z.string(),
  /** every version of this name in the old closure, sorted; [] = absent ("" = a path without a version) */
  before: z.array(z.string()),
  after: z.array(z.string()),
  /** after minus before, sum of NAR sizes of every path of this name */
  sizeDelta: z.number(),
  kind: z.enum(['added', 'removed', 'upgraded', 'downgraded', 'changed']),
  /** a direct dependency of `sw/` on either side: something the configuration asked for, not a dependency */
  requested: z.boolean(),
  highlight: z.enum(['kernel', 'nixos']).nullable(),
});
export type ClosureChange = z.infer<typeof closureChangeSchema>;

export const diffSideSchema = z.object({
  ref: closureRefSchema,
  storePath: z.string(),
  generation: z.number().int().nullable(),
  nixosVersion: z.string(),
  kernelVersion: z.string(),
  closureSize: z.number().nonnegative(),
  paths: z.number().int().nonnegative(),
});
export type DiffSide = z.infer<typeof diffSideSchema>;

const versionPair = z.object({ before: z.string(), after: z.string(), changed: z.boolean() });
export const closureDiffSchema = z.object({
  from: diffSideSchema,
  to: diffSideSchema,
  /** names whose versions changed or whose size moved by 8 KiB or more (the rule diff-closures prints by), sorted by name */
  changes: z.array(closureChangeSchema),
  closureSizeDelta: z.number(),
  counts: z.object({ added: z.number().int(), removed: z.number().int(), upgraded: z.number().int(), downgraded: z.number().int(), changed: z.number().int() }),
  highlights: z.object({ kernel: versionPair, nixosVersion: versionPair }),
});
export type ClosureDiff = z.infer<typeof closureDiffSchema>;

// ---- Channels ----------------------------------------------------------------------------------

export const rootChannelNameSchema = z.string().min(1).max(100).regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'letters, digits, ".", "-" and "_", starting with a letter or digit');
export const rootChannelUrlSchema = z.string().min(8).max(2000).regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) address');

export const channelInfoSchema = z.object({
  name: z.string(),
  url: z.string().nullable(),
  /** the unpacked channel's store name, e.g. "nixos-24.11" */
  release: z.string().nullable(),
  /** from the channel's .version and .version-suffix, e.g. "24.11.716.abc1234"; null when not unpacked */
  version: z.string().nullable(),
  revision: z.string().nullable(),
  storePath: z.string().nullable(),
  /** downloaded at least once (present in the channels profile) */
  installed: z.boolean(),
  /** `nixos-rebuild --upgrade` updates it too */
  updateOnRebuild: z.boolean(),
});
export type ChannelInfo = z.infer<typeof channelInfoSchema>;

export const channelCheckSchema = z.object({
  name: z.string(),
  url: z.string().nullable(),
  installed: z.string().nullable(),
  /** the release the channel URL redirects to now, e.g. "nixos-24.11.720.def5678" */
  latest: z.string().nullable(),
  latestUrl: z.string().nullable(),
  /** null when it cannot be told */
  updateAvailable: z.boolean().nullable(),
  /** a newer NixOS release next to this one (stable channels only) */
  newerRelease: z.object({ release: z.string(), url: z.string() }).nullable(),
  error: z.string().nullable(),
  warnings: z.array(z.string()),
});
export type ChannelCheck = z.infer<typeof channelCheckSchema>;

const channelsWithWarnings = z.object({ channels: z.array(channelInfoSchema), warnings: z.array(z.string()) });

// ---- Flake inputs -------------------------------------------------------------------------------

/** One input as a flake.lock pins it. */
export const flakeLockedInputSchema = z.object({
  /** the locked reference in flake URL form, e.g. "github:NixOS/nixpkgs/<rev>" */
  url: z.string(),
  /** the commit, for inputs that have one (git, github, ...) */
  rev: z.string().nullable(),
  narHash: z.string().nullable(),
  /** ISO 8601, from the lock's lastModified (the commit's date for git inputs); null when absent */
  lastModified: z.string().nullable(),
});
export type FlakeLockedInput = z.infer<typeof flakeLockedInputSchema>;

export const flakeInputChangeSchema = z.object({
  /** "nixpkgs", or "home-manager/nixpkgs" for an input of an input */
  input: z.string(),
  /** what flake.nix asks for, e.g. "github:NixOS/nixpkgs/nixos-24.11" */
  original: z.string(),
  kind: z.enum(['updated', 'added', 'removed', 'unchanged']),
  before: flakeLockedInputSchema.nullable(),
  after: flakeLockedInputSchema.nullable(),
});
export type FlakeInputChange = z.infer<typeof flakeInputChangeSchema>;

export const flakeInputsResultSchema = z.object({
  /** the configuration folder holds a flake.nix */
  isFlake: z.boolean(),
  dir: z.string(),
  lockExists: z.boolean(),
  /** every input the current flake.lock pins (kind "unchanged", after = before) */
  inputs: z.array(flakeInputChangeSchema),
});
export type FlakeInputsResult = z.infer<typeof flakeInputsResultSchema>;

export const flakeCheckResultSchema = z.object({
  /** hand it to system.flake.update to write exactly this lock */
  checkId: z.string(),
  dir: z.string(),
  lockExists: z.boolean(),
  inputs: z.array(flakeInputChangeSchema),
  /** inputs that are updated, added or removed */
  changed: z.number().int().nonnegative(),
  warnings: z.array(z.string()),
});
export type FlakeCheckResult = z.infer<typeof flakeCheckResultSchema>;

export const flakeUpdateResultSchema = flakeCheckResultSchema.extend({
  /** false when nothing changed and the lock was left alone */
  written: z.boolean(),
  lockFile: z.string(),
  backup: z.string().nullable(),
});
export type FlakeUpdateResult = z.infer<typeof flakeUpdateResultSchema>;

// ---- Cleanup -----------------------------------------------------------------------------------

export const protectedReasonSchema = z.enum(['current', 'running', 'booted']);
export type ProtectedReason = z.infer<typeof protectedReasonSchema>;

const dryRun = z.boolean().default(false);
export const deleteGenerationsParamsSchema = z.union([
  /** like `nix-collect-garbage --delete-older-than <D>d` (D >= 1): the generation that was in use D days ago stays */
  z.object({ olderThanDays: z.number().int().min(1).max(36_500), dryRun }).strict(),
  z.object({ keepNewest: z.number().int().min(1).max(100_000), dryRun }).strict(),
  z.object({ generations: z.array(generationNumber.min(1)).min(1).max(10_000), dryRun }).strict(),
]);
export type DeleteGenerationsParams = z.output<typeof deleteGenerationsParamsSchema>;

export const deleteGenerationsResultSchema = z.object({
  dryRun: z.boolean(),
  /** deleted, or (dry run) that would be deleted, oldest first */
  generations: z.array(z.number().int()),
  /** chosen by the rule but kept because they must never be deleted */
  protected: z.array(z.object({ generation: z.number().int(), reasons: z.array(protectedReasonSchema) })),
  remaining: z.number().int(),
  /** "older than D days" keeps the newest generation made before the cutoff: the one in use D days ago (as Nix does); null otherwise */
  activeAtCutoff: z.number().int().nullable(),
  /** NAR bytes that only the deleted generations keep alive: freed by the next garbage collection */
  freeableBytes: z.number().nonnegative(),
  freeablePaths: z.number().int().nonnegative(),
  /** all-gc-roots = exact against every GC root Nix knows; generations-only = an estimate from this profile alone */
  basis: z.enum(['all-gc-roots', 'generations-only']),
});
export type DeleteGenerationsResult = z.infer<typeof deleteGenerationsResultSchema>;

export const gcResultSchema = z.object({ pathsDeleted: z.number().int().nonnegative(), bytesFreed: z.number().nonnegative() });
export type GcResult = z.infer<typeof gcResultSchema>;

export const systemMethods = {
  'system.status': method('What this machine is and how its NixOS stands', noParams, systemStatusSchema),
  'system.storeSize': method(
    'Size of the Nix store (slower: sums every valid path)',
    noParams,
    z.object({ bytes: z.number().nonnegative(), paths: z.number().int().nonnegative() }),
  ),
  'system.generations': method(
    'Every generation of the system profile, newest first, with what each contains',
    z.object({ withClosureSize: z.boolean().optional() }).strict(),
    generationsResultSchema,
  ),
  'system.diff': method(
    'What changed between two generations or system store paths, package by package',
    z.object({ from: closureRefSchema, to: closureRefSchema }).strict(),
    closureDiffSchema,
  ),
  'system.channels.list': method('Root channels with the release each points to', noParams, z.object({ channels: z.array(channelInfoSchema) })),
  'system.channels.add': method('Subscribe to a channel (or change where a channel points)', z.object({ name: rootChannelNameSchema, url: rootChannelUrlSchema }).strict(), channelsWithWarnings),
  'system.channels.remove': method('Unsubscribe from a channel', z.object({ name: rootChannelNameSchema }).strict(), channelsWithWarnings),
  'system.channels.update': jobMethod(
    'Download the latest of some or all channels (nix-channel --update)',
    z.object({ names: z.array(rootChannelNameSchema).max(50).optional() }).strict(),
    z.object({
      channels: z.array(channelInfoSchema),
      changes: z.array(z.object({ name: z.string(), before: z.string().nullable(), after: z.string().nullable() })),
      warnings: z.array(z.string()),
    }),
  ),
  'system.channels.checkUpdate': method(
    'Ask the channel server which release each channel serves now',
    z.object({ name: rootChannelNameSchema.optional() }).strict(),
    z.object({ channels: z.array(channelCheckSchema) }),
  ),
  'system.flake.inputs': method('The inputs flake.lock pins now (no network)', noParams, flakeInputsResultSchema),
  'system.flake.check': jobMethod(
    'Look for newer versions of the flake inputs (nix flake update on a copy: your flake.lock is not touched)',
    noParams,
    flakeCheckResultSchema,
  ),
  'system.flake.update': jobMethod(
    'Write the updated flake.lock (the one a check found, or a fresh update), keeping a backup',
    z.object({ checkId: z.string().regex(/^[0-9a-f]{32}$/).optional() }).strict(),
    flakeUpdateResultSchema,
  ),
  'system.deleteGenerations': method(
    'Delete old generations (never the current, running or booted one); dryRun shows what would go and the space it frees',
    deleteGenerationsParamsSchema,
    deleteGenerationsResultSchema,
  ),
  'system.gc': jobMethod('Collect garbage: delete store paths nothing uses any more', noParams, gcResultSchema),
};
