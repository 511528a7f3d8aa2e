// The versioned on-disk formats of a run dir's metrics: one NDJSON line per stage event, and the summary.
// The dashboard and any other reader validate with these schemas; bump the version on a breaking change.
import { z } from 'zod';
import { METRICS_SCHEMA_VERSION } from './schema-version.js';

export { METRICS_SCHEMA_VERSION };

/** The three outcomes a stage invocation can have. */
export const stageOutcomeSchema = z.enum(['ok', 'rejected', 'error']);
/** `ok` | `rejected` | `error`. */
export type StageOutcome = z.infer<typeof stageOutcomeSchema>;

/**
 * One line of `metrics.ndjson`: a stage event. Keys are written in this order; optional keys are omitted
 * when absent. `ts` is milliseconds since the epoch from the caller's clock (simulated or real).
 */
export const stageEventLineSchema = z.object({
  v: z.literal(METRICS_SCHEMA_VERSION),
  ts: z.number().finite(),
  step: z.number().int().nonnegative(),
  stage: z.string().min(1).max(256),
  outcome: stageOutcomeSchema,
  latency_ms: z.number().finite().nonnegative(),
  reason: z.string().max(256).optional(),
  detail: z.string().max(4096).optional(),
  /** Free numeric or text attributes (e.g. position and equity after the position stage). */
  attrs: z.record(z.string().max(64), z.union([z.number().finite(), z.string().max(256)])).optional(),
});
/** A parsed NDJSON line. */
export type StageEventLine = z.infer<typeof stageEventLineSchema>;

/** Latency statistics of one stage, in milliseconds (microsecond resolution). */
export const stageStatsSchema = z.object({
  count: z.number().int().nonnegative(),
  p50_ms: z.number().nonnegative(),
  p95_ms: z.number().nonnegative(),
  p99_ms: z.number().nonnegative(),
  max_ms: z.number().nonnegative(),
  mean_ms: z.number().nonnegative(),
});
/** Latency statistics of one stage. */
export type StageStats = z.infer<typeof stageStatsSchema>;

const outcomeCountsSchema = z.object({
  ok: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
});

/**
 * One of a stage's slowest events in the summary (an exemplar behind its max and p99): enough to find its line
 * in the NDJSON files (`step` and `ts` of the summary's process, which started at `process_start`).
 */
export const slowEventSchema = z.object({
  step: z.number().int().nonnegative(),
  ts: z.number().finite(),
  latency_ms: z.number().finite().nonnegative(),
  outcome: stageOutcomeSchema,
  reason: z.string().max(256).optional(),
});
/** One of a stage's slowest events. */
export type SlowEvent = z.infer<typeof slowEventSchema>;

/**
 * `metrics_summary.json`: totals since process start, replaced atomically. `pid` is null where the
 * writer was asked to keep the file deterministic (simulated runs).
 */
export const metricsSummarySchema = z.object({
  v: z.literal(METRICS_SCHEMA_VERSION),
  pid: z.number().int().nullable(),
  process_start: z.number().finite(),
  updated_at: z.number().finite(),
  stage_events_count: z.number().int().nonnegative(),
  counters: z.object({
    processed: z.number().int().nonnegative(),
    filled: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
  }),
  stages_by_name: z.record(z.string(), stageStatsSchema),
  outcomes_by_stage: z.record(z.string(), outcomeCountsSchema),
  /** stage -> outcome -> reason -> count (events without a reason are not listed). */
  reasons_by_stage: z.record(
    z.string(),
    z.partialRecord(stageOutcomeSchema, z.record(z.string(), z.number().int())),
  ),
  /**
   * stage -> its slowest events since process start, slowest first (at most `slowestPerStage`, 10 by default;
   * added in 0.2; absent in older files).
   */
  slowest_by_stage: z.record(z.string(), z.array(slowEventSchema)).optional(),
  /** Latest values set by the caller (position, equity, ...). */
  gauges: z.record(z.string(), z.number()),
  /** Custom counters by name (`metrics.counter(name)`; added in 0.2; absent when there are none). */
  custom_counters: z.record(z.string(), z.number().nonnegative()).optional(),
  /**
   * Invalid input by kind (unknown outcome, missing stage, NaN latency, bad name, ...), recorded as well as
   * possible and warned about once per kind (added in 0.2; absent when there was none).
   */
  invalid_input: z.record(z.string(), z.number().int().nonnegative()).optional(),
  histogram: z.object({
    lowest_us: z.number().int().positive(),
    highest_us: z.number().int().positive(),
    clamped: z.number().int().nonnegative(),
  }),
  writer: z.object({
    lines_written: z.number().int().nonnegative(),
    bytes_written: z.number().int().nonnegative(),
    rotations: z.number().int().nonnegative(),
    write_errors: z.number().int().nonnegative(),
    last_write_error: z.string().nullable(),
    /** Lines given up while the disk kept failing (added in 0.1; absent in older files). */
    lines_dropped: z.number().int().nonnegative().optional(),
    /** Rotated files deleted by `keep` or the total-size bound (added in 0.2; absent in older files). */
    rotated_files_deleted: z.number().int().nonnegative().optional(),
  }),
});
/** A parsed `metrics_summary.json`. */
export type MetricsSummary = z.infer<typeof metricsSummarySchema>;
