// Errors of @loop/engine: one class, a stable code per condition. Expected trading outcomes (a risk
// rejection, a stage that throws) are values reported to observers, never these errors.

/** Stable codes of {@link LoopEngineError}. */
export type LoopEngineErrorCode =
  | 'LOOP_ENGINE_CLOCK_BACKWARDS' // a simulated clock was asked to move back in time
  | 'LOOP_ENGINE_CONFIG_INVALID' // an option of a clock, feed, strategy, risk or exchange is out of range
  | 'LOOP_ENGINE_FEED_INVALID' // a replay file is missing, unreadable or has a bad row
  | 'LOOP_ENGINE_ORDER_INVALID'; // an order the paper exchange cannot take (risk normally stops it first)

/** An error raised by the engine's setup or by misuse of its API. */
export class LoopEngineError extends Error {
  override name = 'LoopEngineError';
  readonly code: LoopEngineErrorCode;
  constructor(code: LoopEngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** A replay file that cannot be used: names the file and, for a bad row, its line (1-based; the header is line 1). */
export class FeedFileError extends LoopEngineError {
  override name = 'FeedFileError';
  readonly file: string;
  readonly line: number | undefined;
  /** True for a row that fails validation (skip mode would skip it); false for an unreadable or malformed file. */
  readonly badRow: boolean;
  constructor(
    file: string,
    line: number | undefined,
    problem: string,
    options?: { cause?: unknown; badRow?: boolean },
  ) {
    super(
      'LOOP_ENGINE_FEED_INVALID',
      line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`,
      options,
    );
    this.file = file;
    this.line = line;
    this.badRow = options?.badRow ?? false;
  }
}

/** Guard that checks the name too, so it works across copies of this module. */
export function isLoopEngineError(error: unknown): error is LoopEngineError {
  return (
    error instanceof LoopEngineError ||
    (error instanceof Error && (error.name === 'LoopEngineError' || error.name === 'FeedFileError'))
  );
}

/** Throws a config error naming the option unless `ok`. */
export function assertConfig(ok: boolean, option: string, problem: string): void {
  if (!ok) throw new LoopEngineError('LOOP_ENGINE_CONFIG_INVALID', `${option}: ${problem}`);
}
