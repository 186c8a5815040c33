/**
 * A vitest reporter that writes the honest counts `npm test` prints (VITEST_SUMMARY names the file):
 * a test that passed only on a retry is flaky; a test that skipped itself with a reason is skipped;
 * a test that did not run because its file or suite setup failed, or that skipped without a reason,
 * is failed; a file that failed to load counts as one failed test.
 */
import { writeFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
  flaky: string[];
  failures: string[];
  skips: string[];
}

const nameOf = (t: TestCase) => `${t.module.moduleId.replace(`${process.cwd()}/`, '')} > ${t.fullName}`;

function setupFailed(t: TestCase): boolean {
  for (let parent: TestCase['parent'] | undefined = t.parent; parent; parent = 'parent' in parent ? (parent.parent as typeof parent) : undefined) {
    const errors = (parent as { errors?: () => readonly unknown[] }).errors?.() ?? [];
    if (errors.length > 0) return true;
    if (parent.type === 'module') break;
  }
  return false;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    const counts: RunCounts = { passed: 0, failed: 0, skipped: 0, flaky: [], failures: [], skips: [] };
    for (const module of modules) {
      const file = module.moduleId.replace(`${process.cwd()}/`, '');
      const tests = [...module.children.allTests()];
      const moduleErrors = module.errors();
      if (moduleErrors.length > 0 && tests.every((t) => t.result().state !== 'failed')) {
        counts.failed += 1;
        counts.failures.push(`${file}: ${String((moduleErrors[0] as { message?: string }).message ?? moduleErrors[0]).split('\n')[0]}`);
      }
      for (const t of tests) {
        const result = t.result();
        if (result.state === 'passed') {
          counts.passed += 1;
          if (t.diagnostic()?.flaky) counts.flaky.push(nameOf(t));
        } else if (result.state === 'skipped' && result.note && !setupFailed(t)) {
          counts.skipped += 1;
          counts.skips.push(`${nameOf(t)}: ${result.note}`);
        } else {
          counts.failed += 1;
          const why = result.state === 'failed' ? '' : setupFailed(t) ? ' (did not run: its setup failed)' : result.state === 'skipped' ? ' (skipped without saying why)' : ` (${result.state})`;
          counts.failures.push(`${nameOf(t)}${why}`);
        }
      }
    }
    for (const e of unhandledErrors) {
      counts.failed += 1;
      counts.failures.push(`unhandled error: ${String((e as { message?: string }).message ?? e).split('\n')[0]}`);
    }
    if (process.env.VITEST_SUMMARY) writeFileSync(process.env.VITEST_SUMMARY, JSON.stringify(counts, null, 2));
  }
}
