// The events a supervisor goes through; each becomes one line of supervisor.log and one onEvent call.

/** Names of supervisor events, as written in supervisor.log. */
export type SupervisorEventType =
  | 'supervisor_start'
  | 'child_start'
  | 'child_exit'
  | 'child_spawn_failed'
  | 'backoff'
  | 'watchdog_hung'
  | 'stop_requested'
  | 'kill_group'
  | 'group_leftover'
  | 'orphan_group'
  | 'gave_up'
  | 'restart_prevented'
  | 'state_write_failed'
  | 'supervisor_exit';

/** One supervisor event. */
export interface SupervisorEvent {
  type: SupervisorEventType;
  /** Wall clock, epoch milliseconds. */
  atMs: number;
  /** Monotonic clock (performance.now()), for measuring gaps. */
  monotonicMs: number;
  /** The facts of the event, also written to the log as `key=value`. */
  fields: Readonly<Record<string, string | number | boolean | null>>;
}
