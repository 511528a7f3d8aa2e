// Errors of @loop/dashboard: one base class, a stable code per condition, and a name-checking guard.

/** Stable codes of {@link LoopDashboardError}. */
export type LoopDashboardErrorCode =
  | 'LOOP_DASHBOARD_RUN_DIR_MISSING' // the run dir does not exist or is not a directory
  | 'LOOP_DASHBOARD_READ_FAILED' // a run-dir file exists but could not be read (permissions, I/O)
  | 'LOOP_DASHBOARD_WRITE_FAILED' // the page could not be written (temp file or rename failed)
  | 'LOOP_DASHBOARD_SERVE_FAILED' // the live server could not listen (port in use, bad host)
  | 'LOOP_DASHBOARD_EVENT_INVALID' // buildModelFromEvents() was given an event that is not a stage event
  | 'LOOP_DASHBOARD_OPTION_INVALID' // an argument or option is not what the function documents
  | 'LOOP_DASHBOARD_MODEL_INVALID'; // a render function was given something that is not a dashboard model

/**
 * An error raised by @loop/dashboard: the I/O shells (model building, writing, serving), and any exported
 * function given input it does not document (a bad option, an invalid event, something that is not a model).
 */
export class LoopDashboardError extends Error {
  override name = 'LoopDashboardError';
  /** Stable code: match on it, not on the message. */
  readonly code: LoopDashboardErrorCode;
  /** The files, paths or addresses involved. */
  readonly context: Readonly<Record<string, string | number>>;
  constructor(
    code: LoopDashboardErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, string | number> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** True for a {@link LoopDashboardError}, also across copies of this module (checks `name`). */
export function isLoopDashboardError(error: unknown): error is LoopDashboardError {
  return (
    error instanceof LoopDashboardError ||
    (error instanceof Error &&
      error.name === 'LoopDashboardError' &&
      typeof (error as { code?: unknown }).code === 'string')
  );
}
