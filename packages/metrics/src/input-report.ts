// What the recorder does with a caller's invalid input: throw a typed error (strict), or count it and warn once per kind.
import { MetricsError, type MetricsErrorCode } from './errors.js';

/**
 * The kinds of invalid input the recorder reports, one counter each in the summary's `invalid_input`:
 * `outcome` (not `ok` / `rejected` / `error`), `stage` (missing, empty or not a string), `latency` (NaN,
 * infinite, negative or not a number), `ts` (not a finite number), `step` (not an integer >= 0), `text` (a
 * stage, reason, detail longer than the schema allows, or not a string), `attrs` (a key longer than 64, a
 * value neither a finite number nor a string of at most 256), `name` (a counter or gauge name that is not
 * Prometheus-compatible), `value` (a counter increment or gauge value that is NaN, infinite, or a negative
 * increment), `cardinality` (a new counter or gauge name beyond the limit), `timer` (a timer ended twice).
 */
export type InvalidInputKind =
  | 'outcome'
  | 'stage'
  | 'latency'
  | 'ts'
  | 'step'
  | 'text'
  | 'attrs'
  | 'name'
  | 'value'
  | 'cardinality'
  | 'timer';

/** One report of invalid input, as given to the `onWarning` option (once per kind). */
export interface MetricsWarning {
  /** What was wrong. */
  kind: InvalidInputKind;
  /** The code strict mode throws for it. */
  code: MetricsErrorCode;
  /** One line: what was wrong, what was recorded instead, where the rest is counted. */
  message: string;
}

/** Sends a warning to `process.emitWarning` (type `LoopMetricsWarning`, with the code): the default. */
export function emitMetricsWarning(warning: MetricsWarning): void {
  process.emitWarning(warning.message, { type: 'LoopMetricsWarning', code: warning.code });
}

/** A sink told of each invalid input the recorder counts (e.g. the Prometheus exporter's `invalid_input_total`). */
export interface InvalidInputSink {
  /** `by` more invalid inputs of `kind` (1 as they happen; the totals so far when the sink is added). */
  onInvalidInput?(kind: InvalidInputKind, by: number): void;
}

/**
 * Counts invalid input by kind and makes it visible: in strict mode as a thrown {@link MetricsError};
 * otherwise as one warning per kind (later ones are counted only, in the summary's `invalid_input`).
 */
export class InputReporter {
  private readonly counts = new Map<InvalidInputKind, number>();
  private readonly sinks: InvalidInputSink[] = [];
  constructor(
    /** Throw instead of counting. */
    readonly strict: boolean,
    private readonly onWarning: (warning: MetricsWarning) => void = emitMetricsWarning,
  ) {}

  /**
   * Reports one invalid input: counts it, then in strict mode throws `code` with `message` and
   * `{ kind, ...context }`; otherwise, on the first of its kind calls `onWarning` with `message` and `repaired` (what was done
   * instead); a throwing `onWarning` is ignored (observability never takes the loop down).
   */
  report(
    kind: InvalidInputKind,
    code: MetricsErrorCode,
    message: string,
    repaired: string,
    context: Record<string, unknown> = {},
  ): void {
    const seen = this.counts.get(kind) ?? 0;
    this.counts.set(kind, seen + 1);
    for (const sink of this.sinks) {
      try {
        sink.onInvalidInput!(kind, 1);
      } catch {
        // A failing sink must not turn a metric into an exception in the loop.
      }
    }
    // Counted in strict mode too: a caller that swallows the error (an OTel span processor) still shows it.
    if (this.strict) throw new MetricsError(code, message, { context: { kind, ...context } });
    if (seen > 0) return;
    const text = `@loop/metrics: ${message}; ${repaired}. Further ${kind} problems are only counted (summary invalid_input.${kind}); strict: true throws ${code}.`;
    try {
      this.onWarning({ kind, code, message: text });
    } catch {
      // A failing warning handler must not turn a metric into an exception in the loop.
    }
  }

  /** Adds a sink told of every later invalid input, after being given the counts so far. */
  addSink(sink: InvalidInputSink): void {
    if (!sink.onInvalidInput) return;
    for (const [kind, count] of this.counts) sink.onInvalidInput(kind, count);
    this.sinks.push(sink);
  }

  /** Invalid inputs by kind, or undefined when there were none (the summary then leaves the key out). */
  figures(): Record<string, number> | undefined {
    if (this.counts.size === 0) return undefined;
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
