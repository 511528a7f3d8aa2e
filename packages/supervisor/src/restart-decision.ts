// What to do when the child exits: restart after a delay, stop, or give up. Pure, so every rule is unit-tested.
import { constants } from 'node:os';
import { type BackoffPolicy, backoffDelayMs } from './backoff.js';

/** When to restart the child: on a non-zero exit or a signal, after any exit, or never. */
export type RestartPolicy = 'on-failure' | 'always' | 'never';

/** The restart policies, in the order `--help` lists them. */
export const RESTART_POLICIES: readonly RestartPolicy[] = ['on-failure', 'always', 'never'];

/** How a child run ended, as far as the restart decision is concerned. */
export interface ChildExit {
  /** Exit code, or null when the child was killed by a signal or could not start. */
  code: number | null;
  /** Signal that killed the child, or null. */
  signal: NodeJS.Signals | null;
  /** How long the child ran, in milliseconds. */
  uptimeMs: number;
  /** True when the heartbeat watchdog stopped the child: always a failure, whatever its exit code. */
  hung?: boolean;
  /** True when the child could not be started (its code, 126 or 127, is the supervisor's, not the child's). */
  spawnFailed?: boolean;
}

/** The facts the decision needs besides the exit. */
export interface RestartContext {
  policy: RestartPolicy;
  /** Most restarts in a row without a stable run before giving up. */
  maxRestarts: number;
  /** A run at least this long is stable: the backoff starts again at attempt 0. */
  resetAfterMs: number;
  /** The backoff attempt the next restart would use (restarts in a row since the last stable run). */
  attempt: number;
  backoff: BackoffPolicy;
  /**
   * Exit codes after which the child is never restarted, whatever the policy (systemd's
   * RestartPreventExitStatus=): e.g. 3, the code of `loop run` halted by its kill switch. Default none.
   */
  preventRestartExitStatus?: readonly number[];
}

/**
 * Why supervision stopped by decision: a clean exit under `on-failure`, the `never` policy, or an exit code
 * listed in `preventRestartExitStatus`.
 */
export type StopReason = 'clean-exit' | 'policy-never' | 'restart-prevented';

/** The outcome of {@link decideAfterExit}. */
export type RestartDecision =
  | { action: 'restart'; attempt: number; delayMs: number; stableRun: boolean }
  | { action: 'stop'; reason: StopReason; exitCode: number }
  | { action: 'give-up'; exitCode: number; attempt: number };

/** Status of a run the watchdog stopped as hung, whatever the child's own code (as timeout(1) does). */
export const HUNG_EXIT_STATUS = 124;

/**
 * The status a shell would report for a run: 124 when the watchdog stopped it as hung, else its exit code,
 * or 128 + the number of the signal that killed it, or 1 when neither is known.
 */
export function exitStatusOf(exit: Pick<ChildExit, 'code' | 'signal' | 'hung'>): number {
  if (exit.hung) return HUNG_EXIT_STATUS;
  if (exit.code !== null) return exit.code;
  if (exit.signal !== null) return 128 + (constants.signals[exit.signal] ?? 0);
  return 1;
}

/** Status of a process killed by SIGKILL (128 + 9). */
const SIGKILLED_STATUS = 128 + (constants.signals.SIGKILL ?? 9);

/**
 * The status the supervisor's own process exits with (and `exit_code` in the state file holds) for an outcome
 * of supervision: the last child run's status, except after a stop that was asked for (SIGINT, SIGTERM,
 * SIGHUP) and went as asked, which is 0 whatever the child answered the forwarded signal with; a child that had
 * to be SIGKILLed (137) says so. One rule in one place, so the state file and the exit status always agree.
 */
export function supervisorExitStatus(outcome: { stopReason: string | null; exitCode: number }): number {
  if (outcome.stopReason === 'signal' && outcome.exitCode !== SIGKILLED_STATUS) return 0;
  return outcome.exitCode;
}

/** True when the run counts as a failure for the `on-failure` policy. */
export function isFailure(exit: ChildExit): boolean {
  return exit.hung === true || exit.code !== 0;
}

/**
 * True when the child exited by itself with a code listed in `codes`. A child killed by a signal, stopped by
 * the watchdog (status 124) or that could not start (126/127, no code of its own) never matches: only the child's own exit code counts.
 */
export function isRestartPrevented(
  exit: Pick<ChildExit, 'code' | 'hung' | 'spawnFailed'>,
  codes: readonly number[] | undefined,
): boolean {
  if (codes === undefined || codes.length === 0) return false;
  if (exit.hung === true || exit.spawnFailed === true || exit.code === null) return false;
  return codes.includes(exit.code);
}

/**
 * Decides what follows a child exit. The delay before restart n is `min(cap, base * 2^n)`; a run that lasted
 * at least `resetAfterMs` resets n to 0; `maxRestarts` restarts in a row without a stable run give up. An exit
 * code listed in `preventRestartExitStatus` stops first (`restart-prevented`, whatever the policy, before the
 * give-up check), with that code as the exit status.
 */
export function decideAfterExit(exit: ChildExit, context: RestartContext): RestartDecision {
  const exitStatus = exitStatusOf(exit);
  if (isRestartPrevented(exit, context.preventRestartExitStatus)) {
    return { action: 'stop', reason: 'restart-prevented', exitCode: exitStatus };
  }
  if (context.policy === 'never') return { action: 'stop', reason: 'policy-never', exitCode: exitStatus };
  if (context.policy === 'on-failure' && !isFailure(exit)) {
    return { action: 'stop', reason: 'clean-exit', exitCode: exitStatus };
  }
  const stableRun = exit.uptimeMs >= context.resetAfterMs;
  const attempt = stableRun ? 0 : context.attempt;
  if (attempt >= context.maxRestarts) return { action: 'give-up', exitCode: exitStatus, attempt };
  return { action: 'restart', attempt, delayMs: backoffDelayMs(context.backoff, attempt), stableRun };
}
