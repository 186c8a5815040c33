import { z } from 'zod';
import { method, noParams } from './core';

/**
 * Every Learn entry, by id. `#/learn/<id>` opens one; an RpcError's `learn` field names one.
 * Reference them as `LearnEntryId` so a typo is a compile error.
 */
export const learnEntryIds = [
  'nix-store',
  'derivations',
  'generations',
  'channels-vs-flakes',
  'home-manager',
  'rollback',
  'configuration',
  'garbage-collection',
  'nix',
  'evaluation-errors',
  'build-errors',
  'permissions',
  'network',
  'search',
  'closure',
  'specialisations',
  'dry-build',
  'booted',
] as const;
export type LearnEntryId = (typeof learnEntryIds)[number];
export const learnEntryIdSchema = z.enum(learnEntryIds);

export const learnLinkSchema = z.object({ label: z.string(), url: z.string() });

export const learnEntrySchema = z.object({
  id: learnEntryIdSchema,
  title: z.string(),
  /** one sentence */
  summary: z.string(),
  paragraphs: z.array(z.string()),
  related: z.array(learnEntryIdSchema),
  links: z.array(learnLinkSchema),
});
export type LearnEntry = z.infer<typeof learnEntrySchema>;

export const learnResourceSchema = z.object({ id: z.string(), label: z.string(), url: z.string(), description: z.string() });
export type LearnResource = z.infer<typeof learnResourceSchema>;

export const learnMethods = {
  'learn.entries': method('The concepts a newcomer meets, and the standard resources', noParams, z.object({ entries: z.array(learnEntrySchema), resources: z.array(learnResourceSchema) })),
  'learn.openExternal': method(
    'Open a link in the system browser, if its address is on the allow-list (or is exactly the homepage of the named package)',
    z
      .object({
        url: z.string().min(8).max(2048),
        /** a package whose recorded homepage this is; its homepage is allowed too */
        fromPackage: z.string().min(1).max(200).regex(/^[A-Za-z0-9_+.'-]+$/).optional(),
      })
      .strict(),
    z.object({ opened: z.literal(true), url: z.string() }),
  ),
};
