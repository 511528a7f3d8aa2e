// A stage event as record() accepts it (ts, step, latency optional), completed with defaults and checked.
import type { InputReporter } from './input-report.js';
import type { StageEvent } from './stage-event.js';

/**
 * What `record()` accepts: a {@link StageEvent} whose `ts` (default: the recorder's `now()`), `step`
 * (default: the recorder's current step) and `latency_ms` (default 0) may be left out.
 */
export type StageEventInput = Omit<StageEvent, 'ts' | 'step' | 'latency_ms'> & {
  /** Ms since the epoch on the caller's clock; default the recorder's `now()`. */
  ts?: number;
  /** Loop step; default the recorder's current step ({@link MetricsRecorder.step}). */
  step?: number;
  /** Latency in ms; default 0. */
  latency_ms?: number;
};

/** Longest stage / reason (256), detail (4096), attribute key (64) and text value (256): the line schema's limits. */
export const MAX_NAME = 256;
const MAX_DETAIL = 4096;
export const MAX_ATTR_KEY = 64;
const MAX_ATTR_TEXT = 256;

/** True when every attribute is a finite number or a short string under a short key (checked in place). */
function attrsValid(attrs: NonNullable<StageEvent['attrs']>): boolean {
  if (typeof attrs !== 'object' || attrs === null) return false;
  for (const key in attrs) {
    const value = attrs[key];
    if (key.length > MAX_ATTR_KEY) return false;
    if (typeof value === 'number') {
      if (value - value !== 0) return false;
    } else if (typeof value !== 'string' || value.length > MAX_ATTR_TEXT) return false;
  }
  return true;
}

/**
 * True when an event's ts, step, outcome, latency, reason and detail are as the line schema takes them (its
 * stage and attrs are checked apart): `record()`'s check, and a stage lane's.
 */
export function eventFieldsValid(event: StageEventInput): boolean {
  const { ts, step, outcome, latency_ms: latency, reason, detail } = event;
  return (
    typeof ts === 'number' &&
    ts - ts === 0 &&
    typeof step === 'number' &&
    Number.isSafeInteger(step) &&
    step >= 0 &&
    (outcome === 'ok' || outcome === 'rejected' || outcome === 'error') &&
    typeof latency === 'number' &&
    latency >= 0 &&
    latency !== Number.POSITIVE_INFINITY &&
    (reason === undefined || (typeof reason === 'string' && reason.length <= MAX_NAME)) &&
    (detail === undefined || (typeof detail === 'string' && detail.length <= MAX_DETAIL))
  );
}

/** The reason given to an event whose outcome was not one of the three (it is recorded as an error). */
export const INVALID_EVENT_REASON = 'INVALID_EVENT';

/**
 * Completes and checks stage events for the recorder: fills `ts`, `step` and `latency_ms`, and reports
 * (strict: throws) each invalid field instead of rewriting it silently. Keeps the current step.
 */
export class StageEventCheck {
  /** The step events without one get; an explicit step sets it, {@link advanceStep} adds one. */
  step: number;

  constructor(
    private readonly now: () => number,
    private readonly reporter: InputReporter,
    firstStep = 1,
  ) {
    this.step = firstStep;
  }

  /** Moves to the next step (the recorder's `endStep()`). */
  advanceStep(): void {
    this.step++;
  }

  /**
   * The event itself when it is complete and valid (the common case: no allocation), else a completed,
   * repaired copy, each problem reported. Strict mode throws at the first problem.
   */
  check(event: StageEventInput): StageEvent {
    const stage = event.stage;
    if (
      eventFieldsValid(event) &&
      typeof stage === 'string' &&
      stage.length > 0 &&
      stage.length <= MAX_NAME &&
      (event.attrs === undefined || attrsValid(event.attrs))
    ) {
      this.step = event.step as number;
      return event as StageEvent;
    }
    return this.complete(event);
  }

  private complete(event: StageEventInput): StageEvent {
    const where = `stage ${JSON.stringify(event.stage)}`;
    const out: StageEvent = {
      ts: 0,
      step: 0,
      stage: 'unknown',
      outcome: 'ok',
      latency_ms: 0,
    };
    if (event.ts === undefined) out.ts = this.now();
    else if (typeof event.ts === 'number' && Number.isFinite(event.ts)) out.ts = event.ts;
    else {
      out.ts = this.now();
      this.reporter.report(
        'ts',
        'LOOP_METRICS_EVENT_INVALID',
        `stage event ts ${String(event.ts)} is not a finite number (${where})`,
        "recorded with the recorder's now()",
        { field: 'ts', value: event.ts },
      );
    }
    if (event.step === undefined) out.step = this.step;
    else if (Number.isSafeInteger(event.step) && event.step >= 0) out.step = this.step = event.step;
    else {
      out.step = this.step;
      this.reporter.report(
        'step',
        'LOOP_METRICS_EVENT_INVALID',
        `stage event step ${String(event.step)} is not an integer >= 0 (${where})`,
        `recorded at the current step ${this.step}`,
        { field: 'step', value: event.step },
      );
    }
    if (typeof event.stage === 'string' && event.stage.length > 0) {
      out.stage = this.text(event.stage, 'stage', MAX_NAME);
    } else {
      this.reporter.report(
        'stage',
        'LOOP_METRICS_EVENT_INVALID',
        `stage event without a stage name (stage ${JSON.stringify(event.stage) ?? 'undefined'})`,
        'recorded as stage "unknown"',
        { field: 'stage', value: event.stage },
      );
    }
    if (event.latency_ms === undefined) out.latency_ms = 0;
    else if (
      typeof event.latency_ms === 'number' &&
      event.latency_ms >= 0 &&
      event.latency_ms !== Number.POSITIVE_INFINITY
    ) {
      out.latency_ms = event.latency_ms;
    } else {
      this.reporter.report(
        'latency',
        'LOOP_METRICS_EVENT_INVALID',
        `stage event latency_ms ${String(event.latency_ms)} is not a finite number >= 0 (${where})`,
        'recorded with latency 0',
        { field: 'latency_ms', value: event.latency_ms },
      );
    }
    let reason = event.reason === undefined ? undefined : this.text(event.reason, 'reason', MAX_NAME);
    let detail = event.detail === undefined ? undefined : this.text(event.detail, 'detail', MAX_DETAIL);
    const outcome = event.outcome as unknown;
    if (outcome === 'ok' || outcome === 'rejected' || outcome === 'error') out.outcome = outcome;
    else {
      this.reporter.report(
        'outcome',
        'LOOP_METRICS_EVENT_INVALID',
        `stage event outcome ${JSON.stringify(outcome) ?? 'undefined'} is not ok, rejected or error (${where})`,
        `recorded as outcome "error", reason ${INVALID_EVENT_REASON}, the given outcome and reason in detail`,
        { field: 'outcome', value: outcome },
      );
      out.outcome = 'error';
      detail = `outcome=${String(outcome)}${reason === undefined ? '' : ` reason=${reason}`}${detail === undefined ? '' : ` ${detail}`}`;
      detail = detail.slice(0, MAX_DETAIL);
      reason = INVALID_EVENT_REASON;
    }
    if (reason !== undefined) out.reason = reason;
    if (detail !== undefined) out.detail = detail;
    if (event.attrs !== undefined) {
      const attrs = this.attrs(event.attrs, where);
      if (attrs !== undefined) out.attrs = attrs;
    }
    return out;
  }

  private text(value: unknown, field: string, max: number): string {
    if (typeof value === 'string' && value.length <= max) return value;
    const text = typeof value === 'string' ? value : String(value);
    this.reporter.report(
      'text',
      'LOOP_METRICS_EVENT_INVALID',
      typeof value === 'string'
        ? `stage event ${field} is ${value.length} characters, more than ${max}`
        : `stage event ${field} is a ${typeof value}, not a string`,
      text.length > max ? `recorded cut to ${max} characters` : 'recorded as its string form',
      { field, value: text.slice(0, 64) },
    );
    return text.slice(0, max);
  }

  private attrs(attrs: StageEvent['attrs'], where: string): StageEvent['attrs'] {
    if (typeof attrs !== 'object' || attrs === null) {
      this.reporter.report(
        'attrs',
        'LOOP_METRICS_EVENT_INVALID',
        `stage event attrs is a ${attrs === null ? 'null' : typeof attrs}, not an object (${where})`,
        'recorded without attrs',
        { field: 'attrs' },
      );
      return undefined;
    }
    const out: NonNullable<StageEvent['attrs']> = {};
    for (const key in attrs) {
      const value = attrs[key] as unknown;
      const valid =
        key.length <= MAX_ATTR_KEY &&
        ((typeof value === 'number' && Number.isFinite(value)) ||
          (typeof value === 'string' && value.length <= MAX_ATTR_TEXT));
      if (valid) out[key] = value as number | string;
      else {
        this.reporter.report(
          'attrs',
          'LOOP_METRICS_EVENT_INVALID',
          `stage event attribute ${JSON.stringify(key.slice(0, MAX_ATTR_KEY))} = ${String(value).slice(0, 64)} is not a finite number or a string of at most ${MAX_ATTR_TEXT} characters under a key of at most ${MAX_ATTR_KEY} (${where})`,
          'recorded without that attribute',
          { field: `attrs.${key.slice(0, MAX_ATTR_KEY)}` },
        );
      }
    }
    return out;
  }
}
