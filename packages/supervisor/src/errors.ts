// Errors of @loop/supervisor: one class with a stable code per condition, and a guard that works across copies.

/** Stable codes of {@link SupervisorError}. */
export type SupervisorErrorCode =
  | 'LOOP_SUPERVISOR_OPTION_INVALID' // an option is missing, negative, zero where it must not be, or inconsistent
  | 'LOOP_SUPERVISOR_COMMAND_NOT_FOUND' // the command is not an executable file, nor found on PATH
  | 'LOOP_SUPERVISOR_LOCKED' // another live supervisor holds the run dir's lock
  | 'LOOP_SUPERVISOR_RUN_DIR_FAILED' // the run dir, its lock, log or child log cannot be created or opened
  | 'LOOP_SUPERVISOR_STATE_WRITE_FAILED'; // supervisor_state.json could not be replaced (reported, never fatal)

/** An error raised by @loop/supervisor. Option and command errors are raised before anything is written. */
export class SupervisorError extends Error {
  override name = 'SupervisorError';
  /** Stable code, safe to switch on. */
  readonly code: SupervisorErrorCode;
  /** Facts about the failure (option, command, pid, file, ...). */
  readonly context: Readonly<Record<string, unknown>>;
  constructor(
    code: SupervisorErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** True for a {@link SupervisorError}, also when it comes from another copy of this package. */
export function isSupervisorError(error: unknown): error is SupervisorError {
  return error instanceof SupervisorError || (error instanceof Error && error.name === 'SupervisorError');
}

/** The `code` of a Node system error (`ENOENT`, `EPERM`, ...), or undefined. Internal. */
export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
