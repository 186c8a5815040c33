// Playwright's JSON report counted by the rules of tests/support/vitest-summary.ts: passed only on a retry
// = flaky (and passed); skipped with a reason = skipped; did not run (a serial group after a failure, a
// failed setup) or skipped without a reason = failed.
export function countPlaywrightReport(report, stageName = 'playwright') {
  const counts = { passed: 0, failed: 0, skipped: 0, flaky: [], failures: [], skips: [] };
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        const name = `${spec.file} > ${[...titles, spec.title].filter(Boolean).join(' > ')}`;
        const skip = (test.annotations ?? []).find((a) => a.type === 'skip' && a.description);
        if (test.status === 'expected') counts.passed += 1;
        else if (test.status === 'flaky') {
          counts.passed += 1;
          counts.flaky.push(name);
        } else if (test.status === 'skipped' && skip) {
          counts.skipped += 1;
          counts.skips.push(`${name}: ${skip.description}`);
        } else {
          counts.failed += 1;
          counts.failures.push(`${name}${test.status === 'skipped' ? ' (did not run)' : ''}`);
        }
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of report.suites ?? []) walk(suite, []);
  for (const e of report.errors ?? []) {
    counts.failed += 1;
    counts.failures.push(`${stageName}: ${String(e.message ?? '').split('\n')[0]}`);
  }
  return counts;
}
