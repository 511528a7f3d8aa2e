// The timing API: metrics.stage(name, fn) and metrics.start(name).end(), on the recorder's clock.
import type { InputReporter } from './input-report.js';
import type { StageOutcome } from './schema.js';
import type { StageEvent } from './stage-event.js';

/** Attributes of a stage event: finite numbers or strings (at most 256 characters, keys at most 64). */
export type StageAttrs = Record<string, number | string>;

/** How a stage ended, for {@link StageTimer.end}. Every field is optional: by default `ok`. */
export interface StageResult {
  outcome?: StageOutcome;
  reason?: string;
  detail?: string;
  attrs?: StageAttrs;
}

/** Options of `metrics.stage()` and `metrics.start()`. */
export interface StageOptions {
  /** The event's step; default the recorder's current step. */
  step?: number;
  /** Attributes recorded with the event (merged with those given to ok/reject/error). */
  attrs?: StageAttrs;
}

/** What the function given to `metrics.stage()` gets: sets the outcome the event will be recorded with. */
export interface StageScope {
  /** The stage's name. */
  readonly stage: string;
  /** The step the event will carry. */
  readonly step: number;
  /** Outcome `ok` (the default), with an optional reason, detail and attributes. */
  ok(reason?: string, detail?: string, attrs?: StageAttrs): void;
  /** Outcome `rejected` (an expected trading outcome, e.g. a risk limit), with its reason. */
  reject(reason: string, detail?: string, attrs?: StageAttrs): void;
  /** Outcome `error`, with its reason (a thrown error records this by itself). */
  error(reason: string, detail?: string, attrs?: StageAttrs): void;
}

/** A running stage from `metrics.start()`: end it once with {@link StageTimer.end}. */
export interface StageTimer extends StageScope {
  /**
   * Records the stage event (latency = now - start on the recorder's clock) and returns the latency in ms.
   * `result` overrides what ok/reject/error set. A second `end()` is a caller error: reported (strict:
   * `LOOP_METRICS_TIMER_ENDED` thrown), not recorded again; it returns the first latency.
   */
  end(result?: StageResult): number;
}

/**
 * Hooks a tracer into `metrics.stage()` / `metrics.start()` (see `@loop/metrics/otel`'s `otelStageTracer`):
 * each stage gets a span, active while the stage's function runs (across `await`), ended with the event.
 */
export interface StageTracer {
  /** Starts the span of a stage (a child of the active one). */
  startStage(stage: string, step: number): StageSpan;
}

/** The span of one stage, from a {@link StageTracer}. */
export interface StageSpan {
  /** Runs `fn` with this span active and returns its result. */
  run<T>(fn: () => T): T;
  /** Ends the span with the recorded event (outcome, reason, latency); `thrown` when the stage threw. */
  end(event: StageEvent, thrown?: unknown): void;
}

/** What a timer needs of its recorder. */
export interface StageTimingHost {
  /** Ms clock latencies are measured with. */
  readonly clock: () => number;
  /** Ms since the epoch, for `ts`. */
  readonly now: () => number;
  /** The current step. */
  currentStep(): number;
  /** Records a finished event. */
  record(event: StageEvent): void;
  readonly reporter: InputReporter;
  readonly tracer: StageTracer | undefined;
}

/** The reason recorded for a thrown value: its string `code`, else its `name` (`Error`, `TypeError`, ...). */
export function reasonOfThrown(thrown: unknown): string {
  if (typeof thrown === 'object' && thrown !== null) {
    const code = (thrown as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code.slice(0, 256);
    if (typeof code === 'number') return String(code);
    const name = (thrown as { name?: unknown }).name;
    if (typeof name === 'string' && name.length > 0) return name.slice(0, 256);
  }
  return 'THROWN';
}

function detailOfThrown(thrown: unknown): string {
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  return text.length > 4096 ? text.slice(0, 4096) : text;
}

/** One running stage (the scope of `metrics.stage()`, the timer of `metrics.start()`). */
export class RunningStage implements StageTimer {
  private outcome: StageOutcome = 'ok';
  private reason: string | undefined = undefined;
  private detail: string | undefined = undefined;
  private attrs: StageAttrs | undefined;
  private latency = 0;
  private ended = false;
  readonly step: number;
  private readonly ts: number;
  private readonly startedAt: number;
  /** @internal the tracer's span, if any. */
  readonly span: StageSpan | undefined;

  constructor(
    private readonly host: StageTimingHost,
    readonly stage: string,
    options: StageOptions | undefined,
  ) {
    this.step = options?.step ?? host.currentStep();
    this.attrs = options?.attrs;
    this.span = host.tracer?.startStage(stage, this.step);
    this.ts = host.now();
    this.startedAt = host.clock();
  }

  ok(reason?: string, detail?: string, attrs?: StageAttrs): void {
    this.set('ok', reason, detail, attrs);
  }

  reject(reason: string, detail?: string, attrs?: StageAttrs): void {
    this.set('rejected', reason, detail, attrs);
  }

  error(reason: string, detail?: string, attrs?: StageAttrs): void {
    this.set('error', reason, detail, attrs);
  }

  end(result?: StageResult): number {
    if (this.ended) {
      this.host.reporter.report(
        'timer',
        'LOOP_METRICS_TIMER_ENDED',
        `stage timer ${JSON.stringify(this.stage)} (step ${this.step}) ended twice`,
        'the second end() is not recorded',
        { stage: this.stage, step: this.step },
      );
      return this.latency;
    }
    if (result !== undefined) {
      this.set(result.outcome ?? 'ok', result.reason, result.detail, result.attrs);
    }
    return this.finish(undefined);
  }

  /** @internal Ends the stage as an error for a thrown value or rejected promise (not reported as misuse). */
  fail(thrown: unknown): void {
    if (this.ended) return;
    this.set('error', reasonOfThrown(thrown), detailOfThrown(thrown), undefined);
    this.finish(thrown);
  }

  /** @internal Ends the stage after its function returned (an ok/reject/error call decides the outcome). */
  done(): void {
    if (!this.ended) this.finish(undefined);
  }

  private set(outcome: StageOutcome, reason?: string, detail?: string, attrs?: StageAttrs): void {
    this.outcome = outcome;
    this.reason = reason;
    this.detail = detail;
    if (attrs !== undefined) this.attrs = this.attrs === undefined ? attrs : { ...this.attrs, ...attrs };
  }

  private finish(thrown: unknown): number {
    this.ended = true;
    // A clock that steps back (a simulated one reset) gives 0, not a negative latency.
    this.latency = Math.max(0, this.host.clock() - this.startedAt);
    const event: StageEvent = {
      ts: this.ts,
      step: this.step,
      stage: this.stage,
      outcome: this.outcome,
      latency_ms: this.latency,
    };
    if (this.reason !== undefined) event.reason = this.reason;
    if (this.detail !== undefined) event.detail = this.detail;
    if (this.attrs !== undefined) event.attrs = this.attrs;
    const span = this.span;
    // The common case, no tracer: no try/finally on the hot path.
    if (span === undefined) {
      this.host.record(event);
      return this.latency;
    }
    try {
      this.host.record(event);
    } finally {
      span.end(event, thrown);
    }
    return this.latency;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs `fn` as stage `name` and records its event: outcome `ok` unless `fn` called reject/error, `error`
 * (reason: the error's code or name) if it threw or its promise rejected, which is then rethrown. Returns
 * what `fn` returns (a promise for an async `fn`, settled after the event is recorded).
 */
export function runStage<T>(
  host: StageTimingHost,
  name: string,
  fn: (scope: StageScope) => T,
  options?: StageOptions,
): T {
  const running = new RunningStage(host, name, options);
  let result: T;
  try {
    result = running.span === undefined ? fn(running) : running.span.run(() => fn(running));
  } catch (thrown) {
    running.fail(thrown);
    throw thrown;
  }
  // Sync: settled here. A native promise is awaited as it is; another thenable is adopted first.
  if (!isPromiseLike(result)) {
    running.done();
    return result;
  }
  const promise = result instanceof Promise ? result : Promise.resolve(result);
  return promise.then(
    (value: unknown) => {
      running.done();
      return value;
    },
    (thrown: unknown) => {
      running.fail(thrown);
      throw thrown;
    },
  ) as T;
}
