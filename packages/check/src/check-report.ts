// `loop check`'s output: the verdict table for people, and the JSON document for machines.
import type { RunFigures } from './run-metrics.js';
import { formatTextTable } from './text-table.js';
import { type CheckResult, formatValue } from './thresholds.js';

/** Exit status when every threshold passed. */
export const EXIT_PASSED = 0;
/** Exit status when a threshold failed (as k6 does). */
export const EXIT_THRESHOLD_FAILED = 99;
/** Exit status for bad input: a syntax error, an unknown metric or stage, a missing run dir or file. */
export const EXIT_BAD_INPUT = 2;

/** The table of verdicts (threshold, value, pass/fail) and a closing line. Pure. */
export function formatCheckTable(result: CheckResult): string {
  const rows = result.results.map((r) => [r.threshold, formatValue(r.value), r.passed ? 'pass' : 'FAIL']);
  const table = formatTextTable(['threshold', 'value', 'result'], rows, [false, true, false]);
  const total = result.results.length;
  const last = result.passed
    ? `${total} threshold${total === 1 ? '' : 's'} passed`
    : `${result.failures} of ${total} threshold${total === 1 ? '' : 's'} failed`;
  return `${table}\n${last}\n`;
}

/** The `--json` document of `loop check`. */
export interface CheckJson {
  run_dir: string;
  passed: boolean;
  failures: number;
  thresholds: CheckResult['results'];
  metrics: RunFigures;
  notes: string[];
}

/** Builds the `--json` document. Pure. */
export function checkJson(
  runDir: string,
  result: CheckResult,
  figures: RunFigures,
  notes: string[],
): CheckJson {
  return {
    run_dir: runDir,
    passed: result.passed,
    failures: result.failures,
    thresholds: result.results,
    metrics: figures,
    notes,
  };
}
