// Errors of @loop/check: one class with a stable code per condition, and a guard that works across copies.

/** Stable codes of {@link LoopCheckError}. */
export type LoopCheckErrorCode =
  | 'LOOP_CHECK_SYNTAX' // a threshold expression does not parse (the message names the column)
  | 'LOOP_CHECK_UNKNOWN_METRIC' // a threshold names a metric that does not exist
  | 'LOOP_CHECK_UNKNOWN_STAGE' // a threshold names a stage the run does not have
  | 'LOOP_CHECK_THRESHOLDS_FILE' // a thresholds file is missing, not JSON/YAML, or does not match its schema
  | 'LOOP_CHECK_RUN_DIR_MISSING' // the run dir does not exist or is not a directory
  | 'LOOP_CHECK_READ_FAILED'; // a run dir file exists but cannot be read

/** An error raised by @loop/check. A threshold that fails is a result, not an error. */
export class LoopCheckError extends Error {
  override name = 'LoopCheckError';
  /** Stable code, safe to switch on. */
  readonly code: LoopCheckErrorCode;
  /** Facts about the failure (expression, column, file, line, run dir). */
  readonly context: Readonly<Record<string, unknown>>;
  constructor(
    code: LoopCheckErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** True for a {@link LoopCheckError}, also when it comes from another copy of this package. */
export function isLoopCheckError(error: unknown): error is LoopCheckError {
  return error instanceof LoopCheckError || (error instanceof Error && error.name === 'LoopCheckError');
}
