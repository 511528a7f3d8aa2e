// Errors of the `loop` command: one class per condition, each with a stable code and an exit status.

/** Stable codes of {@link LoopCliError}. */
export type LoopCliErrorCode =
  | 'LOOP_CLI_USAGE' // bad flag, bad value, missing argument: exit 2
  | 'LOOP_CLI_INPUT' // a file named by a flag is missing or corrupt: exit 2
  | 'LOOP_CLI_RUNTIME'; // the command started and failed: exit 1

/** An error the `loop` command reports as one line and turns into an exit status. */
export class LoopCliError extends Error {
  override name = 'LoopCliError';
  readonly code: LoopCliErrorCode;
  readonly exitCode: number;
  constructor(code: LoopCliErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options?.exitCode ?? (code === 'LOOP_CLI_RUNTIME' ? 1 : 2);
  }
}

/** A usage error (unknown flag, bad value): exit 2, nothing written. */
export function usageError(message: string, cause?: unknown): LoopCliError {
  return new LoopCliError('LOOP_CLI_USAGE', message, { cause });
}

/** Guard that checks the name too, so it works across copies of this module. */
export function isLoopCliError(error: unknown): error is LoopCliError {
  return error instanceof LoopCliError || (error instanceof Error && error.name === 'LoopCliError');
}

/** `listen` errors that mean the host is wrong (does not resolve, is not this machine's): bad input, exit 2. */
export const BAD_HOST_ERRNOS: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'EAI_NONAME',
  'EINVAL',
]);

/** Errors of making a directory or opening a file that mean the path itself is impossible: bad input, exit 2. */
export const BAD_PATH_ERRNOS: ReadonlySet<string> = new Set(['ENOTDIR', 'EEXIST', 'ENOENT', 'EISDIR']);
