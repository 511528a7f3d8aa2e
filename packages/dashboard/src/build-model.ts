// buildModel(): streams a run dir into the dashboard model with bounded memory.
import { stat } from 'node:fs/promises';
import {
  pidIsAlive,
  type RunHistoryLimits,
  readHeartbeat,
  readMetricsSummary,
  readRunInfo,
  readRunRecord,
  readSupervisorLog,
  readSupervisorState,
} from '@loop/run-dir';
import { composeModelFromSources } from './compose-model.js';
import { LoopDashboardError } from './errors.js';
import type { DashboardModel } from './model.js';
import { checkHistoryLimits, checkOptionsObject, checkText } from './option-checks.js';
import { RunDirFollower } from './run-dir-follower.js';

/** Options of {@link buildModel}. */
export interface BuildModelOptions {
  /** How many recent events the page lists (default 50). */
  tailLines?: number;
  /** Finer limits on the model's size (buckets, stages, reasons); see {@link RunHistoryLimits}. */
  limits?: Partial<Omit<RunHistoryLimits, 'tailLines'>>;
}

/**
 * Throws `LOOP_DASHBOARD_RUN_DIR_MISSING` unless `runDir` is an existing directory (`LOOP_DASHBOARD_OPTION_INVALID`
 * unless it is a non-empty string).
 */
export async function assertRunDir(runDir: string): Promise<void> {
  checkText('assertRunDir', 'runDir', runDir);
  let isDirectory = false;
  try {
    isDirectory = (await stat(runDir)).isDirectory();
  } catch (cause) {
    throw new LoopDashboardError('LOOP_DASHBOARD_RUN_DIR_MISSING', `run dir ${runDir} does not exist`, {
      cause,
      context: { runDir },
    });
  }
  if (!isDirectory) {
    throw new LoopDashboardError('LOOP_DASHBOARD_RUN_DIR_MISSING', `run dir ${runDir} is not a directory`, {
      context: { runDir },
    });
  }
}

/**
 * Reads the run dir's documents and composes the model from a follower's history. `staleAfterMs` overrides the
 * health model's heartbeat threshold.
 */
export async function modelFromFollower(
  follower: RunDirFollower,
  options: { staleAfterMs?: number | undefined } = {},
): Promise<DashboardModel> {
  const runDir = follower.runDir;
  const [summary, runInfo, run, heartbeat, supervisor, supervisorLog] = await Promise.all([
    readMetricsSummary(runDir),
    readRunInfo(runDir),
    readRunRecord(runDir),
    readHeartbeat(runDir),
    readSupervisorState(runDir),
    readSupervisorLog(runDir),
  ]);
  return composeModelFromSources({
    runDir,
    history: follower.history,
    lifetimes: follower.lifetimes,
    files: follower.files(),
    unreadRotatedFiles: follower.unreadRotatedFiles(),
    skippedFiles: follower.skippedFiles(),
    documents: { summary, runInfo, run, heartbeat, supervisor, supervisorLog },
    nowMs: Date.now(),
    isAlive: pidIsAlive,
    ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
  });
}

/**
 * Streams a run dir (rotated NDJSON files oldest first, then `metrics.ndjson`; `metrics_summary.json`;
 * `run.json`) into a plain, serialisable {@link DashboardModel}. Memory stays bounded whatever the history's
 * size: lines are streamed, aggregated into a fixed number of time buckets and a fixed-size tail.
 * Torn or corrupt lines are skipped and counted; a missing or corrupt summary is recomputed from the events.
 *
 * @throws LoopDashboardError `LOOP_DASHBOARD_RUN_DIR_MISSING` if `runDir` is not a directory,
 *   `LOOP_DASHBOARD_READ_FAILED` if a file cannot be read, `LOOP_DASHBOARD_OPTION_INVALID` for an option
 *   that is not what it documents (e.g. `tailLines: -1`, an unknown limit).
 */
export async function buildModel(runDir: string, options: BuildModelOptions = {}): Promise<DashboardModel> {
  checkText('buildModel', 'runDir', runDir);
  checkOptionsObject('buildModel', 'options', options);
  const limits = checkHistoryLimits('buildModel', options.tailLines, options.limits);
  await assertRunDir(runDir);
  const follower = new RunDirFollower(runDir, limits);
  await follower.refresh({ final: true });
  return modelFromFollower(follower);
}
