// `@loop/metrics/otel`: OpenTelemetry both ways: spans carrying `loop.stage` become stage events, and stage() starts spans.
import {
  type Attributes,
  context,
  type Exception,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { StageOutcome } from './schema.js';
import type { StageEvent } from './stage-event.js';
import type { StageEventInput } from './stage-event-input.js';
import type { StageSpan, StageTracer } from './stage-timer.js';

/** Span attribute naming the Loop stage (`strategy`, `risk`, `exec`, ...): only spans with it become events. */
export const LOOP_STAGE_ATTRIBUTE = 'loop.stage';
/** Span attribute with the outcome (`ok`, `rejected`, `error`); default from the span status (ERROR -> `error`). */
export const LOOP_OUTCOME_ATTRIBUTE = 'loop.outcome';
/** Span attribute with the reason (e.g. `MAX_POSITION`); default for an error: the exception's type, else the status message. */
export const LOOP_REASON_ATTRIBUTE = 'loop.reason';
/** Span attribute with the detail text; default for an error: the status message. */
export const LOOP_DETAIL_ATTRIBUTE = 'loop.detail';
/** Span attribute with the loop step (an integer); default the recorder's current step. */
export const LOOP_STEP_ATTRIBUTE = 'loop.step';
/** Set (true) on spans that `metrics.stage()` made: their event is recorded already, the processor skips them. */
export const LOOP_RECORDED_ATTRIBUTE = 'loop.recorded';

type HrTime = [number, number];

/** What {@link LoopSpanProcessor} reads of an ended span: a structural subset of the SDK's `ReadableSpan`. */
export interface EndedSpan {
  readonly name: string;
  readonly attributes: Attributes;
  readonly status: { code: number; message?: string };
  readonly startTime: HrTime;
  readonly duration: HrTime;
  readonly events: ReadonlyArray<{ name: string; attributes?: Attributes }>;
}

/** Where the processor records: a `MetricsRecorder` (or anything with its `record`). */
export interface StageEventRecorder {
  record(event: StageEventInput): void;
}

/** Options of {@link LoopSpanProcessor}. */
export interface LoopSpanProcessorOptions {
  /** Span attributes copied into the event's `attrs` (numbers and strings), e.g. `['symbol', 'venue']`. */
  attributes?: string[];
}

const hrMs = (time: HrTime): number => time[0] * 1000 + time[1] / 1e6;

/**
 * A SpanProcessor (for `@opentelemetry/sdk-trace-base` / `sdk-trace-node` providers) that turns each ended
 * span carrying `loop.stage` into a Loop stage event: latency = the span's duration, `ts` = its start,
 * outcome from `loop.outcome` (else `error` for an ERROR status, else `ok`), reason from `loop.reason`
 * (else, for an error, the recorded exception's type or the status message), step from `loop.step`.
 * Spans without `loop.stage`, and those `metrics.stage()` made itself (`loop.recorded`), are ignored, so
 * nothing is counted twice. Never throws into the SDK: a bad value is reported by the recorder (counted
 * and warned; in `strict` mode the error is swallowed here, the event dropped, the problem still counted).
 */
export class LoopSpanProcessor {
  private readonly copied: string[];

  constructor(
    private readonly metrics: StageEventRecorder,
    options: LoopSpanProcessorOptions = {},
  ) {
    this.copied = options.attributes ?? [];
  }

  /** Nothing to do when a span starts. */
  onStart(): void {}

  /** Records the ended span's stage event, if it carries `loop.stage`. */
  onEnd(span: EndedSpan): void {
    const attributes = span.attributes;
    const stage = attributes[LOOP_STAGE_ATTRIBUTE];
    if (stage === undefined || attributes[LOOP_RECORDED_ATTRIBUTE] === true) return;
    const failed = span.status.code === SpanStatusCode.ERROR;
    const outcome = (attributes[LOOP_OUTCOME_ATTRIBUTE] ?? (failed ? 'error' : 'ok')) as StageOutcome;
    const event: StageEventInput = {
      ts: hrMs(span.startTime),
      stage: stage as string,
      outcome,
      latency_ms: hrMs(span.duration),
    };
    const step = attributes[LOOP_STEP_ATTRIBUTE];
    if (step !== undefined) event.step = step as number;
    const reason = attributes[LOOP_REASON_ATTRIBUTE] ?? (outcome === 'error' ? errorReason(span) : undefined);
    if (reason !== undefined) event.reason = String(reason);
    const detail = attributes[LOOP_DETAIL_ATTRIBUTE] ?? (failed ? span.status.message : undefined);
    if (detail !== undefined && detail !== '') event.detail = String(detail);
    if (this.copied.length > 0) {
      const attrs: Record<string, number | string> = {};
      for (const key of this.copied) {
        const value = attributes[key];
        if (typeof value === 'number' || typeof value === 'string') attrs[key] = value;
      }
      event.attrs = attrs;
    }
    try {
      this.metrics.record(event);
    } catch {
      // strict mode threw for a bad attribute value: the SDK must not see it (the recorder counted it).
    }
  }

  /** Nothing is buffered here (the recorder flushes on its own schedule). */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Does not close the recorder: the bot owns it. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function errorReason(span: EndedSpan): string {
  for (let i = span.events.length - 1; i >= 0; i--) {
    const event = span.events[i]!;
    const type = event.name === 'exception' ? event.attributes?.['exception.type'] : undefined;
    if (type !== undefined && type !== '') return String(type);
  }
  return span.status.message ? span.status.message.slice(0, 256) : 'SPAN_ERROR';
}

/**
 * A {@link StageTracer} for the recorder's `tracer` option: each `metrics.stage()` (and `start()`) also
 * starts an OpenTelemetry span named after the stage (child of the active span, attributes `loop.stage`,
 * `loop.step`), active while the stage's function runs, across `await` (with an async context manager,
 * e.g. the one `NodeTracerProvider.register()` installs). At the end the span gets `loop.outcome`,
 * `loop.reason`, `loop.recorded`, an ERROR status for an error (and the exception, if one was thrown).
 */
export function otelStageTracer(tracer: Tracer = trace.getTracer('@loop/metrics')): StageTracer {
  return {
    startStage(stage: string, step: number): StageSpan {
      return new OtelStageSpan(
        tracer.startSpan(stage, {
          attributes: { [LOOP_STAGE_ATTRIBUTE]: stage, [LOOP_STEP_ATTRIBUTE]: step },
        }),
      );
    },
  };
}

class OtelStageSpan implements StageSpan {
  constructor(private readonly span: Span) {}

  run<T>(fn: () => T): T {
    return context.with(trace.setSpan(context.active(), this.span), fn);
  }

  end(event: StageEvent, thrown?: unknown): void {
    const span = this.span;
    span.setAttribute(LOOP_OUTCOME_ATTRIBUTE, event.outcome);
    span.setAttribute(LOOP_RECORDED_ATTRIBUTE, true);
    if (event.reason !== undefined) span.setAttribute(LOOP_REASON_ATTRIBUTE, event.reason);
    if (event.outcome === 'error') {
      if (thrown !== undefined) span.recordException(thrown as Exception);
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.detail ?? event.reason });
    }
    span.end();
  }
}
