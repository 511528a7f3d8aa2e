// The run-dir health model's place (issue 10): status, lifetimes across restarts, the supervisor's view and
// heartbeat age, computed (never stored) from everything in the run dir. To be built here; see the README.

/** Version of the health model's shape; 0 while it is only a placeholder. */
export const RUN_DIR_HEALTH_VERSION = 0 as const;
