// Several stage lanes recorded together, one `ok` event each, from typed arrays: a loop step whose stages all
// went well (the common case) in one call, with one room check in the writer thread's ring.
import { MetricsError } from './errors.js';
import { RecorderStageLane, type StageLane, type StageLaneHost } from './stage-lane.js';
import type { ThreadedNdjsonWriter } from './threaded-ndjson-writer.js';
import { EVENT_MAX_ATTRS } from './writer-thread-layout.js';

/** Most lanes in one {@link StepLanes}. */
export const MAX_STEP_LANES = 16;

/**
 * Lanes of one loop step, recorded together: the caller fills each lane's time, latency and (for a lane with
 * attribute keys) values into the typed arrays, then {@link recordOk} records lanes `0..count-1` as `ok`
 * events of the step, in order, exactly as each lane's `record()` / `recordWith()` would (the same lines,
 * summary, warnings and strict-mode throws). Reading numbers from typed arrays and writing the events in one
 * go makes it the cheapest way to record a step. An event with a reason or a detail is not `ok` or not plain:
 * record it on its lane. Made by {@link MetricsRecorder.stepLanes}.
 *
 * @example
 * const step = metrics.stepLanes([metrics.stageLane('strategy'), metrics.stageLane('exec', ['orders'])]);
 * step.ts[0] = t1; step.latencyMs[0] = 0.2;
 * step.ts[1] = t2; step.latencyMs[1] = 0.5; step.values[1]![0] = 2; step.withValues[1] = 1;
 * step.recordOk(stepNumber); // strategy ok, then exec ok with { orders: 2 }
 */
export interface StepLanes {
  /** The lanes, in the order their events are recorded. */
  readonly lanes: readonly StageLane[];
  /** Lane i's event time, ms since the epoch. */
  readonly ts: Float64Array;
  /** Lane i's latency, ms. */
  readonly latencyMs: Float64Array;
  /** Lane i's attribute values, one per key of its `attrKeys` (empty for a lane without keys). */
  readonly values: readonly Float64Array[];
  /** Not 0: lane i's event has its attributes (`values[i]`); 0: none. */
  readonly withValues: Uint8Array;
  /**
   * Records lanes `0..count-1` (default all) as `ok` events of `step`, in order: lane i as
   * `lanes[i].recordWith(values[i], ts[i], step, 'ok', latencyMs[i])` when `withValues[i]` is not 0, else
   * `lanes[i].record(ts[i], step, 'ok', latencyMs[i])`. The arrays are read before this returns.
   */
  recordOk(step: number, count?: number): void;
}

/** @internal The {@link StepLanes} of a {@link MetricsRecorder}. */
export class RecorderStepLanes implements StepLanes {
  readonly lanes: readonly RecorderStageLane[];
  readonly ts: Float64Array;
  readonly latencyMs: Float64Array;
  readonly values: readonly Float64Array[];
  readonly withValues: Uint8Array;
  /** The writer thread's ids of the lanes' stages and key sets, and their aggregate slots, for the ring. */
  private readonly stageIds: Int32Array;
  private readonly shapeIds: Int32Array;
  private readonly slots: Int32Array;
  /** Each event's slot as given to the ring (-1: aggregated here), refilled each call. */
  private readonly wanted: Int32Array;
  /** Each lane's slowest events' threshold as last seen (see SlowestEvents.threshold). */
  private readonly thresholds: Float64Array;
  /** Lanes `0..known-1` have their ids, slots and thresholds here. */
  private known = 0;
  /** False when a lane has more keys than an event entry carries: each event then goes through its lane. */
  private readonly fits: boolean;

  constructor(
    private readonly host: StageLaneHost,
    lanes: readonly StageLane[],
  ) {
    const list = [...lanes];
    if (list.length === 0 || list.length > MAX_STEP_LANES) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        `step lanes: give 1 to ${MAX_STEP_LANES} lanes, got ${list.length}`,
        { context: { option: 'lanes' } },
      );
    }
    for (const lane of list) {
      if (!(lane instanceof RecorderStageLane) || lane.host !== host) {
        throw new MetricsError(
          'LOOP_METRICS_OPTION_INVALID',
          'step lanes: every lane must come from this recorder’s stageLane()',
          { context: { option: 'lanes' } },
        );
      }
    }
    const n = list.length;
    this.lanes = Object.freeze(list as RecorderStageLane[]);
    this.ts = new Float64Array(n);
    this.latencyMs = new Float64Array(n);
    this.values = Object.freeze(list.map((lane) => new Float64Array(lane.attrKeys.length)));
    this.withValues = new Uint8Array(n);
    this.stageIds = new Int32Array(n);
    this.shapeIds = new Int32Array(n);
    this.slots = new Int32Array(n);
    this.wanted = new Int32Array(n);
    this.thresholds = new Float64Array(n);
    this.fits = list.every((lane) => lane.attrKeys.length <= EVENT_MAX_ATTRS);
  }

  recordOk(step: number, count = this.lanes.length): void {
    if (!(Number.isInteger(count) && count >= 0 && count <= this.lanes.length)) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        `step lanes: count must be a whole number from 0 to ${this.lanes.length}, got ${count}`,
        { context: { option: 'count' } },
      );
    }
    if (!this.writeTogether(step, count)) this.recordEach(step, count);
  }

  /** The events through their lanes, one by one (the path of anything the ring write does not take). */
  private recordEach(step: number, count: number): void {
    const lanes = this.lanes;
    for (let i = 0; i < count; i++) {
      if (this.withValues[i] !== 0) {
        lanes[i]!.recordWith(this.values[i]!, this.ts[i]!, step, 'ok', this.latencyMs[i]!);
      } else lanes[i]!.record(this.ts[i]!, step, 'ok', this.latencyMs[i]!);
    }
  }

  /**
   * The events in one write to the writer thread's ring, when every number is valid, the thread writes and
   * knows each lane's ids, and the collector keeps no event; false, having recorded nothing, otherwise.
   */
  private writeTogether(step: number, count: number): boolean {
    const host = this.host;
    const threaded = host.threaded;
    const collector = host.collector;
    if (threaded === undefined || collector.keepsEvents || count === 0) return false;
    if (!(count <= this.known || this.learn(threaded, count))) return false;
    if (!(Number.isSafeInteger(step) && step >= 0)) return false;
    const ts = this.ts;
    const latencyMs = this.latencyMs;
    const withValues = this.withValues;
    const thresholds = this.thresholds;
    const slots = this.slots;
    const lanes = this.lanes;
    const wanted = this.wanted;
    for (let i = 0; i < count; i++) {
      const t = ts[i]!;
      const latency = latencyMs[i]!;
      // Finite ts, latency >= 0 and finite (record()'s checks on numbers).
      if (t - t !== 0 || !(latency >= 0 && latency - latency === 0)) return false;
      if (withValues[i] !== 0) {
        if (this.shapeIds[i]! < 0 && !this.learnShape(i)) return false;
        const values = this.values[i]!;
        for (let k = 0; k < values.length; k++) {
          const value = values[k]!;
          if (value - value !== 0) return false;
        }
      }
      // Among the slowest so far (or maybe: the threshold kept may be stale, never too high): kept here, in
      // order; the thread aggregates the rest.
      wanted[i] = latency > thresholds[i]! ? -1 : slots[i]!;
    }
    const aggregated = threaded.writeOkEvents(
      count,
      step,
      this.stageIds,
      this.shapeIds,
      wanted,
      ts,
      latencyMs,
      this.values,
      withValues,
    );
    if (aggregated < 0) return false;
    host.input.step = step;
    const all = count === 32 ? -1 : (1 << count) - 1;
    if (aggregated === all) {
      collector.stageEventsCount += count;
      return true;
    }
    for (let i = 0; i < count; i++) {
      if ((aggregated & (1 << i)) !== 0) {
        collector.stageEventsCount++;
        continue;
      }
      const lane = lanes[i]!;
      const event = lane.event;
      event.ts = ts[i]!;
      event.step = step;
      event.outcome = 'ok';
      event.latency_ms = latencyMs[i]!;
      event.reason = undefined;
      event.detail = undefined;
      event.attrs = undefined;
      const aggregate = lane.aggregate!;
      collector.recordIn(aggregate, event);
      thresholds[i] = aggregate.slowest.threshold();
    }
    return true;
  }

  /**
   * Takes the writer thread's ids and aggregate slots of lanes `known..count-1` once their first events went
   * through them; false while one is not known yet (or the lanes' events are too wide for an entry).
   */
  private learn(threaded: ThreadedNdjsonWriter, count: number): boolean {
    if (!this.fits) return false;
    const lanes = this.lanes;
    for (let i = this.known; i < count; i++) {
      const lane = lanes[i]!;
      const aggregate = lane.aggregate;
      if (lane.ids.stage < 0 || aggregate === undefined) return false;
      this.stageIds[i] = lane.ids.stage;
      this.shapeIds[i] = lane.ids.shape;
      this.slots[i] = lane.threadSlot ?? lane.askThreadSlot(threaded, aggregate);
      this.thresholds[i] = aggregate.slowest.threshold();
      this.known = i + 1;
    }
    return true;
  }

  /** Takes lane i's key set id once an event with its values went through it; false until then. */
  private learnShape(i: number): boolean {
    const shape = this.lanes[i]!.ids.shape;
    this.shapeIds[i] = shape;
    return shape >= 0;
  }
}
