import { describe, it } from 'vitest';

/**
 * `describe` when `missing` is null; otherwise one test that skips itself naming what is missing, so the
 * summary counts a skip with its reason instead of silently running nothing.
 */
export function describeIfAvailable(missing: string | null): (name: string, body: () => void) => void {
  if (!missing) return describe;
  return (name) => describe(name, () => it(`needs ${missing}`, (ctx) => ctx.skip(`needs ${missing}`)));
}

