// Errors of @loop/engine: one class, a stable code per condition. Expected trading outcomes (a risk
// rejection, a stage that throws) are values reported to observers, never these errors.
import { escapeForMessage } from './message-text.js';

/** Stable codes of {@link LoopEngineError}. */
export type LoopEngineErrorCode =
  | 'LOOP_ENGINE_CLOCK_BACKWARDS' // a simulated clock was asked to move back in time
  | 'LOOP_ENGINE_CONFIG_INVALID' // an option of a clock, feed, strategy, risk or exchange is out of range
  | 'LOOP_ENGINE_FEED_INVALID' // a replay file is missing, unreadable or has a bad row
  | 'LOOP_ENGINE_ORDER_INVALID'; // an order the paper exchange cannot take (risk normally stops it first)

/** An error raised by the engine's setup or by misuse of its API. */
export class LoopEngineError extends Error {
  /** Always `LoopEngineError` here (`FeedFileError` in the subclass); {@link isLoopEngineError} checks it. */
  override name = 'LoopEngineError';
  /** What went wrong, stable across versions: test this, not the message. */
  readonly code: LoopEngineErrorCode;
  /** @param message says what is wrong, naming the option, file or value (`maxPosition: must be > 0`). */
  constructor(code: LoopEngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * A replay file that cannot be used: names the file and, for a bad row, its line (1-based; the header is
 * line 1) and, when that line holds more than one row (single-line JSON), the row (1-based).
 */
export class FeedFileError extends LoopEngineError {
  /** Always `FeedFileError`. */
  override name = 'FeedFileError';
  /** The file's name as given to the loader. */
  readonly file: string;
  /** Line of the problem (1-based), when it has one. */
  readonly line: number | undefined;
  /**
   * Row of a JSON file (1-based position in the top-level array), set only when its line holds more than
   * one row, as in a single-line ccxt dump; the message then reads `file:line (row N): problem`.
   */
  readonly row: number | undefined;
  /** True for a row that fails validation (skip mode would skip it); false for an unreadable or malformed file. */
  readonly badRow: boolean;
  /**
   * @param file the file's name, as the message shows it.
   * @param line 1-based line of the problem, if any.
   * @param problem what is wrong, without the file name.
   */
  constructor(
    file: string,
    line: number | undefined,
    problem: string,
    options?: { cause?: unknown; badRow?: boolean; row?: number },
  ) {
    // The name is the user's, but a message is one line: control characters in it are escaped.
    const shown = escapeForMessage(file, 4096);
    const where = line === undefined ? shown : `${shown}:${line}`;
    const row = options?.row === undefined ? '' : ` (row ${options.row})`;
    super('LOOP_ENGINE_FEED_INVALID', `${where}${row}: ${problem}`, options);
    this.file = file;
    this.line = line;
    this.row = options?.row;
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
