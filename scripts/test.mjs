// `npm test`: typecheck, build, unit + integration tests (vitest, real nix), E2E (Playwright + Chromium
// against `npm run serve`), the Electron smoke test where a binary exists, and Electronegativity.
// Ends with one line "summary: N passed, N failed, N skipped" counting every test of every stage.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const results = path.join(root, 'test-results');
mkdirSync(results, { recursive: true });
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
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

function countVitest(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

function countPlaywright(file) {
  if (!existsSync(file)) return;
  const { stats } = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  totals.failed += stats.unexpected ?? 0;
  totals.skipped += stats.skipped ?? 0;
}

for (const f of ['vitest.json', 'e2e.json', 'electron.json']) rmSync(path.join(results, f), { force: true });

const typed = stage('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
if (!typed) totals.failed += 1;
const built = stage('build', process.execPath, ['scripts/build.mjs']);
if (built) {
  stage('unit + integration (vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${path.join(results, 'vitest.json')}`]);
  countVitest(path.join(results, 'vitest.json'));
  stage('e2e (Playwright + Chromium)', bin('playwright'), ['test', '-c', 'tests/e2e/playwright.config.ts'], { CI: '1', PW_JSON: path.join(results, 'e2e.json') });
  countPlaywright(path.join(results, 'e2e.json'));
  if (existsSync(path.join(root, 'tests/electron/playwright.config.ts'))) {
    stage('electron smoke (Playwright _electron)', bin('playwright'), ['test', '-c', 'tests/electron/playwright.config.ts'], { CI: '1', PW_JSON: path.join(results, 'electron.json') });
    countPlaywright(path.join(results, 'electron.json'));
  }
} else totals.failed += 1;
if (existsSync(path.join(root, 'scripts/electronegativity.mjs'))) {
  if (stage('security (Electronegativity)', process.execPath, ['scripts/electronegativity.mjs'])) totals.passed += 1;
  else totals.failed += 1;
}

console.log(`\nstages failed: ${stageFailures.length ? stageFailures.join(', ') : 'none'}`);
console.log(`summary: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(stageFailures.length || totals.failed ? 1 : 0);
