// Errors of @loop/run-dir: readers return trouble as values; only a builder given options it cannot honour throws.

/** Stable codes of {@link LoopRunDirError}. */
export type LoopRunDirErrorCode = 'LOOP_RUN_DIR_OPTION_INVALID'; // a builder's option is out of range or not a number

/** An error raised by @loop/run-dir's builders (`RunHistory`, `LifetimeTracker`) given options they cannot honour. */
export class LoopRunDirError extends Error {
  override name = 'LoopRunDirError';
  /** Stable code: match on it, not on the message. */
  readonly code: LoopRunDirErrorCode;
  /** The option involved and the value given. */
  readonly context: Readonly<Record<string, string | number>>;
  constructor(code: LoopRunDirErrorCode, message: string, context: Record<string, string | number> = {}) {
    super(message);
    this.code = code;
    this.context = Object.freeze({ ...context });
  }
}

/** True for a {@link LoopRunDirError}, also across copies of this module (checks `name`). */
export function isLoopRunDirError(error: unknown): error is LoopRunDirError {
  return (
    error instanceof LoopRunDirError ||
    (error instanceof Error &&
      error.name === 'LoopRunDirError' &&
      typeof (error as { code?: unknown }).code === 'string')
  );
}

/** Throws `LOOP_RUN_DIR_OPTION_INVALID` unless `value` is a safe integer >= `min`; `name` names the option. */
export function checkWholeOption(name: string, value: unknown, min: number): void {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return;
  const shown = typeof value === 'number' || typeof value === 'string' ? JSON.stringify(value) : typeof value;
  throw new LoopRunDirError(
    'LOOP_RUN_DIR_OPTION_INVALID',
    `${name} must be a whole number >= ${min}, got ${shown}`,
    { option: name, value: String(shown) },
  );
}
