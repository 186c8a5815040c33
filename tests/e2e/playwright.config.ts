import { defineConfig } from '@playwright/test';
import { applyTestNixEnv } from '../support/nix.mjs';

// The served apps and every command they start inherit the one test Nix environment (tests/support/nix.mjs).
applyTestNixEnv();

/** Debian's Chromium, driven as root: no sandbox, and no background networking (this machine has no internet). */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  // one retry: the 2-core CI machine occasionally re-renders a result list under a click
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.PW_JSON ? [['list'], ['json', { outputFile: process.env.PW_JSON }]] : [['list']],
  outputDir: '../../test-results/e2e',
  use: {
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    },
  },
});
