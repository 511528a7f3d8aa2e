// Reads a run dir and decides its health: the I/O shell around decideRunHealth (documents, supervisor.log's
// tail, one streamed pass over the NDJSON files for lifetimes, pids checked with signal 0).
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readEvents, type SkippedMetricsFile } from '@loop/metrics';
import { isProcessAlive, isValidPid } from '@loop/process-identity';
import { readHeartbeat, readMetricsSummary, readRunRecord, readSupervisorState } from './documents.js';
import {
  HEARTBEAT_FILE,
  isMetricsFileName,
  RUN_FILE,
  SUMMARY_FILE,
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_STATE_FILE,
} from './file-names.js';
import { DEFAULT_MAX_LIFETIMES, LifetimeTracker } from './lifetimes.js';
import { decideRunHealth, type RunHealth } from './run-health.js';
import { parseSupervisorLog, type SupervisorLogEntry } from './supervisor-log-lines.js';

/** Options of {@link readRunHealth}. */
export interface ReadRunHealthOptions {
  /** Wall clock now (epoch ms); default Date.now(). */
  nowMs?: number;
  /** Whether a pid is alive; default: signal 0 (EPERM counts as alive). */
  isAlive?: (pid: number) => boolean | null;
  /** Heartbeat age after which a running claim is stale; default the supervisor's timeout, else 30 s. */
  staleAfterMs?: number;
  /** Lifetimes kept one by one (older ones are only counted); default 200. */
  maxLifetimes?: number;
  /**
   * The NDJSON files already read into a tracker (e.g. by a faster or incremental reader of your own): the
   * files are then not read again. Default: one pass with `@loop/metrics`' `readEvents()` (zod on each line).
   */
  lifetimes?: LifetimeTracker;
  /**
   * With `lifetimes`: the entries named like metrics files that your reader skipped as not regular files
   * (`readEvents()`' `stats.skippedFiles`, a `RunDirFollower`'s `skippedFiles()`). Default: those `readEvents()`
   * met, or none when `lifetimes` is given.
   */
  skippedFiles?: readonly SkippedMetricsFile[];
}

/** Bytes of supervisor.log read from its end (restarts in the last day fit easily). */
export const SUPERVISOR_LOG_TAIL_BYTES = 4 * 1024 * 1024;

/**
 * Whether `pid` runs now (`@loop/process-identity`: a zombie counts as dead, another user's process as alive);
 * null for a value that is not a pid.
 */
export function pidIsAlive(pid: number): boolean | null {
  if (!isValidPid(pid)) return null;
  return isProcessAlive(pid);
}

/** The last {@link SUPERVISOR_LOG_TAIL_BYTES} of supervisor.log, parsed; [] when there is none. */
export async function readSupervisorLog(runDir: string): Promise<SupervisorLogEntry[]> {
  const path = join(runDir, SUPERVISOR_LOG_FILE);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, SUPERVISOR_LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    let text = buffer.toString('utf8');
    // A tail that starts mid-line drops that partial line.
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
    return parseSupervisorLog(text);
  } finally {
    await handle.close();
  }
}

/** True when `path` is a directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** True when a folder holding files `names` is a run dir: run.json, metrics, a heartbeat or supervisor files. */
export function looksLikeRunDir(names: Iterable<string>): boolean {
  for (const name of names) {
    if (
      name === RUN_FILE ||
      name === SUMMARY_FILE ||
      name === HEARTBEAT_FILE ||
      name === SUPERVISOR_STATE_FILE ||
      name === SUPERVISOR_LOG_FILE ||
      isMetricsFileName(name)
    )
      return true;
  }
  return false;
}

/** The run dirs directly under `root`, sorted by name (a fleet's runs root). [] when there are none. */
export async function findRunDirs(root: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(root, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    if (looksLikeRunDir(await readdir(dir).catch(() => [] as string[]))) found.push(dir);
  }
  return found;
}

/**
 * Reads everything in `runDir` and decides its health. Never throws for the run dir's content (corrupt
 * documents are listed in `problems`); a run dir that is not a directory is `unknown` with that reason.
 */
export async function readRunHealth(runDir: string, options: ReadRunHealthOptions = {}): Promise<RunHealth> {
  const [run, summary, heartbeat, supervisor, supervisorLog] = await Promise.all([
    readRunRecord(runDir),
    readMetricsSummary(runDir),
    readHeartbeat(runDir),
    readSupervisorState(runDir),
    readSupervisorLog(runDir),
  ]);
  const problems: string[] = [];
  let tracker = options.lifetimes;
  let skippedFiles = options.skippedFiles;
  if (tracker === undefined) {
    tracker = new LifetimeTracker(options.maxLifetimes ?? DEFAULT_MAX_LIFETIMES);
    const stream = readEvents(runDir, { maxSkippedListed: 0 });
    try {
      for await (const { event, file, line } of stream) tracker.add(event, file, line);
    } catch (error) {
      problems.push(`metrics files cannot be read: ${(error as Error).message}`);
    }
    skippedFiles ??= stream.stats.skippedFiles;
  }
  const health = decideRunHealth({
    nowMs: options.nowMs ?? Date.now(),
    run,
    summary,
    heartbeat,
    supervisor,
    supervisorLog,
    lifetimes: {
      list: tracker.lifetimes(),
      dropped: tracker.dropped,
      totals: tracker.totals(),
      recent: tracker.recent(),
    },
    isAlive: options.isAlive ?? pidIsAlive,
    staleAfterMs: options.staleAfterMs,
    skippedFiles: skippedFiles ?? [],
  });
  health.problems.push(...problems);
  return health;
}
