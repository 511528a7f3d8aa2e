// Every file name of a run dir, in one place. Writers that bot authors use on their own (@loop/metrics,
// @loop/supervisor) keep their default names; they are re-exported here so readers name them only through us.
import {
  METRICS_FILE as METRICS_NDJSON_FILE,
  ROTATED_FILE_PATTERN as METRICS_ROTATED_PATTERN,
  SUMMARY_FILE as METRICS_SUMMARY_FILE,
  WRITER_LOCK_FILE,
} from '@loop/metrics';
import {
  SUPERVISOR_LOCK_FILE as SUPERVISOR_LOCK,
  SUPERVISOR_LOG_FILE as SUPERVISOR_LOG,
  SUPERVISOR_STATE_FILE as SUPERVISOR_STATE,
} from '@loop/supervisor/file-names';

/** The current NDJSON file of stage events (written by @loop/metrics; its writer owns the name). */
export const METRICS_FILE = METRICS_NDJSON_FILE;
/** Rotated NDJSON files: `metrics.ndjson.1` (the oldest), `.2`, ...; group 1 is the rotation number. */
export const ROTATED_FILE_PATTERN: RegExp = METRICS_ROTATED_PATTERN;
/** The metrics summary, totals since the writing process started, replaced atomically (@loop/metrics). */
export const SUMMARY_FILE = METRICS_SUMMARY_FILE;
/** The metrics writer's lock: one writer per run dir (@loop/metrics). */
export const METRICS_LOCK_FILE = WRITER_LOCK_FILE;
/** The supervisor's state, replaced atomically (written by @loop/supervisor, which owns the name). */
export const SUPERVISOR_STATE_FILE = SUPERVISOR_STATE;
/** The supervisor's append-only log (@loop/supervisor). */
export const SUPERVISOR_LOG_FILE = SUPERVISOR_LOG;
/** The supervisor's lock: one supervisor per run dir (@loop/supervisor). */
export const SUPERVISOR_LOCK_FILE = SUPERVISOR_LOCK;

/** The run's record: its settings, versions, status and final figures (written by `loop run`). */
export const RUN_FILE = 'run.json';
/** Touched as the loop makes progress; its mtime is the heartbeat (empty; written by `loop run`). */
export const HEARTBEAT_FILE = 'heartbeat';
/** Where `loop dashboard` writes the page by default. */
export const DASHBOARD_FILE = 'dashboard.html';
/** `loop run`'s lock (one loop per run dir). */
export const RUN_LOCK_FILE = 'run.lock';

/** The name of rotated NDJSON file number `rotation` (1 is the oldest). */
export function rotatedMetricsFile(rotation: number): string {
  return `${METRICS_FILE}.${rotation}`;
}

/** True for `metrics.ndjson` and its rotated files. */
export function isMetricsFileName(name: string): boolean {
  return name === METRICS_FILE || ROTATED_FILE_PATTERN.test(name);
}
