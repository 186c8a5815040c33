import { z } from 'zod';
import { jobMethod, method } from './core';

/**
 * Pre-flight: before a switch, boot, rollback or cleanup starts, is there room on /boot for the kernel
 * and initrd it copies there, and on /nix for what it downloads and builds? A problem comes with one fix:
 * a cleanup (delete old generations, then rebuild the boot menu and/or collect garbage).
 */

const bytes = z.number().nonnegative();
const generationNumber = z.number().int().positive().max(10_000_000);

/** The generations threshold above which the pre-flight suggests a cleanup. */
export const MANY_GENERATIONS = 50;

export const cleanupRuleSchema = z.union([
  z.object({ olderThanDays: z.number().int().min(1).max(36_500) }).strict(),
  z.object({ keepNewest: z.number().int().min(1).max(100_000) }).strict(),
]);
export type CleanupRule = z.infer<typeof cleanupRuleSchema>;

export const preflightParamsSchema = z.discriminatedUnion('kind', [
  /** rollback, switch to generation N, or one of its specialisations */
  z.object({ kind: z.literal('activate'), generation: generationNumber, specialisation: z.string().min(1).max(100).regex(/^[A-Za-z0-9_][A-Za-z0-9_'+.-]*$/).optional() }).strict(),
  /** what deleting generations by this rule would free, and whether the boot menu can be rebuilt afterwards */
  z.object({ kind: z.literal('cleanup'), rule: cleanupRuleSchema }).strict(),
  /** the report a rebuild job made in its pre-flight phase (null when it made none) */
  z.object({ kind: z.literal('job'), jobId: z.string().min(1).max(100) }).strict(),
]);
export type PreflightParams = z.infer<typeof preflightParamsSchema>;

export const bootSpaceSchema = z.object({
  /** the boot loader's folder (host key bootDir) */
  dir: z.string(),
  /** where NixOS's boot loader builder copies kernels: systemd-boot's EFI/nixos, or GRUB's kernels/ (boot.loader.grub.copyKernels) */
  layout: z.enum(['systemd-boot', 'grub']),
  freeBytes: bytes,
  sizeBytes: bytes,
  /** kernel and initrd files the action copies there that are not there yet */
  newFiles: z.array(z.object({ name: z.string(), bytes, estimated: z.boolean() })),
  /** what the action needs there: the new files and the boot menu's entries, in whole blocks of that file system */
  neededBytes: bytes,
  /** freed by the boot menu update itself before it copies (systemd-boot removes files no kept generation uses first) */
  freedFirstBytes: bytes,
  /** true when a size is a guess (a kernel not built yet counts as big as the running one) */
  estimated: z.boolean(),
});
export type BootSpace = z.infer<typeof bootSpaceSchema>;

export const storeSpaceSchema = z.object({
  dir: z.string(),
  freeBytes: bytes,
  /** from the dry run: "these N paths will be fetched (X MiB download, Y MiB unpacked)" */
  fetches: z.number().int().nonnegative(),
  downloadBytes: bytes,
  unpackedBytes: bytes,
  /** "these N derivations will be built" */
  builds: z.number().int().nonnegative(),
  /** what the builds will add, guessed from the same packages in the running system (0 where nothing is known) */
  buildBytesEstimate: bytes,
  neededBytes: bytes,
});
export type StoreSpace = z.infer<typeof storeSpaceSchema>;

export const preflightProblemSchema = z.object({
  kind: z.enum(['boot-space', 'store-space', 'many-generations', 'boot-menu']),
  /** true: the action is refused until it is fixed; false: a warning */
  blocking: z.boolean(),
  title: z.string(),
  text: z.string(),
});
export type PreflightProblem = z.infer<typeof preflightProblemSchema>;

export const preflightFixSchema = z.object({
  /** "Delete generations older than 30 days, then rebuild the boot menu" */
  label: z.string(),
  rule: cleanupRuleSchema,
  /** the generations it deletes, oldest first */
  generations: z.array(z.number().int()),
  /** boot entries (a generation's and its specialisations') it removes from the boot menu */
  bootEntries: z.number().int().nonnegative(),
  /** space the boot menu rebuild frees on /boot */
  bootFreesBytes: bytes,
  /** space the garbage collection frees after the deletion (null when it does not collect) */
  storeFreesBytes: bytes.nullable(),
  collectGarbage: z.boolean(),
  rebuildBootMenu: z.boolean(),
  /** false when even this does not make enough room */
  enough: z.boolean(),
  /** the boot default when this was worked out: the fix is refused if it moved */
  expectedCurrent: z.number().int().nullable(),
});
export type PreflightFix = z.infer<typeof preflightFixSchema>;

export const preflightReportSchema = z.object({
  /** what was checked: "switch", "boot", "test", "build", "rollback to generation 4", "cleanup" … */
  action: z.string(),
  /** nothing blocks the action */
  ok: z.boolean(),
  boot: bootSpaceSchema.nullable(),
  store: storeSpaceSchema.nullable(),
  generations: z.object({ count: z.number().int().nonnegative(), threshold: z.number().int() }),
  problems: z.array(preflightProblemSchema),
  fix: preflightFixSchema.nullable(),
});
export type PreflightReport = z.infer<typeof preflightReportSchema>;

export const preflightFixParamsSchema = z
  .object({
    rule: cleanupRuleSchema,
    collectGarbage: z.boolean(),
    rebuildBootMenu: z.boolean(),
    expectedCurrent: generationNumber.nullable(),
  })
  .strict();
export type PreflightFixParams = z.infer<typeof preflightFixParamsSchema>;

export const preflightFixResultSchema = z.object({
  deleted: z.array(z.number().int()),
  bootMenuRebuilt: z.boolean(),
  /** measured: free space before and after, on /boot and /nix (null where not looked at) */
  bootFreedBytes: z.number().nullable(),
  storeFreedBytes: z.number().nullable(),
});
export type PreflightFixResult = z.infer<typeof preflightFixResultSchema>;

/** Sizes in words, as a file manager shows them: "12 MB", "1.4 GB", "800 kB". */
export function sizeInWords(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = Math.max(0, n);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return `${Math.round(v)} bytes`;
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i]}`;
}

export const systemPreflightMethods = {
  'system.preflight': method(
    'Before an action: room on /boot for the kernels it copies and on /nix for what it downloads and builds, the number of generations, and the one fix for a problem',
    preflightParamsSchema,
    preflightReportSchema.nullable(),
  ),
  'system.preflight.fix': jobMethod(
    'The pre-flight fix: delete old generations by a rule, then collect garbage and/or rebuild the boot menu (switch-to-configuration boot of the boot default)',
    preflightFixParamsSchema,
    preflightFixResultSchema,
  ),
};
