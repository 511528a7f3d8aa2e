// Two runs' figures side by side (B against A, the baseline), and `--fail-on` thresholds over the differences.
import { LoopCheckError } from './errors.js';
import { metricValue, type ResolvedMetric, resolveMetric } from './metric-catalog.js';
import type { RunMetrics } from './run-metrics.js';
import { parseThreshold } from './threshold-expression.js';
import { formatValue, judge, type Threshold, type ThresholdResult } from './thresholds.js';

/** One row of the side-by-side table. `diff` is B - A; `ratio` is B / A (null when A is 0 or a side has no value). */
export interface ComparisonRow {
  /** The metric in threshold grammar, e.g. `exec.p99_ms`, `rejections{reason=PRICE_BAND}`. */
  metric: string;
  /** Table section: `stage exec`, `rejections`, `errors`, `run`. */
  group: string;
  a: number | null;
  b: number | null;
  diff: number | null;
  ratio: number | null;
}

/** The four values a `--fail-on` expression can read of a metric: `exec.p99_ms.ratio > 1.2`. */
export const COMPARISON_SUFFIXES = ['a', 'b', 'diff', 'ratio'] as const;
/** One of {@link COMPARISON_SUFFIXES}. */
export type ComparisonSuffix = (typeof COMPARISON_SUFFIXES)[number];

/** A compiled `--fail-on` threshold. */
export interface ComparisonThreshold extends Threshold {
  suffix: ComparisonSuffix;
}

const STAGE_ROWS = ['count', 'ok', 'rejected', 'error', 'p50_ms', 'p95_ms', 'p99_ms'];
const RUN_ROWS = [
  'events',
  'steps',
  'orders',
  'fills',
  'rejections',
  'errors',
  'pnl',
  'fees',
  'max_drawdown',
  'position',
  'equity',
  'restarts',
  'lifetimes',
  'skipped_lines',
  'skipped_files',
  'write_errors',
];

function pair(metric: string, group: string, a: number | null, b: number | null): ComparisonRow {
  const diff = a === null || b === null ? null : round9(b - a);
  const ratio = a === null || b === null || a === 0 ? null : round9(b / a);
  return { metric, group, a, b, diff, ratio };
}

function round9(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

function sideValue(metrics: RunMetrics, metric: ResolvedMetric): number | null {
  if (metric.kind === 'stage' && metrics.stage(metric.stage) === undefined) {
    return metric.name.endsWith('_ms') || metric.name.endsWith('_rate') ? null : 0;
  }
  return metricValue(metrics, metric);
}

/** The side-by-side rows: per stage (union of both runs' stages), rejections and errors by reason, run totals. Pure. */
export function compareRuns(a: RunMetrics, b: RunMetrics): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const stages = [...new Set([...a.figures.stages, ...b.figures.stages].map((s) => s.stage))];
  for (const stage of stages) {
    for (const name of STAGE_ROWS) {
      const metric: ResolvedMetric = { kind: 'stage', stage, stageColumn: 1, name, labels: {} };
      rows.push(pair(`${stage}.${name}`, `stage ${stage}`, sideValue(a, metric), sideValue(b, metric)));
    }
  }
  for (const [name, outcome] of [
    ['rejections', 'rejected'],
    ['errors', 'error'],
  ] as const) {
    const reasons = [
      ...new Set(
        [...a.figures.reasons, ...b.figures.reasons]
          .filter((r) => r.outcome === outcome)
          .map((r) => r.reason),
      ),
    ].sort();
    for (const reason of reasons) {
      const metric: ResolvedMetric = { kind: 'run', name, labels: { reason } };
      rows.push(
        pair(`${name}{reason=${labelText(reason)}}`, name, sideValue(a, metric), sideValue(b, metric)),
      );
    }
  }
  for (const name of RUN_ROWS) {
    const metric: ResolvedMetric = { kind: 'run', name, labels: {} };
    rows.push(pair(name, 'run', sideValue(a, metric), sideValue(b, metric)));
  }
  return rows;
}

function labelText(value: string): string {
  return /^[^\s,}{"=]+$/.test(value) ? value : `"${value}"`;
}

/**
 * Parses a `--fail-on` expression: a metric, then `.a`, `.b`, `.diff` (B - A) or `.ratio` (B / A), e.g.
 * `exec.p99_ms.ratio > 1.2`, `pnl.diff < -10`, `rejections{reason=PRICE_BAND}.diff > 0`.
 *
 * @throws LoopCheckError `LOOP_CHECK_SYNTAX` or `LOOP_CHECK_UNKNOWN_METRIC`, naming the column.
 */
export function compileComparisonThreshold(text: string, origin?: string): ComparisonThreshold {
  const expression = parseThreshold(text);
  const ref = expression.metric;
  const last = ref.path[ref.path.length - 1]!;
  if (!(COMPARISON_SUFFIXES as readonly string[]).includes(last) || ref.path.length < 2) {
    const column = ref.column + ref.text.length;
    throw new LoopCheckError(
      'LOOP_CHECK_UNKNOWN_METRIC',
      `"${expression.source}": column ${column}: end the metric with .diff (B - A), .ratio (B / A), .a or .b, e.g. ${ref.text}.ratio`,
      { context: { expression: expression.source, column } },
    );
  }
  const metric = resolveMetric(ref, expression.source, ref.path.slice(0, -1));
  const threshold: ComparisonThreshold = { expression, metric, suffix: last as ComparisonSuffix };
  if (origin !== undefined) threshold.origin = origin;
  return threshold;
}

/**
 * Judges `--fail-on` expressions against two runs (B against A). An expression that holds is a failure
 * (`passed: false`): `--fail-on "exec.p99_ms.ratio > 1.2"` fails when B's p99 is over 1.2x A's. A value the
 * runs cannot give (a ratio over 0, a missing summary) does not fail. Pure.
 */
export function evaluateComparison(
  a: RunMetrics,
  b: RunMetrics,
  thresholds: readonly ComparisonThreshold[],
): ThresholdResult[] {
  return thresholds.map((t) => {
    const row = pair('', '', sideValue(a, t.metric), sideValue(b, t.metric));
    const verdict = judge(t, row[t.suffix]);
    const { metric, operator, value: limit } = t.expression;
    const shown = `${metric.text} = ${formatValue(verdict.value)}`;
    if (verdict.value === null)
      return { ...verdict, passed: true, message: `${metric.text} has no value (not judged)` };
    return verdict.passed
      ? { ...verdict, passed: false, message: `${shown}, ${operator} ${formatValue(limit)}` }
      : { ...verdict, passed: true, message: `${shown}, not ${operator} ${formatValue(limit)}` };
  });
}
