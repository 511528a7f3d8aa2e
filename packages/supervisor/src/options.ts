// The supervisor's options, their defaults, and their validation (pure: nothing is written before it passes).
import { join } from 'node:path';
import { SupervisorError } from './errors.js';
import { RESTART_POLICIES, type RestartPolicy } from './restart-decision.js';
import type { SupervisorEvent } from './supervisor-events.js';

/**
 * The heartbeat file's name in the run dir when a timeout is set and no file is given. @loop/run-dir names
 * every run-dir file, but it depends on this package, so the supervisor keeps this one default of its own.
 */
export const DEFAULT_HEARTBEAT_FILE_NAME = 'heartbeat';

/** What to supervise and how. Every duration is in seconds, as on the command line. */
export interface SupervisorOptions {
  /** The command and its arguments; `command[0]` is looked up on PATH unless it contains a slash. */
  command: readonly string[];
  /** Directory of `supervisor_state.json`, `supervisor.log` and the lock; created if missing. */
  runDir: string;
  /** When to restart: `on-failure` (default), `always` or `never`. */
  restart?: RestartPolicy;
  /** Restarts in a row without a stable run before giving up (default 10). */
  maxRestarts?: number;
  /** Delay before restart attempt 0 in seconds (default 1); 0 restarts at once. */
  backoffBaseS?: number;
  /** Largest delay in seconds (default 60); not below `backoffBaseS`. */
  backoffCapS?: number;
  /** Full jitter on every delay (default off: delays are deterministic). */
  jitter?: boolean;
  /** Seed of the jitter's random numbers, for reproducible delays; Math.random when absent. */
  jitterSeed?: number;
  /** A run at least this long resets the backoff to attempt 0 (default 60). */
  resetAfterS?: number;
  /**
   * Exit codes (0-255) after which the child is not restarted whatever `restart` says: supervision ends
   * (`stopped`, stop reason `restart-prevented`) with that code. Default none; for `loop run` pass `[3]`
   * (its kill switch halted trading), so a restart does not undo the kill switch.
   */
  preventRestartExitStatus?: readonly number[];
  /** Seconds between the stop signal and SIGKILL of the child's process group (default 10); above 0. */
  killTimeoutS?: number;
  /** File the child touches while healthy; defaults to `<runDir>/heartbeat` when a timeout is set. */
  heartbeatFile?: string;
  /** A heartbeat older than this many seconds means the child hung: stop and restart it. Above 0. */
  heartbeatTimeoutS?: number;
  /** Also append the child's stdout and stderr to this file. */
  childLog?: string;
  /** Working directory of the child (default: the supervisor's). */
  cwd?: string;
  /** Environment of the child (default: the supervisor's). */
  env?: NodeJS.ProcessEnv;
  /** Forward SIGINT, SIGTERM and SIGHUP received by this process to the child (default true). */
  handleSignals?: boolean;
  /** Where the child's stdout goes when piped (with `childLog`); default process.stdout. */
  stdout?: NodeJS.WritableStream;
  /** Where the child's stderr goes when piped (with `childLog`); default process.stderr. */
  stderr?: NodeJS.WritableStream;
  /**
   * Called on every event (a typed union: switch on `type`), with a monotonic timestamp; the first listener,
   * guarded like those added with `Supervisor#on`: a throw or a rejected promise is counted, never awaited.
   */
  onEvent?: (event: SupervisorEvent) => unknown;
}

/** {@link SupervisorOptions} after validation, with every default filled in. */
export interface ResolvedSupervisorOptions
  extends Required<
    Omit<SupervisorOptions, 'heartbeatFile' | 'heartbeatTimeoutS' | 'childLog' | 'jitterSeed'>
  > {
  heartbeatFile: string | undefined;
  heartbeatTimeoutS: number | undefined;
  childLog: string | undefined;
  jitterSeed: number | undefined;
}

/** The defaults of {@link SupervisorOptions}. */
export const SUPERVISOR_DEFAULTS = {
  restart: 'on-failure',
  maxRestarts: 10,
  backoffBaseS: 1,
  backoffCapS: 60,
  jitter: false,
  resetAfterS: 60,
  killTimeoutS: 10,
  preventRestartExitStatus: [],
} as const satisfies Partial<SupervisorOptions>;

function invalid(option: string, message: string): SupervisorError {
  return new SupervisorError('LOOP_SUPERVISOR_OPTION_INVALID', `${option}: ${message}`, {
    context: { option, reason: message },
  });
}

/**
 * Longest duration in seconds a timer can wait: Node's timers hold at most 2^31 - 1 ms (24.8 days) and fire
 * after 1 ms beyond that, so a longer backoff or timeout is refused rather than silently made instant.
 */
export const MAX_DURATION_S = Math.floor((2 ** 31 - 1) / 1000);

function checkNumber(
  option: string,
  value: number,
  rule: { min: number; exclusive?: boolean; integer?: boolean; duration?: boolean },
): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(option, `expected a number, got ${value}`);
  if (rule.integer && !Number.isInteger(value))
    throw invalid(option, `expected a whole number, got ${value}`);
  if (rule.exclusive ? value <= rule.min : value < rule.min) {
    throw invalid(option, `expected a number ${rule.exclusive ? '>' : '>='} ${rule.min}, got ${value}`);
  }
  if (rule.duration && value > MAX_DURATION_S) {
    throw invalid(
      option,
      `expected at most ${MAX_DURATION_S} seconds (24.8 days, the longest timer), got ${value}`,
    );
  }
}

/** Largest exit code a process can report. */
const MAX_EXIT_CODE = 255;

function checkExitCodes(codes: readonly number[]): number[] {
  if (!Array.isArray(codes)) throw invalid('preventRestartExitStatus', 'expected a list of exit codes');
  for (const code of codes) {
    if (!Number.isInteger(code) || code < 0 || code > MAX_EXIT_CODE) {
      throw invalid(
        'preventRestartExitStatus',
        `expected exit codes from 0 to ${MAX_EXIT_CODE}, got ${code}`,
      );
    }
  }
  return [...new Set(codes)];
}

/**
 * Parses a comma-separated list of exit codes as `--prevent-restart-exit-status` takes it (`3`, `3,4`; spaces
 * around items allowed). Throws `LOOP_SUPERVISOR_OPTION_INVALID` for `preventRestartExitStatus` on an empty list
 * or item, a non-integer, or a code outside 0-255.
 */
export function parseExitStatusList(text: string): number[] {
  if (text.trim() === '')
    throw invalid('preventRestartExitStatus', 'expected comma-separated exit codes, got nothing');
  const items = text.split(',').map((item) => item.trim());
  const codes: number[] = [];
  for (const item of items) {
    if (item === '') {
      throw invalid(
        'preventRestartExitStatus',
        `expected comma-separated exit codes, got an empty item in "${text}"`,
      );
    }
    if (!/^\d+$/.test(item) || Number(item) > MAX_EXIT_CODE) {
      throw invalid(
        'preventRestartExitStatus',
        `expected exit codes from 0 to ${MAX_EXIT_CODE}, got "${item}" in "${text}"`,
      );
    }
    codes.push(Number(item));
  }
  return checkExitCodes(codes);
}

/**
 * Fills in defaults and checks every option; throws `LOOP_SUPERVISOR_OPTION_INVALID` naming the option
 * (`context.option`) on the first problem: a missing command, a negative value, a cap below the base, a zero
 * timeout, an exit code outside 0-255. A zero backoff is valid and means restart at once.
 */
export function resolveSupervisorOptions(options: SupervisorOptions): ResolvedSupervisorOptions {
  if (!Array.isArray(options.command) || options.command.length === 0 || options.command[0] === '') {
    throw invalid('command', 'no command to supervise (give it after `--`)');
  }
  if (typeof options.runDir !== 'string' || options.runDir.length === 0) {
    throw invalid('runDir', 'expected a non-empty path');
  }
  const restart = options.restart ?? SUPERVISOR_DEFAULTS.restart;
  if (!RESTART_POLICIES.includes(restart)) {
    throw invalid('restart', `expected one of ${RESTART_POLICIES.join(', ')}, got ${String(restart)}`);
  }
  const maxRestarts = options.maxRestarts ?? SUPERVISOR_DEFAULTS.maxRestarts;
  checkNumber('maxRestarts', maxRestarts, { min: 0, integer: true });
  const backoffBaseS = options.backoffBaseS ?? SUPERVISOR_DEFAULTS.backoffBaseS;
  checkNumber('backoffBaseS', backoffBaseS, { min: 0, duration: true });
  const backoffCapS = options.backoffCapS ?? Math.max(SUPERVISOR_DEFAULTS.backoffCapS, backoffBaseS);
  checkNumber('backoffCapS', backoffCapS, { min: 0, duration: true });
  if (backoffCapS < backoffBaseS) {
    throw invalid('backoffCapS', `the cap (${backoffCapS}) is below the base (${backoffBaseS})`);
  }
  const resetAfterS = options.resetAfterS ?? SUPERVISOR_DEFAULTS.resetAfterS;
  checkNumber('resetAfterS', resetAfterS, { min: 0, duration: true });
  const killTimeoutS = options.killTimeoutS ?? SUPERVISOR_DEFAULTS.killTimeoutS;
  checkNumber('killTimeoutS', killTimeoutS, { min: 0, exclusive: true, duration: true });
  const preventRestartExitStatus = checkExitCodes(
    options.preventRestartExitStatus ?? SUPERVISOR_DEFAULTS.preventRestartExitStatus,
  );
  if (options.jitterSeed !== undefined)
    checkNumber('jitterSeed', options.jitterSeed, { min: 0, integer: true });
  let heartbeatFile = options.heartbeatFile;
  const heartbeatTimeoutS = options.heartbeatTimeoutS;
  if (heartbeatTimeoutS !== undefined) {
    checkNumber('heartbeatTimeoutS', heartbeatTimeoutS, { min: 0, exclusive: true, duration: true });
    heartbeatFile ??= join(options.runDir, DEFAULT_HEARTBEAT_FILE_NAME);
  } else if (heartbeatFile !== undefined) {
    throw invalid('heartbeatFile', 'is set but the heartbeat timeout is not');
  }
  if (heartbeatFile !== undefined && heartbeatFile.length === 0)
    throw invalid('heartbeatFile', 'expected a path');
  if (options.childLog !== undefined && options.childLog.length === 0)
    throw invalid('childLog', 'expected a path');
  return {
    command: [...options.command],
    runDir: options.runDir,
    restart,
    maxRestarts,
    backoffBaseS,
    backoffCapS,
    jitter: options.jitter ?? SUPERVISOR_DEFAULTS.jitter,
    jitterSeed: options.jitterSeed,
    resetAfterS,
    killTimeoutS,
    preventRestartExitStatus,
    heartbeatFile,
    heartbeatTimeoutS,
    childLog: options.childLog,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    handleSignals: options.handleSignals ?? true,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    onEvent: options.onEvent ?? (() => {}),
  };
}
