import { afterAll, beforeAll, describe } from 'vitest';
import { nixEnvFor, nixVariants, type NixVariant } from './nix.mjs';

/**
 * Runs `body` once per Nix version under test (Nix 2.26, then Debian's 2.8), with that Nix first on
 * PATH for the app, the fixtures and the peer commands the test compares against.
 */
export function describeEachNix(name: string, body: (variant: NixVariant) => void): void {
  describe.each(nixVariants())(`${name} ($name)`, (variant) => {
    let saved: { PATH?: string; NIX_CONFIG?: string };
    beforeAll(() => {
      saved = { PATH: process.env.PATH, NIX_CONFIG: process.env.NIX_CONFIG };
      const env = nixEnvFor(variant.bin);
      process.env.PATH = env.PATH;
      process.env.NIX_CONFIG = env.NIX_CONFIG;
    });
    afterAll(() => {
      process.env.PATH = saved.PATH;
      process.env.NIX_CONFIG = saved.NIX_CONFIG;
    });
    body(variant);
  });
}
