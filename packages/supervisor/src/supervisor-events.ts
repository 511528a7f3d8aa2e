// The events a supervisor goes through, as a typed union; each becomes one line of supervisor.log.
import type { RestartPolicy, StopReason } from './restart-decision.js';

/** What every event carries. */
export interface SupervisorEventTimes {
  /** Wall clock, epoch milliseconds. */
  atMs: number;
  /** Monotonic clock (performance.now()), for measuring gaps. */
  monotonicMs: number;
}

/** The supervisor took the run dir and is about to start (log: `supervisor_start`). */
export interface SupervisorStartedEvent extends SupervisorEventTimes {
  type: 'supervisor-started';
  /** The supervisor's own pid. */
  pid: number;
  runDir: string;
  /** The command, shell-quoted. */
  commandLine: string;
  /** Pid of a dead supervisor whose stale lock was taken over, or null. */
  tookOverLockFrom: number | null;
}

/** A child of a dead supervisor of this run dir was found running and is being stopped (log: `orphan_group`). */
export interface OrphanStoppingEvent extends SupervisorEventTimes {
  type: 'orphan-stopping';
  /** The orphan's process group id (its leader's pid). */
  pgid: number;
  /** Live processes found in that group. */
  members: number;
  /** Pid of the supervisor that left it behind, when known. */
  supervisorPid: number | null;
}

/** A child was spawned (log: `child_start`). */
export interface ChildStartedEvent extends SupervisorEventTimes {
  type: 'child-started';
  /** The child's pid, also its process group id. */
  pid: number;
  /** Backoff attempt of the restart that started it (0 for the first child). */
  attempt: number;
  /** Restarts so far, this one included. */
  restarts: number;
}

/** The child exited (log: `child_exit`). */
export interface ChildExitedEvent extends SupervisorEventTimes {
  type: 'child-exited';
  pid: number;
  /** Exit code, or null when a signal killed it. */
  code: number | null;
  /** The signal that killed it, or null. */
  signal: NodeJS.Signals | null;
  /** Status as a shell reports it: the code, 128 + signal, 124 when the watchdog stopped it. */
  status: number;
  /** How long it ran, on the monotonic clock. */
  uptimeMs: number;
  /** `exit`: it ended by itself; `watchdog`: stopped as hung; `stop`: stopped on request. */
  reason: 'exit' | 'watchdog' | 'stop';
}

/** The command could not be started (log: `child_spawn_failed`). */
export interface SpawnFailedEvent extends SupervisorEventTimes {
  type: 'spawn-failed';
  error: string;
  /** 127 when the executable is missing, else 126. */
  status: number;
}

/** A restart is scheduled after `delayMs` (log: `backoff`); 0 restarts at once. */
export interface RestartScheduledEvent extends SupervisorEventTimes {
  type: 'restart-scheduled';
  /** Backoff attempt n: the delay is min(cap, base * 2^n), jittered if asked. */
  attempt: number;
  delayMs: number;
  /** Restarts so far, this one included. */
  restarts: number;
  /** The run that ended was stable (at least `resetAfterS`): the backoff started again at attempt 0. */
  stableRun: boolean;
}

/** The heartbeat went stale: the child is stopped as hung (log: `watchdog_hung`). */
export interface WatchdogKillEvent extends SupervisorEventTimes {
  type: 'watchdog-kill';
  pid: number;
  heartbeatFile: string;
  heartbeatAgeMs: number;
  timeoutMs: number;
  /** False when the file never changed since the child started (often a wrong heartbeat file). */
  heartbeatSeen: boolean;
}

/** A stop was requested; the signal goes to the child's group (log: `stop_requested`). */
export interface StoppingEvent extends SupervisorEventTimes {
  type: 'stopping';
  signal: NodeJS.Signals;
  /** The child being stopped, or null when none runs (in a backoff). */
  childPid: number | null;
}

/** The child's group got SIGKILL at the kill timeout (log: `kill_group`). */
export interface GroupKilledEvent extends SupervisorEventTimes {
  type: 'group-killed';
  pgid: number;
  signal: 'SIGKILL';
  /** The kill timeout, in seconds. */
  afterS: number;
}

/** The child exited but processes of its group live on: they are stopped before going on (log: `group_leftover`). */
export interface GroupLeftoverEvent extends SupervisorEventTimes {
  type: 'group-leftover';
  pgid: number;
}

/** Too many restarts in a row: supervision ends (log: `gave_up`). */
export interface GaveUpEvent extends SupervisorEventTimes {
  type: 'gave-up';
  restarts: number;
  maxRestarts: number;
  /** The last run's status, which the supervisor exits with. */
  exitCode: number;
}

/** The child exited with a code listed in `preventRestartExitStatus`: no restart (log: `restart_prevented`). */
export interface RestartPreventedEvent extends SupervisorEventTimes {
  type: 'restart-prevented';
  pid: number | null;
  code: number | null;
  preventRestartExitStatus: readonly number[];
  restart: RestartPolicy;
  restarts: number;
}

/** supervisor_state.json could not be replaced; supervision goes on (log: `state_write_failed`). */
export interface StateWriteFailedEvent extends SupervisorEventTimes {
  type: 'state-write-failed';
  code: 'LOOP_SUPERVISOR_STATE_WRITE_FAILED';
  error: string;
}

/** Supervision ended (log: `supervisor_exit`). */
export interface SupervisorExitedEvent extends SupervisorEventTimes {
  type: 'supervisor-exited';
  status: 'stopped' | 'gave_up';
  stopReason: 'signal' | StopReason | null;
  /** The supervisor's own exit status (`supervisorExitStatus`), as `exit_code` in the state file. */
  exitCode: number;
  restarts: number;
}

/** One supervisor event: switch on `type`. */
export type SupervisorEvent =
  | SupervisorStartedEvent
  | OrphanStoppingEvent
  | ChildStartedEvent
  | ChildExitedEvent
  | SpawnFailedEvent
  | RestartScheduledEvent
  | WatchdogKillEvent
  | StoppingEvent
  | GroupKilledEvent
  | GroupLeftoverEvent
  | GaveUpEvent
  | RestartPreventedEvent
  | StateWriteFailedEvent
  | SupervisorExitedEvent;

/** Names of supervisor events. */
export type SupervisorEventType = SupervisorEvent['type'];

/** The event of type `T`. */
export type SupervisorEventOf<T extends SupervisorEventType> = Extract<SupervisorEvent, { type: T }>;

/** A line of supervisor.log before formatting: its event name and `key=value` fields, in order. */
export interface SupervisorLogRecord {
  /** The event's name in the log (`child_start`, `backoff`, ...). */
  type: string;
  atMs: number;
  fields: Readonly<Record<string, string | number | boolean | null>>;
}

/** The name each event has in supervisor.log (unchanged since the log's first version). */
export const SUPERVISOR_LOG_EVENT_NAMES = {
  'supervisor-started': 'supervisor_start',
  'orphan-stopping': 'orphan_group',
  'child-started': 'child_start',
  'child-exited': 'child_exit',
  'spawn-failed': 'child_spawn_failed',
  'restart-scheduled': 'backoff',
  'watchdog-kill': 'watchdog_hung',
  stopping: 'stop_requested',
  'group-killed': 'kill_group',
  'group-leftover': 'group_leftover',
  'gave-up': 'gave_up',
  'restart-prevented': 'restart_prevented',
  'state-write-failed': 'state_write_failed',
  'supervisor-exited': 'supervisor_exit',
} as const satisfies Record<SupervisorEventType, string>;

function logFields(event: SupervisorEvent): SupervisorLogRecord['fields'] {
  switch (event.type) {
    case 'supervisor-started':
      return {
        pid: event.pid,
        run_dir: event.runDir,
        command: event.commandLine,
        took_over_lock_from: event.tookOverLockFrom,
      };
    case 'orphan-stopping':
      return { pid: event.pgid, members: event.members, supervisor_pid: event.supervisorPid };
    case 'child-started':
      return { pid: event.pid, attempt: event.attempt, restarts: event.restarts };
    case 'child-exited':
      return {
        pid: event.pid,
        code: event.code,
        signal: event.signal,
        uptime_ms: event.uptimeMs,
        reason: event.reason,
      };
    case 'spawn-failed':
      return { error: event.error, status: event.status };
    case 'restart-scheduled':
      return {
        attempt: event.attempt,
        delay_ms: event.delayMs,
        restarts: event.restarts,
        stable_run: event.stableRun,
      };
    case 'watchdog-kill':
      return {
        pid: event.pid,
        heartbeat_file: event.heartbeatFile,
        heartbeat_age_ms: event.heartbeatAgeMs,
        timeout_ms: event.timeoutMs,
        heartbeat_seen: event.heartbeatSeen,
      };
    case 'stopping':
      return { signal: event.signal, child_pid: event.childPid };
    case 'group-killed':
      return { pid: event.pgid, signal: event.signal, after_s: event.afterS };
    case 'group-leftover':
      return { pid: event.pgid };
    case 'gave-up':
      return { restarts: event.restarts, max_restarts: event.maxRestarts, exit_code: event.exitCode };
    case 'restart-prevented':
      return {
        pid: event.pid,
        code: event.code,
        prevent_restart_exit_status: event.preventRestartExitStatus.join(','),
        restart: event.restart,
        restarts: event.restarts,
      };
    case 'state-write-failed':
      return { code: event.code, error: event.error };
    case 'supervisor-exited':
      return {
        status: event.status,
        stop_reason: event.stopReason,
        exit_code: event.exitCode,
        restarts: event.restarts,
      };
  }
}

/** The supervisor.log line of `event` (name and fields), as {@link formatLogLine} writes it. Pure. */
export function logRecordOf(event: SupervisorEvent): SupervisorLogRecord {
  return { type: SUPERVISOR_LOG_EVENT_NAMES[event.type], atMs: event.atMs, fields: logFields(event) };
}
