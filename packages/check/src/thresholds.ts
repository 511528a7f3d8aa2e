// Thresholds compiled from expressions and judged against a run's metrics: pass, fail, or no value.
import { LoopCheckError } from './errors.js';
import { assertStageKnown, metricValue, type ResolvedMetric, resolveMetric } from './metric-catalog.js';
import type { RunMetrics } from './run-metrics.js';
import {
  type ComparisonOperator,
  compareNumbers,
  parseThreshold,
  type ThresholdExpression,
} from './threshold-expression.js';

/** A threshold ready to be judged: parsed, its metric checked against the catalog. */
export interface Threshold {
  expression: ThresholdExpression;
  metric: ResolvedMetric;
  /** Where it was given, e.g. `--threshold` or `thresholds.yaml:4`; used in messages and the JUnit file. */
  origin?: string;
}

/** The verdict on one threshold. */
export interface ThresholdResult {
  /** The expression, e.g. `exec.p99_ms < 5`. */
  threshold: string;
  /** The metric as written. */
  metric: string;
  operator: ComparisonOperator;
  limit: number;
  /** The run's value; null when the run has no value for it (which fails the threshold). */
  value: number | null;
  passed: boolean;
  /** One line for people, e.g. `exec.p99_ms = 6.2, not < 5`. */
  message: string;
  origin?: string;
}

/** All verdicts, in the order the thresholds were given. */
export interface CheckResult {
  passed: boolean;
  /** Thresholds that failed. */
  failures: number;
  results: ThresholdResult[];
}

/**
 * Parses an expression and checks its metric's name and labels against the catalog (not yet the stage,
 * which needs the run: see {@link evaluateThresholds}).
 *
 * @throws LoopCheckError `LOOP_CHECK_SYNTAX` or `LOOP_CHECK_UNKNOWN_METRIC`, naming the expression and the column.
 */
export function compileThreshold(text: string, origin?: string): Threshold {
  const expression = parseThreshold(text);
  const metric = resolveMetric(expression.metric, expression.source);
  return origin === undefined ? { expression, metric } : { expression, metric, origin };
}

/** Formats a value for messages and tables: integers as is, others with up to 6 significant digits. */
export function formatValue(value: number | null): string {
  if (value === null) return 'n/a';
  if (Number.isInteger(value)) return String(value);
  // Money and large counts keep 4 decimals (99998.5518); small values 6 significant digits (0.0262500).
  return String(Math.abs(value) >= 1 ? Math.round(value * 1e4) / 1e4 : Number(value.toPrecision(6)));
}

/** Options of {@link evaluateThresholds}. */
export interface EvaluateOptions {
  /** Stages that exist even when the run has no event of them (the CLI passes the engine's four). */
  knownStages?: readonly string[];
}

/**
 * Judges every threshold against the run's metrics. A metric without a value (no events of a stage, no
 * summary for pnl) fails its threshold, with a message saying so.
 *
 * @throws LoopCheckError `LOOP_CHECK_UNKNOWN_STAGE` when a threshold names a stage the run does not have
 *   (checked for all thresholds before any is judged).
 */
export function evaluateThresholds(
  metrics: RunMetrics,
  thresholds: readonly Threshold[],
  options: EvaluateOptions = {},
): CheckResult {
  for (const t of thresholds) assertStageKnown(t.metric, t.expression.source, metrics, options.knownStages);
  const results = thresholds.map((t) => judge(t, metricValue(metrics, t.metric)));
  const failures = results.filter((r) => !r.passed).length;
  return { passed: failures === 0, failures, results };
}

/** The verdict on one threshold given its value. Pure. */
export function judge(threshold: Threshold, value: number | null): ThresholdResult {
  const { metric, operator, value: limit, source } = threshold.expression;
  const passed = value !== null && compareNumbers(value, operator, limit);
  const shown = formatValue(value);
  const message =
    value === null
      ? `${metric.text} has no value in this run (no events for it, or the file it comes from is missing)`
      : passed
        ? `${metric.text} = ${shown}, ${operator} ${formatValue(limit)}`
        : `${metric.text} = ${shown}, not ${operator} ${formatValue(limit)}`;
  const result: ThresholdResult = {
    threshold: source,
    metric: metric.text,
    operator,
    limit,
    value,
    passed,
    message,
  };
  if (threshold.origin !== undefined) result.origin = threshold.origin;
  return result;
}

/** Prefixes a compile error with where the threshold came from (`--threshold`, `file.yaml:3`). */
export function withOrigin(error: unknown, origin: string): unknown {
  if (!(error instanceof LoopCheckError)) return error;
  return new LoopCheckError(error.code, `${origin}: ${error.message}`, {
    cause: error,
    context: { ...error.context, origin },
  });
}
