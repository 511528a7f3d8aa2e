// A stage's recording handle for a loop's hot path: what record() does for one event of a known stage, with
// the stage's aggregates and the writer thread's ids looked up once, and one event object refilled.
import { MetricsError } from './errors.js';
import type { MetricsLineWriter } from './rotating-ndjson-writer.js';
import type { StageOutcome } from './schema.js';
import { formatStageEventLine, reusableStageEvent, type StageEvent } from './stage-event.js';
import { encodeStageEvent } from './stage-event-encoder.js';
import {
  eventFieldsValid,
  MAX_ATTR_KEY,
  MAX_NAME,
  type StageEventCheck,
  type StageEventInput,
} from './stage-event-input.js';
import type { StageAggregate, StageMetricsCollector } from './stage-metrics-collector.js';
import { LaneWrite, type ThreadedNdjsonWriter } from './threaded-ndjson-writer.js';

/**
 * Records the events of one stage, each as `recorder.record()` would (the same aggregates, lines and checks),
 * with the work that is the same for every event done once: a loop's hot path. Made by
 * {@link MetricsRecorder.stageLane}. Arguments are positional, so no event object is made per call.
 *
 * @example
 * const exec = metrics.stageLane('exec', ['orders', 'fills']);
 * exec.record(ts, step, 'ok', latencyMs); // no attrs
 * exec.recordWith([2, 1], ts, step, 'ok', latencyMs); // attrs { orders: 2, fills: 1 }
 */
export interface StageLane {
  /** The stage every event of this lane has. */
  readonly stage: string;
  /** The attribute keys {@link recordWith} gives values for, in order. */
  readonly attrKeys: readonly string[];
  /** Records one event without attributes: as `record({ ts, step, stage, outcome, latency_ms, reason, detail })`. */
  record(
    ts: number,
    step: number,
    outcome: StageOutcome,
    latencyMs: number,
    reason?: string,
    detail?: string,
  ): void;
  /**
   * Records one event whose attributes are {@link attrKeys} with `values` (the same order; numbers): as
   * `record({ ..., attrs: { [attrKeys[0]]: values[0], ... } })`. `values` is read before this returns.
   */
  recordWith(
    values: ArrayLike<number>,
    ts: number,
    step: number,
    outcome: StageOutcome,
    latencyMs: number,
    reason?: string,
    detail?: string,
  ): void;
}

/** @internal What a lane uses of its recorder. */
export interface StageLaneHost {
  readonly collector: StageMetricsCollector;
  readonly input: StageEventCheck;
  /** The writer thread's loop-side half, when lines go through it. */
  readonly threaded: ThreadedNdjsonWriter | undefined;
  readonly writer: MetricsLineWriter | undefined;
  /** `record()`: the path of an event the lane does not take itself (invalid, or kept by the collector). */
  record(event: StageEventInput): void;
}

/** The values of a `recordWith()` given none: too short for any key, so each is reported. */
const MISSING_VALUES: ArrayLike<number> = Object.freeze([]);

/** @internal The {@link StageLane} of a {@link MetricsRecorder}. */
export class RecorderStageLane implements StageLane {
  readonly attrKeys: readonly string[];
  /** The one event this lane refills (the collector keeps no event while the lane uses it). */
  readonly event: StageEvent = reusableStageEvent();
  /** The attrs object of `event` in {@link recordWith}: the lane's keys, in order. */
  private readonly attrs: Record<string, number> = {};
  /** The writer thread's ids of the stage and of the key set (-1: not known yet). */
  readonly ids = { stage: -1, shape: -1 };
  aggregate: StageAggregate | undefined;
  /** The writer thread's aggregate slot for this stage (-1: none; undefined: not asked yet). */
  threadSlot: number | undefined;

  constructor(
    readonly host: StageLaneHost,
    readonly stage: string,
    attrKeys: readonly string[],
  ) {
    if (typeof stage !== 'string' || stage.length === 0 || stage.length > MAX_NAME) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        `stage lane: stage must be a string of 1 to ${MAX_NAME} characters, got ${JSON.stringify(String(stage).slice(0, 64))}`,
        { context: { option: 'stage' } },
      );
    }
    const keys = [...attrKeys];
    for (const key of keys) {
      if (typeof key !== 'string' || key.length > MAX_ATTR_KEY) {
        throw new MetricsError(
          'LOOP_METRICS_OPTION_INVALID',
          `stage lane ${JSON.stringify(stage)}: attribute key ${JSON.stringify(String(key).slice(0, 80))} is not a string of at most ${MAX_ATTR_KEY} characters`,
          { context: { option: 'attrKeys' } },
        );
      }
      if (Object.hasOwn(this.attrs, key)) {
        throw new MetricsError(
          'LOOP_METRICS_OPTION_INVALID',
          `stage lane ${JSON.stringify(stage)}: attribute key ${JSON.stringify(key)} is given twice`,
          { context: { option: 'attrKeys' } },
        );
      }
      // defineProperty: a key such as `__proto__` is a property, as in an attrs literal made with it.
      Object.defineProperty(this.attrs, key, {
        value: 0,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    this.attrKeys = Object.freeze(keys);
    this.event.stage = stage;
  }

  record(
    ts: number,
    step: number,
    outcome: StageOutcome,
    latencyMs: number,
    reason?: string,
    detail?: string,
  ): void {
    this.fillAndPut(undefined, ts, step, outcome, latencyMs, reason, detail);
  }

  recordWith(
    values: ArrayLike<number>,
    ts: number,
    step: number,
    outcome: StageOutcome,
    latencyMs: number,
    reason?: string,
    detail?: string,
  ): void {
    // No list at all (a JavaScript caller) is reported as a value missing for each key, as record() would.
    this.fillAndPut(values ?? MISSING_VALUES, ts, step, outcome, latencyMs, reason, detail);
  }

  /** Fills the lane's event (attrs: the lane's object when `values` are given) and records it. */
  private fillAndPut(
    values: ArrayLike<number> | undefined,
    ts: number,
    step: number,
    outcome: StageOutcome,
    latencyMs: number,
    reason: string | undefined,
    detail: string | undefined,
  ): void {
    const event = this.event;
    event.ts = ts;
    event.step = step;
    event.outcome = outcome;
    event.latency_ms = latencyMs;
    event.reason = reason;
    event.detail = detail;
    event.attrs = values === undefined ? undefined : this.attrs;
    this.put(values);
  }

  /** Records the lane's event as record() or recordWith() filled it (attrs: `values`). */
  private put(values: ArrayLike<number> | undefined): void {
    const host = this.host;
    const collector = host.collector;
    const event = this.event;
    // record()'s checks (the stage and keys were checked once); anything else, and an event the collector
    // would keep, takes record() itself.
    if (!(eventFieldsValid(event) && (values === undefined || this.valid(values))) || collector.keepsEvents) {
      host.record(this.eventOf(values));
      return;
    }
    host.input.step = event.step;
    this.aggregate ??= collector.aggregate(this.stage);
    const aggregate = this.aggregate;
    const threaded = host.threaded;
    if (threaded !== undefined) {
      // The thread aggregates the latency and outcome of an event without a reason that is not among the
      // slowest so far; the rest (reasons, the slowest) are kept here, in the order they come.
      const slot =
        event.reason === undefined && !aggregate.slowest.accepts(event.latency_ms)
          ? (this.threadSlot ?? this.askThreadSlot(threaded, aggregate))
          : -1;
      const written = threaded.writeLaneEvent(event, this.ids, values, this.attrKeys.length, slot);
      if (written === LaneWrite.AGGREGATED) {
        collector.stageEventsCount++;
        return;
      }
      if (written === LaneWrite.TAKEN) {
        collector.recordIn(aggregate, event);
        return;
      }
    }
    collector.recordIn(aggregate, event);
    // The line is encoded from the event: its attrs object gets the values.
    if (values !== undefined) this.fill(values);
    if (threaded !== undefined) {
      threaded.writeStageEvent(event);
      threaded.learnLaneIds(this.stage, values === undefined ? undefined : this.attrKeys, this.ids);
    } else host.writer?.writeEncoded(event, encodeStageEvent, formatStageEventLine);
  }

  /** This stage's slot in the writer thread's aggregates (-1: none), joined to the stage's aggregate. */
  askThreadSlot(threaded: ThreadedNdjsonWriter, aggregate: StageAggregate): number {
    // Another lane of the same stage may have joined it already.
    aggregate.thread ??= threaded.aggregateOf(this.stage);
    this.threadSlot = aggregate.thread?.slot ?? -1;
    return this.threadSlot;
  }

  /** True when `values` has a finite number for every key. */
  private valid(values: ArrayLike<number>): boolean {
    const n = this.attrKeys.length;
    if (values === null || typeof values !== 'object' || values.length < n) return false;
    for (let k = 0; k < n; k++) {
      const value = values[k];
      if (typeof value !== 'number' || value - value !== 0) return false;
    }
    return true;
  }

  /** Copies `values` (valid) into the lane's attrs object. */
  private fill(values: ArrayLike<number>): void {
    const keys = this.attrKeys;
    const attrs = this.attrs;
    for (let k = 0; k < keys.length; k++) attrs[keys[k]!] = values[k]!;
  }

  /** The lane's event as an object of its own (attrs: `values`), for record(): nothing of the lane's is kept. */
  private eventOf(values: ArrayLike<number> | undefined): StageEventInput {
    const { ts, step, outcome, latency_ms, reason, detail } = this.event;
    const event: StageEventInput = { ts, step, stage: this.stage, outcome, latency_ms };
    if (reason !== undefined) event.reason = reason;
    if (detail !== undefined) event.detail = detail;
    if (values !== undefined) {
      const attrs: Record<string, unknown> = {};
      const keys = this.attrKeys;
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k]!;
        // `__proto__` as a property of its own, as in an attrs literal made with it.
        if (key === '__proto__') {
          Object.defineProperty(attrs, key, {
            value: values?.[k],
            writable: true,
            enumerable: true,
            configurable: true,
          });
        } else attrs[key] = values?.[k];
      }
      event.attrs = attrs as StageEvent['attrs'];
    }
    return event;
  }
}
