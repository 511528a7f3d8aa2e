// Errors of @loop/process-identity: one class with a stable code, and a guard that works across copies.

/** Stable codes of {@link ProcessIdentityError}. */
export type ProcessIdentityErrorCode =
  | 'LOOP_PROCESS_INVALID_PID' // a pid or process group id that is not a whole number above 1 (0, -1 and 1 would signal whole groups or init)
  | 'LOOP_PROCESS_SIGNAL_FAILED'; // signalling a process group failed for another reason than "no such group"

/** An error raised by @loop/process-identity. */
export class ProcessIdentityError extends Error {
  override name = 'ProcessIdentityError';
  /** Stable code, safe to switch on. */
  readonly code: ProcessIdentityErrorCode;
  /** Facts about the failure (pid, signal, errno). */
  readonly context: Readonly<Record<string, unknown>>;
  constructor(
    code: ProcessIdentityErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** True for a {@link ProcessIdentityError}, also when it comes from another copy of this package. */
export function isProcessIdentityError(error: unknown): error is ProcessIdentityError {
  return (
    error instanceof ProcessIdentityError || (error instanceof Error && error.name === 'ProcessIdentityError')
  );
}

/** The `code` of a Node system error (`ESRCH`, `EPERM`, ...), or undefined. Internal. */
export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
