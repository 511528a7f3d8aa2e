// The supervisor's file names inside a run dir, on an entry point of their own (`@loop/supervisor/file-names`)
// so that a reader of run dirs can name them without loading the supervisor.

/** Name of the state file inside the run dir. */
export const SUPERVISOR_STATE_FILE = 'supervisor_state.json';

/** Name of the log file inside the run dir. */
export const SUPERVISOR_LOG_FILE = 'supervisor.log';

/** Name of the lock file inside the run dir. */
export const SUPERVISOR_LOCK_FILE = 'supervisor.lock';
