// The pure, bounded-memory aggregate of a stream of stage events: per-stage histograms, outcomes, reasons (with
// first/last examples), fixed-count time buckets per process lifetime (re-bucketed as the history grows) with
// latency, rates, attributes and drawdown, ring buffers for the tail, the recent problems and position changes.
import { LatencyHistogram, type StageEventLine, type StageOutcome } from '@loop/metrics';
import { checkWholeOption, LoopRunDirError } from './errors.js';
import {
  EQUITY_ATTR,
  execFillsOf,
  hasStepCountAttrs,
  POSITION_ATTR,
  PRICE_ATTR,
} from './event-conventions.js';
import { EventRing } from './event-ring.js';
import type {
  AttrSeries,
  DrawdownPoint,
  PositionChange,
  RateSeries,
  ReasonExample,
  ReasonRow,
  RestartMark,
  SkippedLine,
  SlowStepEvent,
  StageLatencySeries,
  StageRow,
  TailEvent,
} from './history-rows.js';
import { LifetimeBoundary } from './lifetimes.js';
import { SlowestSteps } from './slowest-steps.js';
import {
  DEFAULT_STAGE_AGGREGATE_LIMITS,
  OTHER_REASONS,
  OTHER_STAGES,
  type StageAggregate,
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
  /** Reasons whose rates over time are counted apart (default 8, first seen first); the rest as `(other reasons)`. */
  maxRateReasons: number;
  /** Recent rejections, and recent errors, kept for their own tables (default 10 each). */
  recentProblems: number;
  /** Recent position changes (fills) kept (default 20). */
  recentPositionChanges: number;
  /** Restart times kept for chart markers (default 200, the newest); older ones are only counted. */
  maxRestartMarks: number;
  /** Example details are cut to this many characters (default 300). */
  maxDetailChars: number;
  /** Slowest events kept per stage, with their step's lines, for the latest lifetime (default 10; 0: none). */
  slowestPerStage: number;
}

/** Default {@link RunHistoryLimits}. */
export const DEFAULT_RUN_HISTORY_LIMITS: Readonly<RunHistoryLimits> = Object.freeze({
  ...DEFAULT_STAGE_AGGREGATE_LIMITS,
  tailLines: 50,
  maxBuckets: 96,
  maxChartStages: 8,
  maxSkippedSamples: 20,
  maxAttrKeys: 4,
  maxRateReasons: 8,
  recentProblems: 10,
  recentPositionChanges: 20,
  maxRestartMarks: 200,
  maxDetailChars: 300,
  slowestPerStage: 10,
});

/** Process lifetimes one time bucket keeps apart; a crash loop beyond it folds into the bucket's last one. */
const MAX_LIFETIMES_PER_BUCKET = 8;

/**
 * Precision of the per-time-bucket chart histograms: 1 part in 32 (~3%, plenty for a chart's pixels) in about
 * 7 KB each, where the whole-history precision (1/2,048) would take ~360 KB for each of up to 96 buckets x 8
 * charted stages.
 */
export const CHART_PRECISION_BITS = 5;

const STAGE_PERCENTILES: readonly number[] = [50, 95, 99];

/**
 * One reason of one stage beyond its count (which the {@link StageAggregator} keeps): its rate slot and the first
 * and last events (kept by reference, never copied).
 */
interface ReasonDetail {
  /** Index in the rate series' reasons; -1 for an ok outcome (not charted as a rate). */
  rateSlot: number;
  first: StageEventLine;
  firstFile: string;
  firstLine: number;
  last: StageEventLine;
  lastFile: string;
  lastLine: number;
}

interface TimeBucket {
  index: number;
  /** The process lifetime whose events this bucket holds. */
  lifetime: number;
  /** Per chart slot: the stage's latencies in this bucket (undefined when it had none). */
  latency: Array<LatencyHistogram | undefined>;
  /** Per attribute slot: the last value seen in this bucket. */
  attrs: Array<number | undefined>;
  steps: number;
  rejected: number;
  errors: number;
  /** Per rate slot: rejections and errors for that reason. */
  byReason: number[];
  /** Worst equity-below-peak seen in this bucket (<= 0), or NaN when no equity was seen. */
  drawdown: number;
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
 * and only the last `tailLines` events are kept. Events are split into process lifetimes as
 * {@link LifetimeBoundary} decides (as `LifetimeTracker` does), so series never join two lifetimes.
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
  /** Per stage aggregate: outcome + "\u0000" + reason -> its details, under the same cap as the counts. */
  private readonly reasonDetails = new Map<StageAggregate, Map<string, ReasonDetail>>();
  private overallMaxMs = 0;
  private readonly attrKeys: string[] = [];
  private readonly lastAttrs = new Map<string, number>();
  private bucketWidth = BUCKET_WIDTHS_MS[0]!;
  /** Buckets by index; one per lifetime that had events in it (usually one). */
  private readonly buckets = new Map<number, TimeBucket[]>();
  private heldBuckets = 0;
  private minBucket = Number.POSITIVE_INFINITY;
  private maxBucket = Number.NEGATIVE_INFINITY;
  private lastBucket: TimeBucket | undefined;
  private readonly tailRing: EventRing;
  private readonly rejectionRing: EventRing;
  private readonly errorRing: EventRing;
  private readonly skippedSamples: SkippedLine[] = [];
  private readonly boundary = new LifetimeBoundary();
  private steps = 0;
  /** Sum of the exec events' `attrs.fills` (orders filled that step, as `loop run` writes them). */
  private execFills = 0;
  private readonly rateReasons: RateSeries['reasons'] = [];
  private otherRateSlot: Partial<Record<StageOutcome, number>> = {};
  private readonly restartMarks: RestartMark[] = [];
  private restartMarksDropped = 0;
  /** The equity peak and the position of the current lifetime. */
  private equityPeak = Number.NEGATIVE_INFINITY;
  private lifetimePosition = 0;
  private worstDrawdown: { value: number; ts: number } | null = null;
  /** The last `recentPositionChanges` position changes: a ring whose rows are reused once full (copied on read). */
  private readonly changes: PositionChange[] = [];
  /** Where the next change goes in {@link changes} once the ring is full (its oldest row). */
  private changeNext = 0;
  private changeCount = 0;
  private readonly slowest: SlowestSteps;

  /** @throws LoopRunDirError `LOOP_RUN_DIR_OPTION_INVALID` for an unknown limit or one not a whole number in range. */
  constructor(limits: Partial<RunHistoryLimits> = {}) {
    this.limits = { ...DEFAULT_RUN_HISTORY_LIMITS, ...checkLimits(limits) };
    this.stages = new StageAggregator(this.limits);
    this.tailRing = new EventRing(this.limits.tailLines);
    this.rejectionRing = new EventRing(this.limits.recentProblems);
    this.errorRing = new EventRing(this.limits.recentProblems);
    this.slowest = new SlowestSteps(this.limits.slowestPerStage);
  }

  /** Adds one valid event read from `file` at `line`. The event object is kept in the tail: do not mutate it. */
  addEvent(event: StageEventLine, file: string, line: number): void {
    this.events += 1;
    const { ts, outcome, latency_ms: latency } = event;
    if (this.firstTs === null || ts < this.firstTs) this.firstTs = ts;
    if (this.lastTs === null || ts > this.lastTs) this.lastTs = ts;
    const boundary = this.boundary;
    if (boundary.next(event.step, event.stage)) this.startLifetime(ts);
    if (boundary.newStep) this.steps += 1;
    const bucket = this.bucketFor(ts, boundary.number);
    if (boundary.newStep) bucket.steps += 1;
    const stage = this.stages.record(event.stage, outcome, latency);
    if (latency > this.overallMaxMs) this.overallMaxMs = latency;
    if (outcome === 'rejected') {
      bucket.rejected += 1;
      this.rejectionRing.push(event, file, line);
    } else if (outcome === 'error') {
      bucket.errors += 1;
      this.errorRing.push(event, file, line);
    }
    if (event.reason !== undefined) {
      // Counted for any outcome, as the summary does; only rejections and errors have a rate slot.
      this.stages.countReason(stage, outcome, event.reason);
      const slot = this.noteReason(stage, event, file, line);
      if (slot >= 0) bucket.byReason[slot] = (bucket.byReason[slot] ?? 0) + 1;
    }
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
      else this.addAttrs(event, bucket, file, line);
    }
    this.tailRing.push(event, file, line);
    this.slowest.add(event, file, line, boundary.newStep);
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

  /**
   * Reason rows, most frequent first, each with when it was first and last seen and the first and last event
   * as examples (detail cut to `maxDetailChars`).
   */
  reasonRows(): ReasonRow[] {
    const rows = this.stages.reasonRows();
    const byStage = new Map<string, Map<string, ReasonDetail>>();
    for (const [aggregate, details] of this.reasonDetails) byStage.set(aggregate.stage, details);
    for (const row of rows) {
      const r = byStage.get(row.stage)?.get(`${row.outcome}\u0000${row.reason}`);
      if (r === undefined) continue;
      row.firstTs = r.first.ts;
      row.lastTs = r.last.ts;
      row.firstExample = this.example(r.first, r.firstFile, r.firstLine);
      if (row.count > 1) row.lastExample = this.example(r.last, r.lastFile, r.lastLine);
    }
    return rows;
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
   * Counters recomputed from events: distinct steps (across lifetimes), the exec events' `attrs.fills` summed,
   * rejected and error outcomes.
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

  /** p50/p95/p99 per bucket and lifetime per charted stage, and the bucket width. */
  latencySeries(): { bucketMs: number; stages: StageLatencySeries[] } {
    const ordered = this.orderedBuckets();
    const charted: string[] = [];
    for (const s of this.stages.stages()) {
      if (s.ordinal < this.limits.maxChartStages && s.stage !== OTHER_STAGES) charted[s.ordinal] = s.stage;
    }
    const stages = charted.map((stage, slot) => {
      const points: StageLatencySeries['points'] = [];
      for (const bucket of ordered) {
        const histogram = bucket.latency[slot];
        if (histogram === undefined) continue;
        const [p50, p95, p99] = histogram.percentilesUs(STAGE_PERCENTILES);
        points.push([
          bucket.index * this.bucketWidth,
          p50! / 1000,
          p95! / 1000,
          histogram.count,
          p99! / 1000,
          bucket.lifetime,
        ]);
      }
      return { stage, points };
    });
    return { bucketMs: this.bucketWidth, stages };
  }

  /** The last value per bucket and lifetime of each charted numeric attribute. */
  attrSeries(): AttrSeries[] {
    const ordered = this.orderedBuckets();
    return this.attrKeys.map((key, slot) => {
      const points: AttrSeries['points'] = [];
      for (const bucket of ordered) {
        const value = bucket.attrs[slot];
        if (value !== undefined) points.push([bucket.index * this.bucketWidth, value, bucket.lifetime]);
      }
      return { key, points };
    });
  }

  /** Steps, rejections and errors per bucket and lifetime, the problems split by reason. */
  rateSeries(): RateSeries {
    return {
      bucketMs: this.bucketWidth,
      reasons: this.rateReasons.map((r) => ({ ...r })),
      buckets: this.orderedBuckets().map((b) => ({
        t: b.index * this.bucketWidth,
        lifetime: b.lifetime,
        steps: b.steps,
        rejected: b.rejected,
        errors: b.errors,
        byReason: Array.from({ length: this.rateReasons.length }, (_, i) => b.byReason[i] ?? 0),
      })),
    };
  }

  /** The worst drawdown (equity below its lifetime's peak) per bucket and lifetime, where equity was seen. */
  drawdownSeries(): DrawdownPoint[] {
    const points: DrawdownPoint[] = [];
    for (const b of this.orderedBuckets())
      if (!Number.isNaN(b.drawdown)) points.push([b.index * this.bucketWidth, b.drawdown, b.lifetime]);
    return points;
  }

  /** The deepest drawdown seen (<= 0) and when, or null before any equity. */
  maxDrawdown(): { value: number; ts: number } | null {
    return this.worstDrawdown === null ? null : { ...this.worstDrawdown };
  }

  /** Where each lifetime after the first began (the newest `maxRestartMarks`), and how many older were dropped. */
  restarts(): { marks: RestartMark[]; dropped: number } {
    return { marks: this.restartMarks.map((m) => ({ ...m })), dropped: this.restartMarksDropped };
  }

  /** The last `recentProblems` rejections and errors, oldest first. */
  recentProblems(): { rejections: TailEvent[]; errors: TailEvent[] } {
    return { rejections: this.rejectionRing.rows(), errors: this.errorRing.rows() };
  }

  /** The last `recentPositionChanges` position changes, oldest first, and how many there were in all. */
  positionChanges(): { changes: PositionChange[]; total: number } {
    const ring = this.changes;
    const changes: PositionChange[] = [];
    for (let i = 0; i < ring.length; i++) changes.push({ ...ring[(this.changeNext + i) % ring.length]! });
    return { changes, total: this.changeCount };
  }

  /**
   * Per stage (first seen first), the `slowestPerStage` slowest events of the latest process lifetime, slowest
   * first (earlier first among equal latencies, as the summary's `slowest_by_stage`), each with its step's lines.
   */
  slowestEvents(): Array<{ stage: string; events: SlowStepEvent[] }> {
    return this.slowest.rows();
  }

  /** The last `tailLines` events, oldest first. */
  tail(): TailEvent[] {
    return this.tailRing.rows();
  }

  /** Number of time buckets currently held (at most `maxBuckets`, plus one per restart within a bucket). */
  bucketCount(): number {
    return this.heldBuckets;
  }

  private example(event: StageEventLine, file: string, line: number): ReasonExample {
    const example: ReasonExample = { ts: event.ts, step: event.step, file, line };
    if (event.detail !== undefined) {
      const max = this.limits.maxDetailChars;
      example.detail = event.detail.length > max ? `${event.detail.slice(0, max)}…` : event.detail;
    }
    return example;
  }

  private startLifetime(ts: number): void {
    this.slowest.startLifetime(this.boundary.number);
    this.equityPeak = Number.NEGATIVE_INFINITY;
    this.lifetimePosition = 0;
    if (this.boundary.number === 1) return;
    this.restartMarks.push({ ts, lifetime: this.boundary.number });
    if (this.restartMarks.length > this.limits.maxRestartMarks) {
      this.restartMarks.shift();
      this.restartMarksDropped += 1;
    }
  }

  private orderedBuckets(): TimeBucket[] {
    const out: TimeBucket[] = [];
    for (const list of this.buckets.values()) for (const b of list) out.push(b);
    return out.sort((a, b) => a.index - b.index || a.lifetime - b.lifetime);
  }

  /**
   * Keeps the first and last event of the event's reason (under the same per-stage cap as the counts, so the
   * keys match the aggregator's rows); returns its rate slot (-1 for an ok outcome).
   */
  private noteReason(stage: StageAggregate, event: StageEventLine, file: string, line: number): number {
    const outcome = event.outcome;
    let details = this.reasonDetails.get(stage);
    if (details === undefined) {
      details = new Map();
      this.reasonDetails.set(stage, details);
    }
    let reason = event.reason!;
    let key = `${outcome}\u0000${reason}`;
    let detail = details.get(key);
    if (detail === undefined && details.size >= this.limits.maxReasonsPerStage) {
      reason = OTHER_REASONS;
      key = `${outcome}\u0000${reason}`;
      detail = details.get(key);
    }
    if (detail === undefined) {
      detail = {
        rateSlot: outcome === 'ok' ? -1 : this.rateSlotFor(stage.stage, outcome, reason),
        first: event,
        firstFile: file,
        firstLine: line,
        last: event,
        lastFile: file,
        lastLine: line,
      };
      details.set(key, detail);
    } else {
      detail.last = event;
      detail.lastFile = file;
      detail.lastLine = line;
    }
    return detail.rateSlot;
  }

  private rateSlotFor(stage: string, outcome: StageOutcome, reason: string): number {
    const used = this.rateReasons.length - Object.keys(this.otherRateSlot).length;
    if (used < this.limits.maxRateReasons) {
      this.rateReasons.push({ stage, outcome, reason });
      return this.rateReasons.length - 1;
    }
    let slot = this.otherRateSlot[outcome];
    if (slot === undefined) {
      slot = this.rateReasons.length;
      this.rateReasons.push({ stage: OTHER_STAGES, outcome, reason: OTHER_REASONS });
      this.otherRateSlot[outcome] = slot;
    }
    return slot;
  }

  private addAttrs(event: StageEventLine, bucket: TimeBucket, file: string, line: number): void {
    const attrs = event.attrs!;
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
    const equity = attrs[EQUITY_ATTR];
    if (typeof equity === 'number') {
      if (equity > this.equityPeak) this.equityPeak = equity;
      const drawdown = equity - this.equityPeak;
      if (Number.isNaN(bucket.drawdown) || drawdown < bucket.drawdown) bucket.drawdown = drawdown;
      if (this.worstDrawdown === null || drawdown < this.worstDrawdown.value)
        this.worstDrawdown = { value: drawdown, ts: event.ts };
    }
    const position = attrs[POSITION_ATTR];
    if (typeof position === 'number' && position !== this.lifetimePosition) {
      const price = attrs[PRICE_ATTR];
      const ring = this.changes;
      const capacity = this.limits.recentPositionChanges;
      if (ring.length < capacity) {
        ring.push({
          ts: event.ts,
          step: event.step,
          lifetime: this.boundary.number,
          change: position - this.lifetimePosition,
          position,
          price: typeof price === 'number' ? price : null,
          equity: typeof equity === 'number' ? equity : null,
          file,
          line,
        });
      } else if (capacity > 0) {
        // Full: the oldest row takes the new change (no allocation per change on a long history).
        const row = ring[this.changeNext]!;
        row.ts = event.ts;
        row.step = event.step;
        row.lifetime = this.boundary.number;
        row.change = position - this.lifetimePosition;
        row.position = position;
        row.price = typeof price === 'number' ? price : null;
        row.equity = typeof equity === 'number' ? equity : null;
        row.file = file;
        row.line = line;
        this.changeNext = this.changeNext + 1 === capacity ? 0 : this.changeNext + 1;
      }
      this.changeCount += 1;
      this.lifetimePosition = position;
    }
  }

  private bucketFor(ts: number, lifetime: number): TimeBucket {
    const index = Math.floor(ts / this.bucketWidth);
    const last = this.lastBucket;
    if (last !== undefined && last.index === index && last.lifetime === lifetime) return last;
    let list = this.buckets.get(index);
    if (list === undefined) {
      const min = Math.min(this.minBucket, index);
      const max = Math.max(this.maxBucket, index);
      if (max - min + 1 > this.limits.maxBuckets) {
        this.widen(ts);
        return this.bucketFor(ts, lifetime);
      }
      list = [];
      this.buckets.set(index, list);
      this.minBucket = min;
      this.maxBucket = max;
    }
    let bucket = list.find((b) => b.lifetime === lifetime);
    if (bucket === undefined) {
      if (list.length >= MAX_LIFETIMES_PER_BUCKET) bucket = list[list.length - 1]!;
      else {
        bucket = newBucket(index, lifetime);
        list.push(bucket);
        this.heldBuckets += 1;
      }
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
    const old = this.orderedBuckets();
    this.buckets.clear();
    this.heldBuckets = 0;
    this.minBucket = Number.POSITIVE_INFINITY;
    this.maxBucket = Number.NEGATIVE_INFINITY;
    for (const bucket of old) {
      const index = Math.floor((bucket.index * this.bucketWidth) / width);
      let list = this.buckets.get(index);
      if (list === undefined) {
        list = [];
        this.buckets.set(index, list);
        this.minBucket = Math.min(this.minBucket, index);
        this.maxBucket = Math.max(this.maxBucket, index);
      }
      let into = list.find((b) => b.lifetime === bucket.lifetime);
      if (into === undefined && list.length >= MAX_LIFETIMES_PER_BUCKET) into = list[list.length - 1];
      if (into === undefined) {
        bucket.index = index;
        list.push(bucket);
        this.heldBuckets += 1;
      } else mergeBucket(into, bucket);
    }
    this.bucketWidth = width;
    this.lastBucket = undefined;
  }
}

function newBucket(index: number, lifetime: number): TimeBucket {
  return {
    index,
    lifetime,
    latency: [],
    attrs: [],
    steps: 0,
    rejected: 0,
    errors: 0,
    byReason: [],
    drawdown: Number.NaN,
  };
}

/** Adds `from` (a later bucket in time order) into `into`. */
function mergeBucket(into: TimeBucket, from: TimeBucket): void {
  for (let slot = 0; slot < from.latency.length; slot++) {
    const histogram = from.latency[slot];
    if (histogram === undefined) continue;
    const target = into.latency[slot];
    if (target === undefined) into.latency[slot] = histogram;
    else target.add(histogram);
  }
  // Buckets are merged in time order, so the later bucket's last attribute value wins.
  for (let slot = 0; slot < from.attrs.length; slot++) {
    if (from.attrs[slot] !== undefined) into.attrs[slot] = from.attrs[slot];
  }
  into.steps += from.steps;
  into.rejected += from.rejected;
  into.errors += from.errors;
  for (let slot = 0; slot < from.byReason.length; slot++)
    if (from.byReason[slot] !== undefined)
      into.byReason[slot] = (into.byReason[slot] ?? 0) + from.byReason[slot]!;
  if (!Number.isNaN(from.drawdown) && (Number.isNaN(into.drawdown) || from.drawdown < into.drawdown))
    into.drawdown = from.drawdown;
}
