import { defineConfig } from 'vitest/config';
import { applyTestNixEnv } from './tests/support/nix.mjs';

// Every worker and every command a test starts inherits the one test Nix environment (Nix 2.26 first on
// PATH, the test NIX_CONFIG): nothing depends on how this machine's /etc/nix/nix.conf was set up.
applyTestNixEnv();

export default defineConfig({
  test: {
    globalSetup: ['tests/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts', 'tests/electron-shell/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // real nix, real loop devices: one file at a time keeps the 2-core machine honest
          fileParallelism: false,
          // a test that fails on a loaded CI machine gets one more run, and the summary names it as flaky
          retry: process.env.CI ? 1 : 0,
        },
      },
    ],
  },
});
