import { z } from 'zod';
import { jobMethod, method, noParams } from './core';
import { absoluteFilePathSchema } from './usb';

export const isoArches = ['x86_64', 'aarch64'] as const;
export type IsoArch = (typeof isoArches)[number];
export const isoEditions = ['minimal', 'graphical'] as const;
export type IsoEdition = (typeof isoEditions)[number];

/** nixos-unstable or nixos-YY.MM */
export const channelNameSchema = z.string().max(32).regex(/^nixos-(?:unstable|\d\d\.\d\d)$/, 'must be nixos-unstable or nixos-YY.MM');

export const releaseSchema = z.object({
  channel: z.string(),
  kind: z.enum(['stable', 'unstable']),
  label: z.string(),
  description: z.string(),
  /** the exact release of its newest minimal image for this machine, e.g. 24.11.711815.abc; null when not probed */
  version: z.string().nullable(),
});
export type Release = z.infer<typeof releaseSchema>;

export const choiceSchema = z.object({ id: z.string(), label: z.string(), description: z.string() });

export const resolvedImageSchema = z.object({
  channel: z.string(),
  edition: z.enum(isoEditions),
  arch: z.enum(isoArches),
  /** the latest-* URL on the channel server */
  latestUrl: z.string(),
  /** where it redirects: the versioned file on the releases server */
  url: z.string(),
  fileName: z.string(),
  version: z.string(),
  size: z.number().nonnegative().nullable(),
  sha256: z.string().nullable(),
  /** already downloaded and checked */
  cachedPath: z.string().nullable(),
});
export type ResolvedImage = z.infer<typeof resolvedImageSchema>;

/** iso-hybrid: ISO 9660 with a partition table, boots when written raw; iso: ISO 9660 only (may not boot from USB); disk: a raw disk image (MBR or GPT) */
export const imageFormats = ['iso-hybrid', 'iso', 'disk'] as const;
export type ImageFormat = (typeof imageFormats)[number];

export const imageResultSchema = z.object({
  path: z.string(),
  fileName: z.string(),
  size: z.number().nonnegative(),
  sha256: z.string(),
  /** the checksum it was compared with (published or given); null when none was available */
  expectedSha256: z.string().nullable(),
  matches: z.boolean().nullable(),
  /** reused from the cache instead of downloading again */
  reused: z.boolean(),
  /** bytes fetched over the network in this run */
  downloadedBytes: z.number().nonnegative(),
  resumedFrom: z.number().nonnegative(),
  isoHybrid: z.boolean(),
  format: z.enum(imageFormats),
  version: z.string().nullable(),
  url: z.string().nullable(),
});
export type ImageResult = z.infer<typeof imageResultSchema>;

const shortText = (max: number) => z.string().max(max);

export const starterConfigSchema = z
  .object({
    hostname: shortText(63).regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, 'letters, digits and dashes; no dash at the start or end'),
    userName: shortText(32).regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, _ and -; starting with a letter'),
    fullName: shortText(100).regex(/^[^"\\$\n\r]*$/, 'no quotes, backslashes or $').default(''),
    timeZone: shortText(64).regex(/^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+){0,2}$/, 'like Europe/Berlin or UTC'),
    keyboardLayout: shortText(32).regex(/^[a-z]{2,8}(?:[-_][a-z0-9]{1,12})?$/, 'like us, de, fr or gb'),
    locale: shortText(32).regex(/^[a-z]{2,3}_[A-Z]{2}\.UTF-8$/, 'like en_US.UTF-8'),
    desktop: z.enum(['none', 'gnome', 'plasma', 'xfce']),
    ssh: z.boolean(),
    flakes: z.boolean(),
    /** the NixOS release being installed ("25.11"; unstable as its coming number), for option names and system.stateVersion */
    release: z.string().regex(/^\d\d\.(05|11)$/, 'a NixOS release like 25.11').optional(),
  })
  .strict();
export type StarterConfigInput = z.input<typeof starterConfigSchema>;

export const installerMethods = {
  'installer.releases': method(
    'NixOS releases on offer (current stable ones and unstable), editions and architectures, each explained',
    noParams,
    z.object({
      releases: z.array(releaseSchema),
      editions: z.array(choiceSchema),
      arches: z.array(choiceSchema),
      machineArch: z.enum(isoArches),
      channelBaseUrl: z.string(),
    }),
  ),
  'installer.resolve': method(
    'The exact image behind a channel, edition and architecture: versioned name, size and published checksum',
    z.object({ channel: channelNameSchema, edition: z.enum(isoEditions), arch: z.enum(isoArches) }).strict(),
    resolvedImageSchema,
  ),
  'installer.download': jobMethod(
    'Download an installer image (resuming a partial download), hashing it on the way, and check it against the published SHA-256',
    z.object({ channel: channelNameSchema, edition: z.enum(isoEditions), arch: z.enum(isoArches) }).strict(),
    imageResultSchema,
  ),
  'installer.checkLocal': jobMethod(
    'Check an ISO file you already have: hash it, compare with a checksum you give, and see whether it can boot from USB',
    z.object({ path: absoluteFilePathSchema, sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional() }).strict(),
    imageResultSchema,
  ),
  'installer.pickImage': method(
    'Ask for the image file with the system’s file dialog. Only the desktop window has one: in a browser the answer is `unsupported`, and the path is typed instead.',
    noParams,
    z.object({ /** null when the dialog was closed without a choice */ path: z.string().nullable() }),
  ),
  'installer.starterConfig': method(
    'A commented configuration.nix from a short form, checked with nix-instantiate --parse',
    starterConfigSchema,
    z.object({ content: z.string(), valid: z.boolean(), /** false when nix-instantiate is not installed here (the text is still built from checked values) */ checked: z.boolean(), parseError: z.string().nullable(), options: z.array(z.string()) }),
  ),
  'installer.saveStarterConfig': method(
    'Save the starter configuration.nix in your home folder',
    starterConfigSchema,
    z.object({ path: z.string() }),
  ),
};
