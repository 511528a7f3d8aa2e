// The bounded per-stage aggregate of stage events (outcome counts, latency sum, max and histogram, reasons),
// shared by RunHistory (the page) and @loop/check's figures: memory is fixed by a stage cap and a reason cap.
import { LatencyHistogram, OTHER_REASON, type StageOutcome } from '@loop/metrics';
import type { ReasonRow } from './history-rows.js';

/** Stage name under which stages beyond `maxStages` are counted. */
export const OTHER_STAGES = '(other stages)';
/** Reason under which reasons beyond `maxReasonsPerStage` are counted (the same word as the summary's). */
export const OTHER_REASONS = OTHER_REASON;

/** The caps that keep a {@link StageAggregator}'s memory fixed whatever the number of events. */
export interface StageAggregateLimits {
  /** Distinct stage names tracked; later new names are counted under {@link OTHER_STAGES} (default 64). */
  maxStages: number;
  /** Distinct outcome and reason pairs per stage; later new ones are counted under {@link OTHER_REASONS} (default 256). */
  maxReasonsPerStage: number;
}

/** Default {@link StageAggregateLimits}. */
export const DEFAULT_STAGE_AGGREGATE_LIMITS: Readonly<StageAggregateLimits> = Object.freeze({
  maxStages: 64,
  maxReasonsPerStage: 256,
});

/** The figures of one stage so far. The aggregator updates it in place: read it, do not change it. */
export interface StageAggregate {
  /** The stage's name, or {@link OTHER_STAGES}. */
  readonly stage: string;
  /** Position in first-seen order, from 0 ({@link OTHER_STAGES} comes after every named stage). */
  readonly ordinal: number;
  count: number;
  ok: number;
  rejected: number;
  error: number;
  /** Sum of the latencies, ms. */
  sumMs: number;
  /** Largest latency, ms (0 before the first event). */
  maxMs: number;
  /** Every latency of the stage (clamped above the histogram's range, and counted as clamped). */
  readonly histogram: LatencyHistogram;
  /** Events per outcome and reason; key: outcome + "\u0000" + reason. */
  readonly reasons: Map<string, number>;
}

/**
 * Per-stage figures of a stream of stage events, in first-seen order. Which events carry a reason is the
 * caller's rule (the page counts every event with a `reason`; `loop check` every non-ok outcome).
 */
export class StageAggregator {
  readonly limits: StageAggregateLimits;
  /** Events with outcome `rejected`, over every stage. */
  rejectedEvents = 0;
  /** Events with outcome `error`, over every stage. */
  errorEvents = 0;
  readonly #stages = new Map<string, StageAggregate>();

  constructor(limits: Partial<StageAggregateLimits> = {}) {
    this.limits = { ...DEFAULT_STAGE_AGGREGATE_LIMITS, ...limits };
  }

  /** Counts one event of `stage` and returns the aggregate it was counted in. */
  record(stage: string, outcome: StageOutcome, latencyMs: number): StageAggregate {
    const aggregate = this.#stages.get(stage) ?? this.#addStage(stage);
    aggregate.count += 1;
    if (outcome === 'ok') aggregate.ok += 1;
    else if (outcome === 'rejected') {
      aggregate.rejected += 1;
      this.rejectedEvents += 1;
    } else {
      aggregate.error += 1;
      this.errorEvents += 1;
    }
    aggregate.sumMs += latencyMs;
    if (latencyMs > aggregate.maxMs) aggregate.maxMs = latencyMs;
    aggregate.histogram.recordMs(latencyMs);
    return aggregate;
  }

  /** Counts one event of `aggregate` ended with `outcome` for `reason`, within the reason cap. */
  countReason(aggregate: StageAggregate, outcome: StageOutcome, reason: string): void {
    const { reasons } = aggregate;
    const key = `${outcome}\u0000${reason}`;
    const seen = reasons.get(key);
    if (seen !== undefined) reasons.set(key, seen + 1);
    else if (reasons.size < this.limits.maxReasonsPerStage) reasons.set(key, 1);
    else {
      const other = `${outcome}\u0000${OTHER_REASONS}`;
      reasons.set(other, (reasons.get(other) ?? 0) + 1);
    }
  }

  /** The stages in first-seen order. */
  stages(): IterableIterator<StageAggregate> {
    return this.#stages.values();
  }

  /** Reason rows, most frequent first (ties in first-seen order). */
  reasonRows(): ReasonRow[] {
    const rows: ReasonRow[] = [];
    for (const s of this.#stages.values()) {
      for (const [key, count] of s.reasons) {
        const split = key.indexOf('\u0000');
        rows.push({
          stage: s.stage,
          outcome: key.slice(0, split) as StageOutcome,
          reason: key.slice(split + 1),
          count,
        });
      }
    }
    return rows.sort((a, b) => b.count - a.count);
  }

  #addStage(name: string): StageAggregate {
    if (this.#stages.size >= this.limits.maxStages) {
      const other = this.#stages.get(OTHER_STAGES);
      if (other !== undefined) return other;
      name = OTHER_STAGES;
    }
    const aggregate: StageAggregate = {
      stage: name,
      ordinal: this.#stages.size,
      count: 0,
      ok: 0,
      rejected: 0,
      error: 0,
      sumMs: 0,
      maxMs: 0,
      histogram: new LatencyHistogram(),
      reasons: new Map(),
    };
    this.#stages.set(name, aggregate);
    return aggregate;
  }
}
