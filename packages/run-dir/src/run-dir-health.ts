// The version of the run-dir health model's shape (RunHealth, decided in run-health.ts, read by read-run-health.ts).

/** Version of the `RunHealth` shape that `decideRunHealth` and `readRunHealth` return. */
export const RUN_DIR_HEALTH_VERSION = 1 as const;
