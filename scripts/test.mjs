// Runs every vitest project once and closes with a plain "N passed, N failed" line for CI.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';

mkdirSync('test-results', { recursive: true });
const report = 'test-results/vitest.json';
const run = spawnSync(
  'vitest',
  [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    '--reporter=junit',
    '--outputFile.junit=test-results/junit.xml',
    ...process.argv.slice(2),
  ],
  {
    stdio: 'inherit',
    // Works from `npm test`, `pnpm test` or a bare `node scripts/test.mjs`.
    env: { ...process.env, PATH: `${resolve('node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}` },
  },
);
let summary;
try {
  summary = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  console.error(`test: vitest wrote no report (${report}); exit ${run.status ?? run.signal}`);
  process.exit(run.status || 1);
}
const skipped = summary.numPendingTests + summary.numTodoTests;
console.log(`Tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${skipped} skipped`);
if (summary.numTotalTests === 0) {
  console.error('test: no test ran');
  process.exit(1);
}
process.exit(run.status ?? 1);
