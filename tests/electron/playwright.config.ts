import { defineConfig } from '@playwright/test';

/** The Electron smoke test: runs where ELECTRON_OVERRIDE_DIST_PATH points at an Electron binary, skips itself elsewhere. */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  timeout: 90_000,
  workers: 1,
  reporter: process.env.PW_JSON ? [['list'], ['json', { outputFile: process.env.PW_JSON }]] : [['list']],
  outputDir: '../../test-results/electron',
  globalSetup: './global-setup.ts',
});
