// In-memory aggregates of stage events: per-stage HDR percentiles, outcomes, reasons, counters, gauges, recent events.

import { MetricsError } from './errors.js';
import {
  DEFAULT_LATENCY_RANGE,
  LatencyHistogram,
  type LatencyRange,
  validateLatencyRange,
} from './latency-histogram.js';
import {
  METRICS_SCHEMA_VERSION,
  type MetricsSummary,
  type SlowEvent,
  type StageOutcome,
  type StageStats,
} from './schema.js';
import { DEFAULT_SLOWEST_PER_STAGE, SlowestEvents } from './slowest-events.js';
import type { StageEvent } from './stage-event.js';
import type { ThreadAggregate } from './threaded-ndjson-writer.js';

/** The run counters of the summary. */
export type RunCounterName = keyof MetricsSummary['counters'];

/** Something that also wants every event, counter and gauge (the NDJSON writer, a Prometheus exporter). */
export interface StageEventSink {
  onStageEvent(event: StageEvent): void;
  onCount?(name: RunCounterName, by: number): void;
  onGauge?(name: string, value: number): void;
}

/** Options of {@link StageMetricsCollector}. */
export interface StageMetricsCollectorOptions {
  /** Histogram range in microseconds (default 1 µs .. 1 h). */
  histogram?: LatencyRange;
  /** How many recent events to keep in memory (default 1024). Older ones are forgotten. */
  recentCapacity?: number;
  /** Distinct reasons kept per stage and outcome before the rest are counted as `(other)` (default 256). */
  maxReasonsPerOutcome?: number;
  /** Slowest events kept per stage, the exemplars in the summary's `slowest_by_stage` (default 10; 0: none). */
  slowestPerStage?: number;
}

/** Bucket for reasons beyond `maxReasonsPerOutcome`. */
export const OTHER_REASON = '(other)';

/** @internal One stage's aggregates; {@link StageMetricsCollector.aggregate} gives it to a stage lane. */
export interface StageAggregate {
  histogram: LatencyHistogram;
  outcomes: { ok: number; rejected: number; error: number };
  reasons: Partial<Record<StageOutcome, Map<string, number>>>;
  slowest: SlowestEvents<SlowEvent>;
  /**
   * The part of the stage's histogram and outcomes the writer thread keeps (events a lane gave it to
   * aggregate; `slowest` and `reasons` stay here): added to this part whenever stats are read.
   */
  thread?: ThreadAggregate;
}

/**
 * A gauge's latest value, in an object of its own: a gauge handle keeps it and sets it in place (no map
 * lookup, no boxed number a set).
 */
export interface GaugeSlot {
  readonly name: string;
  value: number;
}

/** What the summary adds from outside the collector: times, pid, writer figures. */
export interface SummaryContext {
  /** Caller's clock now, ms since the epoch. */
  nowMs: number;
  /** Caller's clock at process (or run) start. */
  processStartMs: number;
  /** `null` for deterministic output. */
  pid: number | null;
  writer?: MetricsSummary['writer'];
}

const NO_WRITER: MetricsSummary['writer'] = Object.freeze({
  lines_written: 0,
  bytes_written: 0,
  rotations: 0,
  write_errors: 0,
  last_write_error: null,
});

/**
 * Aggregates stage events with fixed memory: a histogram per stage (fixed size), counters, and a ring
 * buffer of recent events. `record()` allocates nothing for a known stage and reason.
 */
export class StageMetricsCollector {
  /** Total stage events recorded. */
  stageEventsCount = 0;
  private readonly stages = new Map<string, StageAggregate>();
  private readonly counters = { processed: 0, filled: 0, rejected: 0, errors: 0 };
  private readonly gauges = new Map<string, GaugeSlot>();
  private readonly ring: (StageEvent | undefined)[];
  private ringNext = 0;
  private readonly range: LatencyRange;
  private readonly maxReasons: number;
  private readonly slowestPerStage: number;
  private readonly sinks: StageEventSink[] = [];
  /**
   * @internal Called before the aggregates are read (stats, summary): waits until the writer thread has
   * aggregated every event given to it.
   */
  syncThread: (() => void) | undefined;

  constructor(options: StageMetricsCollectorOptions = {}) {
    this.range = validateLatencyRange(options.histogram ?? { ...DEFAULT_LATENCY_RANGE });
    const capacity = options.recentCapacity ?? 1024;
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        `recentCapacity must be an integer >= 0, got ${capacity}`,
      );
    }
    this.ring = new Array(capacity);
    this.maxReasons = options.maxReasonsPerOutcome ?? 256;
    const slowest = options.slowestPerStage ?? DEFAULT_SLOWEST_PER_STAGE;
    if (!Number.isSafeInteger(slowest) || slowest < 0 || slowest > 1000) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        `slowestPerStage must be an integer 0..1000, got ${slowest}`,
      );
    }
    this.slowestPerStage = slowest;
  }

  /** Adds a sink that sees every later event, counter increment and gauge. */
  addSink(sink: StageEventSink): void {
    this.sinks.push(sink);
  }

  /** Records one stage event (the seed's `record_stage`). The object is kept in the recent ring: do not mutate it. */
  record(event: StageEvent): void {
    this.recordIn(this.aggregate(event.stage), event);
    if (this.ring.length > 0) {
      this.ring[this.ringNext] = event;
      this.ringNext = this.ringNext + 1 === this.ring.length ? 0 : this.ringNext + 1;
    }
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i]!.onStageEvent(event);
  }

  /**
   * @internal True when an event object is kept after {@link record} returns (the recent ring) or handed to
   * sinks, which may keep it: a caller that reuses one event object must not then.
   */
  get keepsEvents(): boolean {
    return this.ring.length > 0 || this.sinks.length > 0;
  }

  /** @internal The aggregates of `stage`, made (in the summary's order) on first use. */
  aggregate(stage: string): StageAggregate {
    return this.stages.get(stage) ?? this.addStage(stage);
  }

  /**
   * @internal {@link record}'s aggregates only (not the recent ring, not the sinks: see {@link keepsEvents}),
   * into the aggregate of `event.stage`, looked up already: a stage lane's hot path.
   */
  recordIn(aggregate: StageAggregate, event: StageEvent): void {
    aggregate.histogram.recordMs(event.latency_ms);
    // Copied only when it is kept (rarely after the first events): the caller may reuse its event object.
    if (aggregate.slowest.accepts(event.latency_ms)) aggregate.slowest.add(slowEventOf(event));
    // Named stores, not outcomes[event.outcome]: a keyed store by a variable name is several times slower.
    const outcome = event.outcome;
    if (outcome === 'ok') aggregate.outcomes.ok++;
    else if (outcome === 'rejected') aggregate.outcomes.rejected++;
    else aggregate.outcomes.error++;
    if (event.reason !== undefined) this.countReason(aggregate, event.outcome, event.reason);
    this.stageEventsCount++;
  }

  /** Adds `by` to a run counter (processed steps, fills, rejections, errors). */
  count(name: RunCounterName, by = 1): void {
    this.counters[name] += by;
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i]!.onCount?.(name, by);
  }

  /** Sets a gauge (position, equity, ...) to its latest value. Non-finite values are ignored. */
  setGauge(name: string, value: number): void {
    if (!Number.isFinite(value)) return;
    const slot = this.gauges.get(name);
    if (slot === undefined) this.gaugeSlot(name, value);
    else this.setGaugeSlot(slot, value);
  }

  /**
   * @internal Makes gauge `name`'s slot with its first (finite) value, or returns the slot it has; a gauge
   * handle keeps it for {@link setGaugeSlot}. The summary lists gauges in the order they were first set.
   */
  gaugeSlot(name: string, value: number): GaugeSlot {
    let slot = this.gauges.get(name);
    if (slot === undefined) {
      // A double from the start, so later sets store in place.
      slot = { name, value: Number.NaN };
      this.gauges.set(name, slot);
    }
    this.setGaugeSlot(slot, value);
    return slot;
  }

  /** @internal Sets a gauge by its slot (a finite value): the hot path of a gauge handle. */
  setGaugeSlot(slot: GaugeSlot, value: number): void {
    slot.value = value;
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i]!.onGauge?.(slot.name, value);
  }

  /** The last `n` recorded events (at most the ring's capacity), oldest first. */
  recent(n = this.ring.length): StageEvent[] {
    const capacity = this.ring.length;
    const out: StageEvent[] = [];
    const take = Math.min(n, capacity, this.stageEventsCount);
    for (let i = take; i > 0; i--) {
      const event = this.ring[(this.ringNext - i + capacity) % capacity];
      if (event !== undefined) out.push(event);
    }
    return out;
  }

  /** The slowest events of `stage` kept so far, slowest first (empty if it never ran). */
  slowestEvents(stage: string): SlowEvent[] {
    return this.stages.get(stage)?.slowest.slowestFirst() ?? [];
  }

  /** Latency statistics of one stage, or undefined if it never ran. */
  stageStats(stage: string): StageStats | undefined {
    const aggregate = this.stages.get(stage);
    if (aggregate === undefined) return undefined;
    this.syncThreadAggregates();
    return statsOf(histogramOf(aggregate, this.range));
  }

  private syncThreadAggregates(): void {
    try {
      this.syncThread?.();
    } catch {
      // the writer's wait never throws; the stats are then what the thread had published
    }
  }

  /** The current counters. */
  counterValues(): Readonly<MetricsSummary['counters']> {
    return { ...this.counters };
  }

  /** The summary document (`metrics_summary.json`) of everything recorded since the collector was made. */
  summary(context: SummaryContext): MetricsSummary {
    const stagesByName: MetricsSummary['stages_by_name'] = {};
    const outcomesByStage: MetricsSummary['outcomes_by_stage'] = {};
    const reasonsByStage: MetricsSummary['reasons_by_stage'] = {};
    const slowestByStage: NonNullable<MetricsSummary['slowest_by_stage']> = {};
    let clamped = 0;
    this.syncThreadAggregates();
    for (const [stage, aggregate] of this.stages) {
      const histogram = histogramOf(aggregate, this.range);
      stagesByName[stage] = statsOf(histogram);
      outcomesByStage[stage] = outcomesOf(aggregate);
      const reasons: MetricsSummary['reasons_by_stage'][string] = {};
      for (const outcome of ['ok', 'rejected', 'error'] as const) {
        const map = aggregate.reasons[outcome];
        if (map) reasons[outcome] = Object.fromEntries(map);
      }
      reasonsByStage[stage] = reasons;
      if (aggregate.slowest.size > 0) slowestByStage[stage] = aggregate.slowest.slowestFirst();
      clamped += histogram.clamped;
    }
    return {
      v: METRICS_SCHEMA_VERSION,
      pid: context.pid,
      process_start: context.processStartMs,
      updated_at: context.nowMs,
      stage_events_count: this.stageEventsCount,
      counters: { ...this.counters },
      stages_by_name: stagesByName,
      outcomes_by_stage: outcomesByStage,
      reasons_by_stage: reasonsByStage,
      ...(this.slowestPerStage > 0 && this.stages.size > 0 ? { slowest_by_stage: slowestByStage } : {}),
      gauges: Object.fromEntries([...this.gauges.values()].map((slot) => [slot.name, slot.value])),
      histogram: { lowest_us: this.range.lowestUs, highest_us: this.range.highestUs, clamped },
      writer: { ...(context.writer ?? NO_WRITER) },
    };
  }

  private addStage(stage: string): StageAggregate {
    const aggregate: StageAggregate = {
      histogram: new LatencyHistogram(this.range),
      outcomes: { ok: 0, rejected: 0, error: 0 },
      reasons: {},
      slowest: new SlowestEvents(this.slowestPerStage),
    };
    this.stages.set(stage, aggregate);
    return aggregate;
  }

  private countReason(aggregate: StageAggregate, outcome: StageOutcome, reason: string): void {
    let map = aggregate.reasons[outcome];
    if (map === undefined) {
      map = new Map();
      aggregate.reasons[outcome] = map;
    }
    const seen = map.get(reason);
    if (seen !== undefined) map.set(reason, seen + 1);
    else if (map.size < this.maxReasons) map.set(reason, 1);
    else map.set(OTHER_REASON, (map.get(OTHER_REASON) ?? 0) + 1);
  }
}

/** The summary's form of a slow event: ts and latency at microsecond resolution, as the NDJSON line writes them. */
function slowEventOf(event: StageEvent): SlowEvent {
  const slow: SlowEvent = {
    step: event.step,
    ts: Math.round(event.ts * 1000) / 1000,
    latency_ms: Math.round(event.latency_ms * 1000) / 1000,
    outcome: event.outcome,
  };
  if (event.reason !== undefined) slow.reason = event.reason;
  return slow;
}

/** The stage's histogram with the writer thread's part added (a copy then), as if all were recorded here. */
function histogramOf(aggregate: StageAggregate, range: LatencyRange): LatencyHistogram {
  const thread = aggregate.thread;
  if (thread === undefined) return aggregate.histogram;
  thread.load();
  if (thread.histogram.count === 0) return aggregate.histogram;
  const merged = new LatencyHistogram(range);
  merged.add(aggregate.histogram);
  merged.add(thread.histogram);
  return merged;
}

/** The stage's outcome counts with the writer thread's added. */
function outcomesOf(aggregate: StageAggregate): StageAggregate['outcomes'] {
  const { ok, rejected, error } = aggregate.outcomes;
  const thread = aggregate.thread?.outcomes;
  if (thread === undefined) return { ok, rejected, error };
  return { ok: ok + thread[0]!, rejected: rejected + thread[1]!, error: error + thread[2]! };
}

function statsOf(histogram: LatencyHistogram): StageStats {
  const [p50, p95, p99] = histogram.percentilesUs([50, 95, 99]);
  return {
    count: histogram.count,
    p50_ms: p50! / 1000,
    p95_ms: p95! / 1000,
    p99_ms: p99! / 1000,
    max_ms: histogram.maxMicros / 1000,
    mean_ms: Math.round(histogram.meanMicros) / 1000,
  };
}
