import { z } from 'zod';
import { jobMethod, method, noParams } from './core';

/**
 * Home Manager, standalone, run as the user: detect, guided setup, home.nix, switch, generations,
 * rollback and news. Nothing here needs root.
 */

/** `release-24.11` or `master` (unstable): the home-manager branch that matches a nixpkgs release */
export const hmBranchSchema = z.string().max(20).regex(/^(release-\d{2}\.\d{2}|master)$/, 'must be release-YY.MM or master');
export type HmBranch = z.infer<typeof hmBranchSchema>;

/** `24.11` */
export const releaseNumberSchema = z.string().max(5).regex(/^\d{2}\.\d{2}$/, 'must look like 24.11');

export const homeChannelSchema = z.object({ name: z.string(), url: z.string(), release: z.string().nullable() });

export const homeStatusSchema = z.object({
  nix: z.object({ installed: z.boolean(), version: z.string().nullable() }),
  /** the nixpkgs Home Manager builds with, its release, and where that was read */
  system: z.object({
    nixosVersion: z.string().nullable(),
    /** `24.11`; null when unknown (and for unstable read from a channel name) */
    release: z.string().nullable(),
    unstable: z.boolean(),
    /** false when only the release number is known, not whether it is that stable release or unstable (a flake-built system) */
    certain: z.boolean(),
    source: z.enum(['home-flake', 'user-channel', 'root-channel', 'nix-path', 'system-flake', 'nixos-version', 'none']),
    /** where it was read, in words */
    detail: z.string(),
  }),
  /** the home-manager channel that matches; null when the release could not be told */
  recommended: z.object({ branch: hmBranchSchema, url: z.string() }).nullable(),
  installed: z.boolean(),
  /** the home-manager command found, and whether it is on the PATH this app was started with */
  command: z.object({ path: z.string(), onPath: z.boolean() }).nullable(),
  version: z.string().nullable(),
  profile: z.object({ path: z.string(), generations: z.number().int(), current: z.number().int().nullable() }),
  config: z.object({
    path: z.string(),
    exists: z.boolean(),
    /** the file lives at the older ~/.config/nixpkgs/home.nix */
    legacyLocation: z.boolean(),
  }),
  channels: z.array(homeChannelSchema),
  /** the user's `home-manager` channel, when subscribed */
  homeManagerChannel: homeChannelSchema.nullable(),
  /** plain words when the subscribed home-manager release differs from the system's */
  releaseMismatch: z.string().nullable(),
  nixAccess: z.object({ allowed: z.boolean(), rule: z.string(), file: z.string() }),
  /** home-manager is installed but this session's PATH or NIX_PATH does not have it yet: log out and in again */
  needsRelogin: z.boolean(),
  /** the NIX_PATH this session started with has the user's channels (NixOS adds them at login, when they exist) */
  channelsOnSessionPath: z.boolean(),
  /** a standalone Home Manager flake, which home-manager uses by itself: the file and the homeConfigurations attribute it picks */
  flake: z.object({ path: z.string(), attribute: z.string().nullable(), attributes: z.array(z.string()).nullable() }).nullable(),
});
export type HomeStatus = z.infer<typeof homeStatusSchema>;

export const setupStepIds = ['channel', 'update', 'install', 'relogin'] as const;
export const setupStepIdSchema = z.enum(setupStepIds);
export type SetupStepId = z.infer<typeof setupStepIdSchema>;

export const setupStepSchema = z.object({
  id: setupStepIdSchema,
  label: z.string(),
  status: z.enum(['pending', 'running', 'done', 'failed', 'skipped']),
  message: z.string().nullable(),
});
export type SetupStep = z.infer<typeof setupStepSchema>;

export const setupResultSchema = z.object({
  /** files that were in the way of the first switch and were moved aside */
  backedUp: z.array(z.string()),
  branch: hmBranchSchema,
  steps: z.array(setupStepSchema),
  installed: z.boolean(),
  version: z.string().nullable(),
  needsRelogin: z.boolean(),
  reloginNote: z.string(),
});
export type SetupResult = z.infer<typeof setupResultSchema>;

const attrName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/, 'must be a package attribute name such as ripgrep or python3Packages.black');

export const homeShells = ['bash', 'zsh', 'fish', 'none'] as const;
export const homePrograms = ['direnv', 'fzf', 'starship', 'neovim', 'htop', 'bat', 'tmux', 'zoxide', 'eza', 'jq', 'ripgrep'] as const;

export const homeFormSchema = z
  .object({
    username: z.string().min(1).max(32).regex(/^[a-z_][a-z0-9_-]*\$?$/, 'must be a Linux user name'),
    homeDirectory: z.string().min(2).max(200).regex(/^\/[^\0"\\$`]*$/, 'must be an absolute path without quotes or $'),
    stateVersion: releaseNumberSchema,
    packages: z.array(attrName).max(200),
    git: z
      .object({
        enable: z.boolean(),
        name: z.string().max(100).regex(/^[^"\\$\n]*$/, 'must not contain quotes, backslashes, $ or line breaks'),
        email: z.string().max(200).regex(/^[^"\\$\n\s]*$/, 'must not contain quotes, backslashes, $ or spaces'),
      })
      .strict(),
    shell: z.enum(homeShells),
    programs: z.array(z.enum(homePrograms)).max(homePrograms.length),
    /** the home-manager release the file is for (chooses option names that changed between releases) */
    release: z.string().max(10).regex(/^(\d{2}\.\d{2}|unstable)$/).optional(),
  })
  .strict();
export type HomeForm = z.infer<typeof homeFormSchema>;

const MAX_HOME_NIX = 512 * 1024;
const homeNixContent = z.string().max(MAX_HOME_NIX).refine((c) => new TextEncoder().encode(c).length <= MAX_HOME_NIX, 'is larger than 512 KiB');
const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

export const nixParseErrorSchema = z.object({ message: z.string(), line: z.number().int().nullable(), column: z.number().int().nullable() });
export type NixParseError = z.infer<typeof nixParseErrorSchema>;

export const generationSchema = z.object({
  generation: z.number().int().nonnegative(),
  /** the link's own mtime, as `home-manager generations` shows it */
  date: z.string(),
  storePath: z.string(),
  current: z.boolean(),
  /** the home-manager version that built it (the generation's hm-version file), when present */
  hmVersion: z.string().nullable(),
  /** the generation's format (gen-version, 1 from Home Manager 25.11), when present */
  genVersion: z.number().int().nullable(),
  /** the profile records it, but its activation never finished (Home Manager 25.11 records before activating) */
  notActivated: z.boolean(),
  /** its files are the ones in your home (from the current-home GC root activation sets); null when unknown */
  filesInPlace: z.boolean().nullable(),
});
export type HomeGeneration = z.infer<typeof generationSchema>;

/** The profile records a generation whose activation did not finish; `filesOf`: the generation whose files are in place */
export const activationGapSchema = z.object({ recorded: z.number().int(), filesOf: z.number().int().nullable() });

export const packageRefSchema = z.object({ name: z.string(), version: z.string().nullable(), storePath: z.string() });

export const switchResultSchema = z.object({
  ok: z.boolean(),
  /** files in the way: home-manager refused to clobber them; retry with a backup extension */
  clobbered: z.array(z.object({ path: z.string(), backupInTheWay: z.string().nullable() })),
  /** the failed switch left the profile recording a generation that was not activated (25.11) */
  notActivated: activationGapSchema.nullable(),
  generation: z.number().int().nullable(),
  previousGeneration: z.number().int().nullable(),
  /** unread news count the switch announced */
  unreadNews: z.number().int().nullable(),
  message: z.string(),
  elapsedSeconds: z.number(),
});
export type SwitchResult = z.infer<typeof switchResultSchema>;

export const activationResultSchema = z.object({
  method: z.enum(['home-manager switch --rollback', 'profile and activate']),
  from: z.number().int().nullable(),
  to: z.number().int().nullable(),
  message: z.string(),
});

export const homeExpireResultSchema = z.object({
  dryRun: z.boolean(),
  profile: z.string(),
  /** generations dated at or before this are removed (home-manager expire-generations "-D days") */
  cutoff: z.string(),
  /** removed, or that would be removed */
  generations: z.array(z.number().int()),
  /** the current generation is that old too, and stays */
  keptCurrent: z.number().int().nullable(),
  remaining: z.number().int(),
  /** what `nix-collect-garbage -d` run as you would delete beyond this: every other generation of each of your profiles */
  beyond: z.array(z.object({ profile: z.string(), current: z.number().int().nullable(), generations: z.array(z.number().int()) })),
});
export type HomeExpireResult = z.infer<typeof homeExpireResultSchema>;

export const newsItemSchema = z.object({ id: z.string(), time: z.string(), unread: z.boolean(), message: z.string() });
export type NewsItem = z.infer<typeof newsItemSchema>;

export const homeMethods = {
  'home.status': method('Whether home-manager is set up for this user, and how it matches the system', noParams, homeStatusSchema),
  'home.setup': jobMethod(
    'Install home-manager standalone: add the matching channel, update, install, then explain the relogin',
    z
      .object({
        branch: hmBranchSchema,
        /** start at this step (a retry); earlier steps are left as they are */
        from: setupStepIdSchema.optional(),
        /** the first switch moves files in the way to <file>.<ext> (what `home-manager switch -b <ext>` sets) */
        backupExtension: z.string().min(1).max(32).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a plain extension such as backup').optional(),
      })
      .strict(),
    setupResultSchema,
  ),
  'home.config.read': method(
    'The user’s home.nix, with a hash to write against',
    noParams,
    z.object({ path: z.string(), exists: z.boolean(), content: z.string(), sha256: z.string(), parseError: nixParseErrorSchema.nullable() }),
  ),
  'home.config.generate': method(
    'Nix text for a home.nix made from the form, with comments, checked by the real Nix parser',
    homeFormSchema,
    z.object({ content: z.string(), options: z.array(z.string()), parseError: nixParseErrorSchema.nullable() }),
  ),
  'home.config.validate': method(
    'Parse Nix text with the real Nix parser; errors come back with their line and column',
    z.object({ content: homeNixContent }).strict(),
    z.object({ ok: z.boolean(), error: nixParseErrorSchema.nullable() }),
  ),
  'home.config.write': method(
    'Write home.nix atomically, keeping the previous version as a backup; refused when it does not parse or changed on disk',
    z.object({ content: homeNixContent, expectedSha256: sha256Schema.optional() }).strict(),
    z.object({ path: z.string(), backup: z.string().nullable(), sha256: z.string() }),
  ),
  'home.switch': jobMethod(
    'home-manager switch, with the live log and progress; a clobber failure names the files',
    z
      .object({
        /** move files in the way to <file>.<ext> (home-manager switch -b <ext>) */
        backupExtension: z.string().min(1).max(32).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a plain extension such as backup').optional(),
      })
      .strict(),
    switchResultSchema,
  ),
  'home.generations': method(
    'Home Manager generations, newest first, as `home-manager generations` lists them',
    noParams,
    z.object({ profile: z.string(), generations: z.array(generationSchema), activationGap: activationGapSchema.nullable() }),
  ),
  'home.rollback': jobMethod(
    'Go back to the previous generation and activate it',
    noParams,
    activationResultSchema,
  ),
  'home.switchGeneration': jobMethod(
    'Make generation N current and activate it',
    z.object({ generation: z.number().int().positive().max(1_000_000) }).strict(),
    activationResultSchema,
  ),
  'home.removeGenerations': method(
    'Remove generations (never the current one); their files stay in the store until garbage collection',
    z.object({ generations: z.array(z.number().int().positive().max(1_000_000)).min(1).max(1000) }).strict(),
    z.object({ removed: z.array(z.number().int()), refused: z.array(z.object({ generation: z.number().int(), reason: z.string() })) }),
  ),
  'home.expireGenerations': method(
    'Remove Home Manager generations older than D days, as `home-manager expire-generations "-D days"` does (never the current one); dryRun only says which',
    z.object({ olderThanDays: z.number().int().min(1).max(36500), dryRun: z.boolean() }).strict(),
    homeExpireResultSchema,
  ),
  'home.diff': method(
    'Packages that differ between two generations (their home-path)',
    z.object({ from: z.number().int().positive().max(1_000_000), to: z.number().int().positive().max(1_000_000) }).strict(),
    z.object({
      added: z.array(packageRefSchema),
      removed: z.array(packageRefSchema),
      changed: z.array(z.object({ name: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
      unchanged: z.number().int(),
    }),
  ),
  'home.news': method(
    'Home Manager news relevant to this configuration; unread items first',
    z.object({ markRead: z.boolean().optional() }).strict(),
    z.object({ items: z.array(newsItemSchema), unread: z.number().int() }),
  ),
};
