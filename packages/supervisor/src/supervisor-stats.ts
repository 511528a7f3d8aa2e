// A supervisor's numbers at one instant, for metrics endpoints and status views (read with Supervisor#stats()).
import type { SupervisorStatus } from './state.js';

/**
 * What a supervisor knows right now. Every field is computed from memory (no file is read), so reading it
 * is cheap enough for every scrape. Durations are on the monotonic clock.
 */
export interface SupervisorStats {
  /** As `status` in supervisor_state.json; `idle` before `run()` is called. */
  status: SupervisorStatus | 'idle';
  /** A child process is running (it may be stopping). */
  childUp: boolean;
  /** The running child's pid (and process group id), or null. */
  childPid: number | null;
  /** How long the running child has run, or null when none runs. */
  childUptimeMs: number | null;
  /** Restarts since this supervisor started (never reset by a stable run). */
  restartsTotal: number;
  /** Backoff attempt of the last (or pending) restart; restarts in a row since the last stable run. */
  attempt: number;
  /** Exit code of the last child run, or null (killed by a signal, none yet). */
  lastExitCode: number | null;
  /** Signal that killed the last child run, or null. */
  lastSignal: string | null;
  /** Status of the last child run as a shell reports it (code, 128 + signal, 124 hung), or null. */
  lastExitStatus: number | null;
  /**
   * Age of the heartbeat file as the watchdog sees it (from the later of the child's start and the last poll
   * that saw its mtime change), or null without a heartbeat timeout or child.
   */
  heartbeatAgeMs: number | null;
  /** Delay of the last (or pending) restart, or null before the first restart. */
  backoffDelayMs: number | null;
  /** Time left before the pending restart while in backoff, else null. */
  nextStartInMs: number | null;
  /** Supervision ended because of too many restarts in a row. */
  gaveUp: boolean;
  /** Children the heartbeat watchdog stopped as hung. */
  watchdogKillsTotal: number;
  /** Event listeners that threw or rejected (see `Supervisor#on`). */
  listenerFailures: number;
  /** Writes of supervisor_state.json that failed. */
  stateWriteFailures: number;
}
