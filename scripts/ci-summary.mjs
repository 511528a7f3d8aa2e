#!/usr/bin/env node
// Markdown for a CI job summary ($GITHUB_STEP_SUMMARY): the test totals and the smoke run's per-stage latency.
// Reads what `npm test` and `.ci/smoke` left behind; a missing file is reported as such, never an error.
import { readFileSync } from 'node:fs';

const testsFile = process.argv[2] ?? 'test-results/vitest.json';
const runDir = process.argv[3] ?? process.env.SMOKE_RUN_DIR ?? 'runs/smoke';

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { unreadable: error.code ?? error.message };
  }
}

const lines = ['## Loop CI', ''];
const tests = readJson(testsFile);
if (tests.unreadable) {
  lines.push(
    `Tests: no report at \`${testsFile}\` (${tests.unreadable}): the tests did not run or did not finish.`,
  );
} else {
  const skipped = (tests.numPendingTests ?? 0) + (tests.numTodoTests ?? 0);
  const mark = tests.numFailedTests > 0 ? '❌' : '✅';
  lines.push(
    `${mark} Tests: **${tests.numPassedTests} passed, ${tests.numFailedTests} failed, ${skipped} skipped** ` +
      `(${tests.numTotalTestSuites ?? '?'} suites)`,
  );
  const failed = (tests.testResults ?? [])
    .flatMap((file) => (file.assertionResults ?? []).filter((t) => t.status === 'failed'))
    .slice(0, 20);
  for (const test of failed) lines.push(`- failed: ${test.fullName}`);
}
lines.push('');
const summary = readJson(`${runDir}/metrics_summary.json`);
if (summary.unreadable) {
  lines.push(`Smoke run: no summary in \`${runDir}\` (${summary.unreadable}).`);
} else {
  const stages = Object.entries(summary.stages_by_name ?? {});
  lines.push(`Smoke run \`${runDir}\`: ${summary.stage_events_count} events`, '');
  lines.push('| stage | count | p50 ms | p95 ms | p99 ms | max ms |', '|---|---:|---:|---:|---:|---:|');
  for (const [stage, s] of stages) {
    lines.push(`| ${stage} | ${s.count} | ${s.p50_ms} | ${s.p95_ms} | ${s.p99_ms} | ${s.max_ms} |`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
