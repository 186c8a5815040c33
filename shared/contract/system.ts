import { z } from 'zod';
import { method, noParams } from './core';

export const generationRefSchema = z.object({
  generation: z.number().int().nonnegative(),
  storePath: z.string(),
  nixosVersion: z.string(),
  date: z.string(),
});

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
  /** plain words for when the profile, running and booted systems disagree; empty when they agree */
  warnings: z.array(z.string()),
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

export const systemMethods = {
  'system.status': method('What this machine is and how its NixOS stands', noParams, systemStatusSchema),
  'system.storeSize': method(
    'Size of the Nix store (slower: sums every valid path)',
    noParams,
    z.object({ bytes: z.number().nonnegative(), paths: z.number().int().nonnegative() }),
  ),
};
