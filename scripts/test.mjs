// `npm test`: checks (and where it can, installs) the system tools the tests need, then typecheck, build,
// unit + integration tests (vitest, real nix 2.26 and 2.8), E2E (Playwright + Chromium against
// `npm run serve`), the Electron smoke test where a binary exists, and Electronegativity.
// Ends with one line "summary: N passed, N failed, N skipped" counting every test of every stage
// honestly: a test that passed only on a retry is named as flaky, a test whose setup failed or that
// skipped without a reason counts as failed, a test that skipped itself with its reason as skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { countPlaywrightReport } from './test-counts.mjs';
import { ensureSystemTools } from './system-tools.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const results = path.join(root, 'test-results');
mkdirSync(results, { recursive: true });
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0, flaky: [], failures: [], skips: [] };
const stageFailures = [];

function stage(name, command, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${seconds} s`);
  if (r.status !== 0) stageFailures.push(name);
  return r.status === 0;
}

function add(counts) {
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  totals.flaky.push(...counts.flaky);
  totals.failures.push(...counts.failures);
  totals.skips.push(...counts.skips);
}

/** A stage that ran no test report at all failed as a whole: count it as one failed test. */
function countVitest(file, stageName) {
  if (!existsSync(file)) return add({ passed: 0, failed: 1, skipped: 0, flaky: [], failures: [`${stageName}: wrote no report`], skips: [] });
  add(JSON.parse(readFileSync(file, 'utf8')));
}

function countPlaywright(file, stageName) {
  if (!existsSync(file)) return add({ passed: 0, failed: 1, skipped: 0, flaky: [], failures: [`${stageName}: wrote no report`], skips: [] });
  add(countPlaywrightReport(JSON.parse(readFileSync(file, 'utf8')), stageName));
}

const problem = ensureSystemTools();
if (problem) {
  console.error(`\nnpm test cannot run: ${problem}`);
  console.log('summary: 0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

for (const f of ['vitest.json', 'e2e.json', 'electron.json']) rmSync(path.join(results, f), { force: true });

const typed = stage('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
if (!typed) add({ passed: 0, failed: 1, skipped: 0, flaky: [], failures: ['typecheck'], skips: [] });
const built = stage('build', process.execPath, ['scripts/build.mjs']);
if (built) {
  const vitestReport = path.join(results, 'vitest.json');
  stage('unit + integration (vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=./tests/support/vitest-summary.ts'], { VITEST_SUMMARY: vitestReport });
  countVitest(vitestReport, 'vitest');
  stage('e2e (Playwright + Chromium)', bin('playwright'), ['test', '-c', 'tests/e2e/playwright.config.ts'], { CI: '1', PW_JSON: path.join(results, 'e2e.json') });
  countPlaywright(path.join(results, 'e2e.json'), 'e2e');
  if (existsSync(path.join(root, 'tests/electron/playwright.config.ts'))) {
    stage('electron smoke (Playwright _electron)', bin('playwright'), ['test', '-c', 'tests/electron/playwright.config.ts'], { CI: '1', PW_JSON: path.join(results, 'electron.json') });
    countPlaywright(path.join(results, 'electron.json'), 'electron');
  }
} else add({ passed: 0, failed: 1, skipped: 0, flaky: [], failures: ['build'], skips: [] });
if (existsSync(path.join(root, 'scripts/electronegativity.mjs'))) {
  if (stage('security (Electronegativity)', process.execPath, ['scripts/electronegativity.mjs'])) totals.passed += 1;
  else add({ passed: 0, failed: 1, skipped: 0, flaky: [], failures: ['Electronegativity'], skips: [] });
}

console.log(`\nstages failed: ${stageFailures.length ? stageFailures.join(', ') : 'none'}`);
if (totals.skips.length) console.log(`skipped, with their reasons:\n${totals.skips.map((s) => `  - ${s}`).join('\n')}`);
if (totals.failures.length) console.log(`failed:\n${totals.failures.slice(0, 40).map((s) => `  - ${s}`).join('\n')}${totals.failures.length > 40 ? `\n  … and ${totals.failures.length - 40} more` : ''}`);
if (totals.flaky.length) console.log(`flaky (failed, then passed on a retry):\n${totals.flaky.map((s) => `  - ${s}`).join('\n')}`);
const flaky = totals.flaky.length ? `, ${totals.flaky.length} flaky (${totals.flaky.join('; ')})` : '';
console.log(`summary: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped${flaky}`);
process.exit(stageFailures.length || totals.failed ? 1 : 0);
