import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { countPlaywrightReport } from '../../scripts/test-counts.mjs';

/**
 * `npm test`'s summary counts honestly: real vitest and real Playwright runs of sample suites with a test
 * of every kind (tests/fixtures/summary/), counted by the reporter and the counter npm test uses.
 */
const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'tests/fixtures/summary');

describe("npm test's summary", () => {
  it('vitest: a retry pass is flaky, a reasoned skip is skipped, a failed setup and a reasonless skip are failures', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-summary-'));
    const config = path.join(dir, 'vitest.config.mjs');
    writeFileSync(config, `export default { test: { root: ${JSON.stringify(fixtures)}, include: ['sample.vt.ts'], retry: 1 } };\n`);
    const out = path.join(dir, 'counts.json');
    spawnSync(path.join(root, 'node_modules/.bin/vitest'), ['run', '-c', config, '--reporter=dot', `--reporter=${path.join(root, 'tests/support/vitest-summary.ts')}`], {
      cwd: root,
      env: { ...process.env, VITEST_SUMMARY: out, SUMMARY_MARKER: path.join(dir, 'marker') },
      encoding: 'utf8',
    });
    const counts = JSON.parse(readFileSync(out, 'utf8'));
    expect(counts.passed).toBe(2);
    expect(counts.flaky).toEqual([expect.stringContaining('fails once, then passes on its retry')]);
    expect(counts.skipped).toBe(1);
    expect(counts.skips).toEqual([expect.stringContaining('needs a thing this machine lacks')]);
    expect(counts.failed).toBe(3);
    expect(counts.failures).toEqual(expect.arrayContaining([
      expect.stringMatching(/> fails$/),
      expect.stringContaining('skips without a reason (skipped without saying why)'),
      expect.stringContaining('never runs (did not run: its setup failed)'),
    ]));
  });

  it('Playwright: the same rules, and a serial test that never ran after a failure is a failure', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-summary-'));
    const config = path.join(dir, 'playwright.config.mjs');
    const report = path.join(dir, 'report.json');
    writeFileSync(config, `export default { testDir: ${JSON.stringify(fixtures)}, testMatch: 'sample.pw.ts', retries: 1, workers: 1, reporter: [['json', { outputFile: ${JSON.stringify(report)} }]], outputDir: ${JSON.stringify(path.join(dir, 'out'))} };\n`);
    spawnSync(path.join(root, 'node_modules/.bin/playwright'), ['test', '-c', config], { cwd: root, env: { ...process.env, SUMMARY_MARKER: path.join(dir, 'marker') }, encoding: 'utf8' });
    const counts = countPlaywrightReport(JSON.parse(readFileSync(report, 'utf8')));
    expect(counts.passed).toBe(2);
    expect(counts.flaky).toEqual([expect.stringContaining('fails once, then passes on its retry')]);
    expect(counts.skipped).toBe(1);
    expect(counts.skips).toEqual([expect.stringContaining('needs a thing this machine lacks')]);
    expect(counts.failed).toBe(2);
    expect(counts.failures).toEqual(expect.arrayContaining([expect.stringContaining('fails every time'), expect.stringContaining('does not run after it (did not run)')]));
  });
});
