// The plain rows a RunHistory reports (stages, reasons, series, tail, skipped lines): JSON-serialisable data.
import type { StageOutcome } from '@loop/metrics';

/** Latency statistics and outcome counts of one stage. */
export interface StageRow {
  stage: string;
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
  ok: number;
  rejected: number;
  error: number;
}

/** One event kept as an example of a reason: when, which step, its detail, and where it was read from. */
export interface ReasonExample {
  ts: number;
  step: number;
  /** The event's `detail`, cut to `maxDetailChars`; absent when the event had none. */
  detail?: string;
  file: string;
  line: number;
}

/**
 * How many events of a stage ended with an outcome for a reason. Rows built from the NDJSON files also say
 * when the reason was first and last seen and keep the first and the last event as examples; rows from the
 * summary have counts only.
 */
export interface ReasonRow {
  stage: string;
  outcome: StageOutcome;
  reason: string;
  count: number;
  firstTs?: number;
  lastTs?: number;
  firstExample?: ReasonExample;
  /** The latest event for this reason (absent when it is the first one). */
  lastExample?: ReasonExample;
}

/** One recent event, with where it was read from. */
export interface TailEvent {
  ts: number;
  step: number;
  stage: string;
  outcome: StageOutcome;
  latency_ms: number;
  reason?: string;
  detail?: string;
  attrs?: Record<string, number | string>;
  file: string;
  line: number;
}

/**
 * One of a stage's slowest events (an exemplar behind its max and p99), with its process lifetime (1 = the first
 * in the files), where it was read, and every line of its step (all stages, file order; at most 16 kept).
 */
export interface SlowStepEvent extends TailEvent {
  lifetime: number;
  stepLines: TailEvent[];
  /** Lines of the step beyond the 16 kept. */
  stepLinesOmitted: number;
}

/**
 * p50, p95 and p99 of one stage per time bucket and process lifetime:
 * `[bucketStartMs, p50Ms, p95Ms, count, p99Ms, lifetime]`. A bucket in which a restart happened has one point
 * per lifetime, so a chart can end one lifetime's line and start the next one's without joining them.
 */
export interface StageLatencySeries {
  stage: string;
  points: Array<[number, number, number, number, number, number]>;
}

/**
 * Last value of a numeric event attribute (equity, position, pnl) per time bucket and process lifetime:
 * `[bucketStartMs, value, lifetime]`.
 */
export interface AttrSeries {
  key: string;
  points: Array<[number, number, number]>;
}

/** Steps and outcomes in one time bucket of one process lifetime. */
export interface RateBucket {
  /** Bucket start, ms since the epoch. */
  t: number;
  lifetime: number;
  /** Steps that began in this bucket. */
  steps: number;
  rejected: number;
  errors: number;
  /** Rejections and errors per reason, indexed like {@link RateSeries.reasons}. */
  byReason: number[];
}

/** Steps, rejections and errors per time bucket, the rejections and errors split by stage and reason. */
export interface RateSeries {
  bucketMs: number;
  /** The reasons counted apart, first seen first; later ones count under `(other reasons)` (the last one). */
  reasons: Array<{ stage: string; outcome: StageOutcome; reason: string }>;
  buckets: RateBucket[];
}

/** Drawdown (equity below its peak in the same lifetime, <= 0) per bucket: `[bucketStartMs, worst, lifetime]`. */
export type DrawdownPoint = [number, number, number];

/**
 * A change of position seen on the position events (a fill, or the end-of-run settlement). The NDJSON lines
 * carry no fill price: `price` is the step's mark.
 */
export interface PositionChange {
  ts: number;
  step: number;
  lifetime: number;
  /** Signed change (> 0 bought). */
  change: number;
  /** Position after it. */
  position: number;
  price: number | null;
  equity: number | null;
  file: string;
  line: number;
}

/** Where a process lifetime after the first began: its first event's time. */
export interface RestartMark {
  ts: number;
  /** The lifetime that began (2 for the first restart). */
  lifetime: number;
}

/** A line that was skipped while reading the NDJSON files. */
export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}
