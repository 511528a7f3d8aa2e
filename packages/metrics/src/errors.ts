// Errors of @loop/metrics: one class with a stable code per condition, and a guard that works across copies.

/** Stable codes of {@link MetricsError}. */
export type MetricsErrorCode =
  | 'LOOP_METRICS_OPTION_INVALID' // an option (rotation limit, histogram range, port) is out of range
  | 'LOOP_METRICS_WRITER_LOCKED' // another live process writes metrics to this run dir
  | 'LOOP_METRICS_OPEN_FAILED' // the run dir or the current NDJSON file cannot be opened at start
  | 'LOOP_METRICS_WRITE_FAILED' // a write, rotation or fsync failed (counted, never thrown into the loop)
  | 'LOOP_METRICS_ROTATE_FAILED' // renaming the current file to its `.N` failed (counted, never thrown)
  | 'LOOP_METRICS_SUMMARY_INVALID' // metrics_summary.json exists but is not valid JSON or not the schema
  | 'LOOP_METRICS_READ_FAILED' // a metrics file could not be read
  | 'LOOP_METRICS_SERVER_FAILED' // the Prometheus /metrics server could not listen
  | 'LOOP_METRICS_EVENT_INVALID' // strict mode: a stage event with an unknown outcome, no stage, NaN latency, ...
  | 'LOOP_METRICS_NAME_INVALID' // strict mode: a counter or gauge name that is not Prometheus-compatible
  | 'LOOP_METRICS_VALUE_INVALID' // strict mode: a counter increment or gauge value that is NaN, infinite or negative
  | 'LOOP_METRICS_CARDINALITY_EXCEEDED' // strict mode: more distinct counter or gauge names than the limit
  | 'LOOP_METRICS_TIMER_ENDED'; // strict mode: a stage timer ended twice

/** An error raised by @loop/metrics. Write failures during a run are counted instead of thrown. */
export class MetricsError extends Error {
  override name = 'MetricsError';
  /** Stable code, safe to switch on. */
  readonly code: MetricsErrorCode;
  /** Facts about the failure (file, line, pid, ...). */
  readonly context: Readonly<Record<string, unknown>>;
  constructor(
    code: MetricsErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** True for a {@link MetricsError}, also when it comes from another copy of this package. */
export function isMetricsError(error: unknown): error is MetricsError {
  return error instanceof MetricsError || (error instanceof Error && error.name === 'MetricsError');
}

/** One-line description of any thrown value, for counters such as `last_write_error`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
