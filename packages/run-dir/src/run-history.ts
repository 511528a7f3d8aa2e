// The pure, bounded-memory aggregate of a stream of stage events: per-stage histograms, outcomes, reasons,
// fixed-count time buckets (re-bucketed as the history grows), a ring buffer for the tail, skipped lines.
import { LatencyHistogram, type StageEventLine } from '@loop/metrics';
import { checkWholeOption, LoopRunDirError } from './errors.js';
import { execFillsOf, hasStepCountAttrs } from './event-conventions.js';
import type {
  AttrSeries,
  ReasonRow,
  SkippedLine,
  StageLatencySeries,
  StageRow,
  TailEvent,
} from './history-rows.js';
import {
  DEFAULT_STAGE_AGGREGATE_LIMITS,
  OTHER_STAGES,
  type StageAggregateLimits,
  StageAggregator,
} from './stage-aggregate.js';
import { BUCKET_WIDTHS_MS, nextBucketWidth } from './time-buckets.js';

/** Limits that keep a {@link RunHistory}'s memory fixed whatever the number of events. */
export interface RunHistoryLimits extends StageAggregateLimits {
  /** Recent events kept for the "Recent events" table (default 50). */
  tailLines: number;
  /** Most time buckets in a chart (default 96); the bucket width grows to keep within it. */
  maxBuckets: number;
  /** Stages drawn in the latency-over-time chart, first seen first (default 8). */
  maxChartStages: number;
  /** Skipped lines listed with file and line (default 20); all are counted. */
  maxSkippedSamples: number;
  /** Numeric event attributes charted over time (default 4, first seen first). */
  maxAttrKeys: number;
}

/** Default {@link RunHistoryLimits}. */
export const DEFAULT_RUN_HISTORY_LIMITS: Readonly<RunHistoryLimits> = Object.freeze({
  ...DEFAULT_STAGE_AGGREGATE_LIMITS,
  tailLines: 50,
  maxBuckets: 96,
  maxChartStages: 8,
  maxSkippedSamples: 20,
  maxAttrKeys: 4,
});

/**
 * Precision of the per-time-bucket chart histograms: 1 part in 32 (~3%, plenty for a chart's pixels) in about
 * 7 KB each, where the whole-history precision (1/2,048) would take ~360 KB for each of up to 96 buckets x 8
 * charted stages.
 */
export const CHART_PRECISION_BITS = 5;

const STAGE_PERCENTILES: readonly number[] = [50, 95, 99];
const CHART_PERCENTILES: readonly number[] = [50, 95];

interface TimeBucket {
  index: number;
  /** Per chart slot: the stage's latencies in this bucket (undefined when it had none). */
  latency: Array<LatencyHistogram | undefined>;
  /** Per attribute slot: the last value seen in this bucket. */
  attrs: Array<number | undefined>;
}

/** Throws unless every given limit is known and a whole number in range (maxBuckets >= 1, the rest >= 0). */
function checkLimits(limits: Partial<RunHistoryLimits>): Partial<RunHistoryLimits> {
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    throw new LoopRunDirError('LOOP_RUN_DIR_OPTION_INVALID', 'RunHistory limits must be an object');
  }
  const given: Partial<RunHistoryLimits> = {};
  for (const [key, value] of Object.entries(limits)) {
    if (value === undefined) continue; // as if not given: the default holds
    if (!Object.hasOwn(DEFAULT_RUN_HISTORY_LIMITS, key)) {
      throw new LoopRunDirError(
        'LOOP_RUN_DIR_OPTION_INVALID',
        `limits.${key} is not a RunHistory limit (known: ${Object.keys(DEFAULT_RUN_HISTORY_LIMITS).join(', ')})`,
        { option: `limits.${key}` },
      );
    }
    checkWholeOption(`limits.${key}`, value, key === 'maxBuckets' ? 1 : 0);
    given[key as keyof RunHistoryLimits] = value as number;
  }
  return given;
}

/** Figures computed from the events alone, used when the summary is missing or corrupt. */
export interface RecomputedCounters {
  processed: number;
  filled: number;
  rejected: number;
  errors: number;
}

/**
 * Accumulates stage events in arrival order. Memory is bounded by {@link RunHistoryLimits}: per-stage
 * histograms have fixed size, time buckets are merged pairwise-by-ladder when there would be too many,
 * and only the last `tailLines` events are kept.
 */
export class RunHistory {
  readonly limits: RunHistoryLimits;
  /** Valid events added. */
  events = 0;
  /** Lines skipped (torn, not JSON, schema mismatch). */
  skipped = 0;
  firstTs: number | null = null;
  lastTs: number | null = null;
  private readonly stages: StageAggregator;
  private overallMaxMs = 0;
  private readonly attrKeys: string[] = [];
  private readonly lastAttrs = new Map<string, number>();
  private bucketWidth = BUCKET_WIDTHS_MS[0]!;
  private readonly buckets = new Map<number, TimeBucket>();
  private minBucket = Number.POSITIVE_INFINITY;
  private maxBucket = Number.NEGATIVE_INFINITY;
  private lastBucket: TimeBucket | undefined;
  // The tail as three parallel rings: keeping the parsed event and its position allocates nothing per event.
  private readonly ringEvents: Array<StageEventLine | undefined>;
  private readonly ringFiles: string[];
  private readonly ringLines: Int32Array;
  private ringNext = 0;
  private readonly skippedSamples: SkippedLine[] = [];
  private steps = 0;
  private lastStep = -1;
  /** Sum of the exec events' `attrs.fills` (orders filled that step, as `loop run` writes them). */
  private execFills = 0;

  /** @throws LoopRunDirError `LOOP_RUN_DIR_OPTION_INVALID` for an unknown limit or one not a whole number in range. */
  constructor(limits: Partial<RunHistoryLimits> = {}) {
    this.limits = { ...DEFAULT_RUN_HISTORY_LIMITS, ...checkLimits(limits) };
    this.stages = new StageAggregator(this.limits);
    const capacity = Math.max(0, this.limits.tailLines);
    this.ringEvents = new Array(capacity);
    this.ringFiles = new Array(capacity);
    this.ringLines = new Int32Array(capacity);
  }

  /** Adds one valid event read from `file` at `line`. The event object is kept in the tail: do not mutate it. */
  addEvent(event: StageEventLine, file: string, line: number): void {
    this.events += 1;
    const { ts, outcome, latency_ms: latency } = event;
    if (this.firstTs === null || ts < this.firstTs) this.firstTs = ts;
    if (this.lastTs === null || ts > this.lastTs) this.lastTs = ts;
    if (event.step !== this.lastStep) {
      this.steps += 1;
      this.lastStep = event.step;
    }
    const stage = this.stages.record(event.stage, outcome, latency);
    if (latency > this.overallMaxMs) this.overallMaxMs = latency;
    if (event.reason !== undefined) this.stages.countReason(stage, outcome, event.reason);

    const bucket = this.bucketFor(ts);
    // Charted: the first maxChartStages named stages, in the slot of their first-seen position.
    const slot = stage.ordinal;
    if (slot < this.limits.maxChartStages && stage.stage !== OTHER_STAGES) {
      let histogram = bucket.latency[slot];
      if (histogram === undefined) {
        histogram = new LatencyHistogram(undefined, { precisionBits: CHART_PRECISION_BITS });
        bucket.latency[slot] = histogram;
      }
      histogram.recordMs(latency);
    }
    if (event.attrs !== undefined) {
      // Per-step counts, not levels: summed, and kept out of the gauges and their charts.
      if (hasStepCountAttrs(event)) this.execFills += execFillsOf(event);
      else this.addAttrs(event.attrs, bucket);
    }

    const capacity = this.ringEvents.length;
    if (capacity > 0) {
      const at = this.ringNext;
      this.ringEvents[at] = event;
      this.ringFiles[at] = file;
      this.ringLines[at] = line;
      this.ringNext = at + 1 === capacity ? 0 : at + 1;
    }
  }

  /** Counts a skipped line and keeps it as a sample while there is room. */
  addSkipped(file: string, line: number, reason: string): void {
    this.skipped += 1;
    if (this.skippedSamples.length < this.limits.maxSkippedSamples)
      this.skippedSamples.push({ file, line, reason });
  }

  /** The first skipped lines. */
  skippedLines(): SkippedLine[] {
    return this.skippedSamples.map((s) => ({ ...s }));
  }

  /** Stage rows in first-seen order. */
  stageRows(): StageRow[] {
    return [...this.stages.stages()].map((s) => {
      const [p50, p95, p99] = s.histogram.percentilesUs(STAGE_PERCENTILES);
      return {
        stage: s.stage,
        count: s.count,
        p50_ms: p50! / 1000,
        p95_ms: p95! / 1000,
        p99_ms: p99! / 1000,
        max_ms: s.maxMs,
        mean_ms: s.count === 0 ? 0 : s.sumMs / s.count,
        ok: s.ok,
        rejected: s.rejected,
        error: s.error,
      };
    });
  }

  /** Reason rows, most frequent first. */
  reasonRows(): ReasonRow[] {
    return this.stages.reasonRows();
  }

  /** Latency over all events. */
  overallLatency(): { p50_ms: number; p95_ms: number; p99_ms: number; max_ms: number; count: number } {
    // Merged on demand rather than recorded per event: one histogram record per event is the hot path's budget.
    const overall = new LatencyHistogram();
    for (const s of this.stages.stages()) overall.add(s.histogram);
    const [p50, p95, p99] = overall.percentilesUs(STAGE_PERCENTILES);
    return {
      p50_ms: p50! / 1000,
      p95_ms: p95! / 1000,
      p99_ms: p99! / 1000,
      max_ms: this.overallMaxMs,
      count: overall.count,
    };
  }

  /** Latencies above the histogram range (clamped) seen in the history. */
  clamped(): number {
    let clamped = 0;
    for (const s of this.stages.stages()) clamped += s.histogram.clamped;
    return clamped;
  }

  /**
   * Counters recomputed from events: distinct steps, the exec events' `attrs.fills` summed, rejected and error
   * outcomes.
   */
  recomputedCounters(): RecomputedCounters {
    return {
      processed: this.steps,
      filled: this.execFills,
      rejected: this.stages.rejectedEvents,
      errors: this.stages.errorEvents,
    };
  }

  /** Latest value of each numeric attribute seen on events (equity, position, ...). */
  latestAttrs(): Record<string, number> {
    return Object.fromEntries(this.lastAttrs);
  }

  /** p50/p95 per bucket per charted stage, and the bucket width. */
  latencySeries(): { bucketMs: number; stages: StageLatencySeries[] } {
    const ordered = [...this.buckets.values()].sort((a, b) => a.index - b.index);
    const charted: string[] = [];
    for (const s of this.stages.stages()) {
      if (s.ordinal < this.limits.maxChartStages && s.stage !== OTHER_STAGES) charted[s.ordinal] = s.stage;
    }
    const stages = charted.map((stage, slot) => {
      const points: StageLatencySeries['points'] = [];
      for (const bucket of ordered) {
        const histogram = bucket.latency[slot];
        if (histogram === undefined) continue;
        const [p50, p95] = histogram.percentilesUs(CHART_PERCENTILES);
        points.push([bucket.index * this.bucketWidth, p50! / 1000, p95! / 1000, histogram.count]);
      }
      return { stage, points };
    });
    return { bucketMs: this.bucketWidth, stages };
  }

  /** The last value per bucket of each charted numeric attribute. */
  attrSeries(): AttrSeries[] {
    const ordered = [...this.buckets.values()].sort((a, b) => a.index - b.index);
    return this.attrKeys.map((key, slot) => {
      const points: AttrSeries['points'] = [];
      for (const bucket of ordered) {
        const value = bucket.attrs[slot];
        if (value !== undefined) points.push([bucket.index * this.bucketWidth, value]);
      }
      return { key, points };
    });
  }

  /** The last `tailLines` events, oldest first. */
  tail(): TailEvent[] {
    const capacity = this.ringEvents.length;
    const out: TailEvent[] = [];
    const take = Math.min(capacity, this.events);
    for (let i = take; i > 0; i--) {
      const at = (this.ringNext - i + capacity) % capacity;
      const event = this.ringEvents[at];
      if (event === undefined) continue;
      const tail: TailEvent = {
        ts: event.ts,
        step: event.step,
        stage: event.stage,
        outcome: event.outcome,
        latency_ms: event.latency_ms,
        file: this.ringFiles[at]!,
        line: this.ringLines[at]!,
      };
      if (event.reason !== undefined) tail.reason = event.reason;
      if (event.detail !== undefined) tail.detail = event.detail;
      if (event.attrs !== undefined) tail.attrs = { ...event.attrs };
      out.push(tail);
    }
    return out;
  }

  /** Number of time buckets currently held (at most `maxBuckets`). */
  bucketCount(): number {
    return this.buckets.size;
  }

  private addAttrs(attrs: Record<string, number | string>, bucket: TimeBucket): void {
    for (const key in attrs) {
      const value = attrs[key];
      if (typeof value !== 'number') continue;
      this.lastAttrs.set(key, value);
      let slot = this.attrKeys.indexOf(key);
      if (slot < 0) {
        if (this.attrKeys.length >= this.limits.maxAttrKeys) continue;
        slot = this.attrKeys.length;
        this.attrKeys.push(key);
      }
      bucket.attrs[slot] = value;
    }
  }

  private bucketFor(ts: number): TimeBucket {
    const index = Math.floor(ts / this.bucketWidth);
    const last = this.lastBucket;
    if (last !== undefined && last.index === index) return last;
    let bucket = this.buckets.get(index);
    if (bucket === undefined) {
      const min = Math.min(this.minBucket, index);
      const max = Math.max(this.maxBucket, index);
      if (max - min + 1 > this.limits.maxBuckets) {
        this.widen(ts);
        return this.bucketFor(ts);
      }
      bucket = { index, latency: [], attrs: [] };
      this.buckets.set(index, bucket);
      this.minBucket = min;
      this.maxBucket = max;
    }
    this.lastBucket = bucket;
    return bucket;
  }

  /** Moves up the width ladder until the held span plus `ts` fits, merging buckets that fall together. */
  private widen(ts: number): void {
    const lo = Math.min(this.minBucket * this.bucketWidth, ts);
    const hi = Math.max(this.maxBucket * this.bucketWidth, ts);
    let width = nextBucketWidth(this.bucketWidth);
    while (Math.floor(hi / width) - Math.floor(lo / width) + 1 > this.limits.maxBuckets)
      width = nextBucketWidth(width);
    const old = [...this.buckets.values()].sort((a, b) => a.index - b.index);
    this.buckets.clear();
    this.minBucket = Number.POSITIVE_INFINITY;
    this.maxBucket = Number.NEGATIVE_INFINITY;
    for (const bucket of old) {
      const index = Math.floor((bucket.index * this.bucketWidth) / width);
      const into = this.buckets.get(index);
      if (into === undefined) {
        bucket.index = index;
        this.buckets.set(index, bucket);
        this.minBucket = Math.min(this.minBucket, index);
        this.maxBucket = Math.max(this.maxBucket, index);
        continue;
      }
      for (let slot = 0; slot < bucket.latency.length; slot++) {
        const from = bucket.latency[slot];
        if (from === undefined) continue;
        const target = into.latency[slot];
        if (target === undefined) into.latency[slot] = from;
        else target.add(from);
      }
      // Buckets are merged in time order, so the later bucket's last attribute value wins.
      for (let slot = 0; slot < bucket.attrs.length; slot++) {
        if (bucket.attrs[slot] !== undefined) into.attrs[slot] = bucket.attrs[slot];
      }
    }
    this.bucketWidth = width;
    this.lastBucket = undefined;
  }
}
