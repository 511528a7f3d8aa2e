// The metrics a threshold can name, checked against the grammar's references and read from a run's figures.
import { LoopCheckError } from './errors.js';
import type { RunMetrics } from './run-metrics.js';
import type { MetricReference } from './threshold-expression.js';

/** Run-level metrics: `fills >= 1`, `pnl > -50`, `rejections{reason=PRICE_BAND} < 10`. */
export const RUN_METRICS = [
  'events',
  'steps',
  'lifetimes',
  'skipped_lines',
  'skipped_files',
  'orders',
  'fills',
  'rejections',
  'errors',
  'rejected_rate',
  'error_rate',
  'pnl',
  'fees',
  'max_drawdown',
  'position',
  'equity',
  'restarts',
  'write_errors',
  'lines_dropped',
] as const;

/** Per-stage metrics: `exec.p99_ms < 5`, `risk.rejected_rate < 0.01`; any `pN_ms` (N in 0..100) works too. */
export const STAGE_METRICS = [
  'count',
  'ok',
  'rejected',
  'error',
  'errors',
  'rejections',
  'ok_rate',
  'rejected_rate',
  'error_rate',
  'p50_ms',
  'p90_ms',
  'p95_ms',
  'p99_ms',
  'max_ms',
  'mean_ms',
] as const;

/** Metrics that take labels, and the label names each accepts. */
const RUN_LABELS: Record<string, readonly string[]> = {
  rejections: ['reason', 'stage'],
  errors: ['reason', 'stage'],
};
const STAGE_LABELS: Record<string, readonly string[]> = { rejections: ['reason'], errors: ['reason'] };

const PERCENTILE = /^p(\d{1,3})_ms$/;

/** A reference checked against the catalog: a run-level metric or a stage's. */
export type ResolvedMetric =
  | { kind: 'run'; name: string; labels: Record<string, string> }
  | { kind: 'stage'; stage: string; stageColumn: number; name: string; labels: Record<string, string> };

function unknownMetric(expression: string, column: number, message: string): LoopCheckError {
  return new LoopCheckError('LOOP_CHECK_UNKNOWN_METRIC', `"${expression}": column ${column}: ${message}`, {
    context: { expression, column },
  });
}

function isStageMetric(name: string): boolean {
  if ((STAGE_METRICS as readonly string[]).includes(name)) return true;
  const match = PERCENTILE.exec(name);
  return match !== null && Number(match[1]) <= 100;
}

/**
 * Checks a reference's names and labels against the catalog (the run is not needed).
 * `path` must already be stripped of any comparison suffix (`.diff`, `.ratio`).
 *
 * @throws LoopCheckError `LOOP_CHECK_UNKNOWN_METRIC` naming the column.
 */
export function resolveMetric(
  ref: MetricReference,
  expression: string,
  path: readonly string[] = ref.path,
): ResolvedMetric {
  const labelNames = Object.keys(ref.labels);
  const checkLabels = (allowed: Record<string, readonly string[]>, name: string): void => {
    if (labelNames.length === 0) return;
    const accepted = allowed[name];
    if (accepted === undefined)
      throw unknownMetric(expression, ref.column, `${name} takes no labels (rejections and errors do)`);
    for (const label of labelNames) {
      if (!accepted.includes(label))
        throw unknownMetric(
          expression,
          ref.column,
          `${name} has no label "${label}" (labels: ${accepted.join(', ')})`,
        );
    }
  };
  if (ref.labelsAfter > 0 && ref.labelsAfter !== path.length)
    throw unknownMetric(
      expression,
      ref.column,
      'labels go right after the metric name, e.g. rejections{reason=X}',
    );
  if (path.length === 1) {
    const name = path[0]!;
    if ((RUN_METRICS as readonly string[]).includes(name)) {
      checkLabels(RUN_LABELS, name);
      return { kind: 'run', name, labels: ref.labels };
    }
    const hint = isStageMetric(name) ? ` (${name} is per stage: e.g. exec.${name})` : '';
    throw unknownMetric(
      expression,
      ref.column,
      `unknown metric "${name}"${hint}; run metrics: ${RUN_METRICS.join(', ')}`,
    );
  }
  if (path.length === 2) {
    const [stage, name] = path as [string, string];
    if (!isStageMetric(name))
      throw unknownMetric(
        expression,
        ref.columns[1] ?? ref.column,
        `unknown stage metric "${name}"; stage metrics: ${STAGE_METRICS.join(', ')}, pN_ms`,
      );
    checkLabels(STAGE_LABELS, name);
    return { kind: 'stage', stage, stageColumn: ref.columns[0] ?? ref.column, name, labels: ref.labels };
  }
  throw unknownMetric(
    expression,
    ref.columns[2] ?? ref.column,
    `"${ref.text}" has too many parts: a metric is NAME or STAGE.NAME`,
  );
}

/**
 * Checks that a stage metric's stage exists in the run (or among `knownStages`, e.g. the engine's four,
 * so that `risk.count >= 1000` on a run without risk events fails instead of being bad input).
 *
 * @throws LoopCheckError `LOOP_CHECK_UNKNOWN_STAGE`.
 */
export function assertStageKnown(
  metric: ResolvedMetric,
  expression: string,
  metrics: RunMetrics,
  knownStages: readonly string[] = [],
): void {
  if (metric.kind !== 'stage') return;
  if (metrics.stage(metric.stage) !== undefined || knownStages.includes(metric.stage)) return;
  const stages = [...new Set([...metrics.figures.stages.map((s) => s.stage), ...knownStages])];
  throw new LoopCheckError(
    'LOOP_CHECK_UNKNOWN_STAGE',
    `"${expression}": column ${metric.stageColumn}: unknown stage "${metric.stage}" (stages: ${stages.join(', ') || 'none'})`,
    { context: { expression, column: metric.stageColumn, stage: metric.stage } },
  );
}

/** The metric's value in the run, or null when the run cannot give one (no events, no summary). Pure. */
export function metricValue(metrics: RunMetrics, metric: ResolvedMetric): number | null {
  const f = metrics.figures;
  if (metric.kind === 'run') {
    if (metric.name === 'rejections' || metric.name === 'errors') {
      if (Object.keys(metric.labels).length === 0) return f[metric.name];
      const outcome = metric.name === 'rejections' ? 'rejected' : 'error';
      return sumReasons(metrics, outcome, metric.labels.stage, metric.labels.reason);
    }
    const value = f[metric.name as keyof typeof f];
    return typeof value === 'number' ? value : null;
  }
  const stage = metrics.stage(metric.stage);
  const count = stage?.count ?? 0;
  const rate = (n: number | undefined) => (count === 0 ? null : (n ?? 0) / count);
  switch (metric.name) {
    case 'count':
      return count;
    case 'ok':
      return stage?.ok ?? 0;
    case 'rejected':
      return stage?.rejected ?? 0;
    case 'error':
    case 'errors':
    case 'rejections': {
      const outcome = metric.name === 'rejections' ? 'rejected' : 'error';
      if (metric.labels.reason !== undefined)
        return sumReasons(metrics, outcome, metric.stage, metric.labels.reason);
      return outcome === 'rejected' ? (stage?.rejected ?? 0) : (stage?.error ?? 0);
    }
    case 'ok_rate':
      return rate(stage?.ok);
    case 'rejected_rate':
      return rate(stage?.rejected);
    case 'error_rate':
      return rate(stage?.error);
    case 'max_ms':
      return stage?.max_ms ?? null;
    case 'mean_ms':
      return stage?.mean_ms ?? null;
    default: {
      const percentile = Number(PERCENTILE.exec(metric.name)![1]);
      return metrics.percentileMs(metric.stage, percentile);
    }
  }
}

function sumReasons(
  metrics: RunMetrics,
  outcome: 'rejected' | 'error',
  stage: string | undefined,
  reason: string | undefined,
): number {
  let total = 0;
  for (const row of metrics.figures.reasons) {
    if (row.outcome !== outcome) continue;
    if (stage !== undefined && row.stage !== stage) continue;
    if (reason !== undefined && row.reason !== reason) continue;
    total += row.count;
  }
  return total;
}
