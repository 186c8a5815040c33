import { z } from 'zod';
import { jobMethod, method, noParams } from './core';

export const searchSourceIds = ['packages', 'nixos', 'home-manager'] as const;
export const searchSourceIdSchema = z.enum(searchSourceIds);
export type SearchSourceId = z.infer<typeof searchSourceIdSchema>;

/** a default or example: Nix code, or (when the module author wrote prose) Markdown */
export const optionValueSchema = z.object({ kind: z.enum(['nix', 'markdown']), text: z.string() }).nullable();
export type OptionValue = z.infer<typeof optionValueSchema>;

export const packageResultSchema = z.object({
  attr: z.string(),
  pname: z.string(),
  version: z.string(),
  description: z.string(),
  longDescription: z.string().nullable(),
  homepage: z.array(z.string()),
  license: z.array(z.object({ name: z.string(), spdxId: z.string().nullable(), free: z.boolean().nullable() })),
  mainProgram: z.string().nullable(),
  outputs: z.array(z.string()),
  /** "pkgs/by-name/ri/ripgrep/package.nix:93" */
  position: z.string().nullable(),
  broken: z.boolean(),
  unfree: z.boolean(),
  insecure: z.boolean(),
});
export type PackageResult = z.infer<typeof packageResultSchema>;

export const optionResultSchema = z.object({
  name: z.string(),
  type: z.string(),
  description: z.string(),
  default: optionValueSchema,
  example: optionValueSchema,
  declarations: z.array(z.object({ name: z.string(), url: z.string().nullable() })),
  readOnly: z.boolean(),
  source: z.enum(['nixos', 'home-manager']),
});
export type OptionResult = z.infer<typeof optionResultSchema>;

export const sourceStatusSchema = z.object({
  id: searchSourceIdSchema,
  label: z.string(),
  available: z.boolean(),
  /** where the data comes from */
  origin: z.enum(['channel', 'local-file', 'home-manager', 'none']),
  /** "nixos-24.11", for downloaded sources */
  channel: z.string().nullable(),
  /** "nixos-24.11.716.abc1234", when known */
  release: z.string().nullable(),
  location: z.string().nullable(),
  /** when the data was published (Last-Modified, or the file's date) */
  publishedAt: z.string().nullable(),
  fetchedAt: z.string().nullable(),
  count: z.number().int().nullable(),
  indexed: z.boolean(),
  /** true when the data is missing or belongs to another channel than the system follows */
  needsRefresh: z.boolean(),
  /** plain words about the state: why it is missing, what to do */
  message: z.string().nullable(),
});
export type SourceStatus = z.infer<typeof sourceStatusSchema>;

export const searchSourcesSchema = z.object({
  channel: z.object({
    name: z.string(),
    from: z.enum(['system', 'flake', 'newest-stable']),
    /** for a flake configuration: the nixpkgs revision its flake.lock pins, and when that revision was made */
    revision: z.string().nullable(),
    lockedAt: z.string().nullable(),
  }),
  sources: z.array(sourceStatusSchema),
});
export type SearchSources = z.infer<typeof searchSourcesSchema>;

const queryParams = {
  query: z.string().max(200),
  limit: z.number().int().min(1).max(100).default(20),
  offset: z.number().int().min(0).max(1000).default(0),
};

const attrName = z.string().min(1).max(200).regex(/^[A-Za-z0-9_+.'-]+$/, 'is not an attribute name');
const optionName = z.string().min(1).max(300).regex(/^[A-Za-z0-9_+.<>*"'-]+$/, 'is not an option name');

export const addTargetSchema = z.enum(['system', 'home']);
export type AddTarget = z.infer<typeof addTargetSchema>;

export const addItemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('package'), attr: attrName }).strict(),
  z.object({ kind: z.literal('option'), name: optionName, source: z.enum(['nixos', 'home-manager']) }).strict(),
  /** a fix an error explanation offers (electron/core/nix-errors.ts): only these settings, only these values */
  z.object({ kind: z.literal('setting'), name: z.enum(['nixpkgs.config.allowUnfree']), value: z.literal(true) }).strict(),
]);
export type AddItem = z.infer<typeof addItemSchema>;

const nextStepSchema = z.object({ label: z.string(), route: z.string() });

export const addPreviewSchema = z.object({
  file: z.string(),
  /** ready: the edit below can be applied; already: nothing to do; manual: paste the snippet yourself */
  status: z.enum(['ready', 'already', 'manual']),
  message: z.string(),
  /** unified diff of the file, when status is ready */
  diff: z.string().nullable(),
  snippet: z.string(),
  /** the file's sha256 the preview was computed from; apply refuses if the file changed since */
  baseSha256: z.string().nullable(),
  nextStep: nextStepSchema,
});
export type AddPreview = z.infer<typeof addPreviewSchema>;

/** a package attribute as Nix's grammar has it: identifiers joined by dots (`python3Packages.requests`) */
export const packageAttrSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*$/, 'is not a package attribute name');
/** a program name in a package's bin/ (`meta.mainProgram`) */
export const programNameSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/, 'is not a program name');

export const tryPackageResultSchema = z.object({
  /** false: no terminal was found (or it could not start); `message` says so and `command` is what to run by hand */
  launched: z.boolean(),
  /** the terminal it opened in ("kitty", "gnome-terminal"), or null when the program was started directly */
  terminal: z.string().nullable(),
  /** the command, argv first to last */
  argv: z.array(z.string()),
  /** the same command as a person would type it in a terminal (quoted where needed), for copying */
  command: z.string(),
  message: z.string(),
  /** where a program started directly writes its output (to see why it did not open) */
  logFile: z.string().nullable(),
});
export type TryPackageResult = z.infer<typeof tryPackageResultSchema>;

export const searchMethods = {
  'search.sources': method('Which data each search covers: release, age, and whether it needs a refresh', noParams, searchSourcesSchema),
  'search.refresh': jobMethod(
    'Download the channel’s packages and options for the system’s channel and index them',
    z.object({ sources: z.array(searchSourceIdSchema).min(1).max(3).optional(), force: z.boolean().default(false) }).strict(),
    searchSourcesSchema,
  ),
  'search.packages': method(
    'Search packages',
    z.object(queryParams).strict(),
    z.object({ results: z.array(packageResultSchema), total: z.number().int(), tookMs: z.number() }),
  ),
  'search.options': method(
    'Search NixOS or Home Manager options',
    z.object({ ...queryParams, source: z.enum(['nixos', 'home-manager']).default('nixos') }).strict(),
    z.object({ results: z.array(optionResultSchema), total: z.number().int(), tookMs: z.number() }),
  ),
  'search.previewAdd': method(
    'Show how a package or option would be added to the system or Home Manager configuration',
    z.object({ target: addTargetSchema, item: addItemSchema }).strict(),
    addPreviewSchema,
  ),
  'search.tryPackage': method(
    'Try a package without installing it: a terminal with a shell that has it (nix-shell -p / nix shell), or its program started directly (nix-shell -p … --run / nix run)',
    z.object({ attr: packageAttrSchema, mode: z.enum(['shell', 'run']), program: programNameSchema.optional() }).strict(),
    tryPackageResultSchema,
  ),
  'search.applyAdd': method(
    'Add a package or option to the configuration (atomic, backed up, checked with nix-instantiate --parse)',
    z.object({ target: addTargetSchema, item: addItemSchema, expectedSha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
    z.object({ file: z.string(), backup: z.string().nullable(), nextStep: nextStepSchema }),
  ),
};
