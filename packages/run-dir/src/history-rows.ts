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

/** How many events of a stage ended with an outcome for a reason. */
export interface ReasonRow {
  stage: string;
  outcome: StageOutcome;
  reason: string;
  count: number;
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

/** p50 and p95 of one stage per time bucket: `[bucketStartMs, p50Ms, p95Ms, count]`. */
export interface StageLatencySeries {
  stage: string;
  points: Array<[number, number, number, number]>;
}

/** Last value of a numeric event attribute (equity, position, pnl) per time bucket: `[bucketStartMs, value]`. */
export interface AttrSeries {
  key: string;
  points: Array<[number, number]>;
}

/** A line that was skipped while reading the NDJSON files. */
export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}
