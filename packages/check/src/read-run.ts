// The I/O edge: a run dir streamed into RunMetrics (events through @loop/metrics' reader, documents through
// @loop/run-dir), and two run dirs read in lockstep for a comparison.
import { stat } from 'node:fs/promises';
import {
  describeSkippedMetricsFile,
  isMetricsError,
  type MetricsEventStream,
  readEvents,
} from '@loop/metrics';
import { readMetricsSummary, readRunInfo, readSupervisorState } from '@loop/run-dir';
import { type DivergenceOptions, type DivergenceReport, findDivergence } from './divergence.js';
import { LoopCheckError } from './errors.js';
import {
  type RunDocumentFigures,
  type RunMetrics,
  RunMetricsCollector,
  type RunMetricsLimits,
} from './run-metrics.js';
import { StepReader } from './step-reader.js';

/** Options of {@link readRunMetrics} and {@link compareRunDirs}. */
export interface ReadRunOptions {
  /** Bounds on distinct stages and reasons (defaults 64 and 256). */
  limits?: Partial<RunMetricsLimits>;
}

/** A run dir read: its metrics, its settings (run.json's `settings`) and notes on files it could not use. */
export interface RunReading {
  runDir: string;
  metrics: RunMetrics;
  /** run.json's `settings`, or null when run.json is missing or corrupt. */
  settings: Record<string, unknown> | null;
  /** One line per document that was missing or corrupt, e.g. `metrics_summary.json: missing`. */
  notes: string[];
}

/** Throws LOOP_CHECK_RUN_DIR_MISSING unless `runDir` is an existing directory. */
export async function assertRunDir(runDir: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(runDir)).isDirectory();
  } catch (cause) {
    throw new LoopCheckError('LOOP_CHECK_RUN_DIR_MISSING', `run dir ${runDir} does not exist`, {
      cause,
      context: { runDir },
    });
  }
  if (!isDirectory)
    throw new LoopCheckError('LOOP_CHECK_RUN_DIR_MISSING', `run dir ${runDir} is not a directory`, {
      context: { runDir },
    });
}

interface Documents {
  figures: RunDocumentFigures;
  settings: Record<string, unknown> | null;
  notes: string[];
}

async function readDocuments(runDir: string): Promise<Documents> {
  const [summary, runInfo, supervisor] = await Promise.all([
    readMetricsSummary(runDir),
    readRunInfo(runDir),
    readSupervisorState(runDir),
  ]);
  const notes: string[] = [];
  const figures: RunDocumentFigures = {};
  if (summary.state === 'valid') {
    figures.summaryGauges = summary.value.gauges;
    figures.summaryWriter = summary.value.writer;
  } else notes.push(`metrics summary: ${summary.state === 'missing' ? 'missing' : summary.reason}`);
  let settings: Record<string, unknown> | null = null;
  if (runInfo.state === 'valid') {
    const info = runInfo.value;
    const stats = info.stats as Record<string, unknown> | undefined;
    if (isObject(stats?.position)) figures.runPosition = stats.position;
    if (isObject(info.metrics_writer)) figures.runWriter = info.metrics_writer;
    if (isObject(info.settings)) {
      settings = info.settings;
      const cash = info.settings['initial-cash'];
      if (typeof cash === 'number') figures.initialCash = cash;
    }
  } else notes.push(`run record: ${runInfo.state === 'missing' ? 'missing' : runInfo.reason}`);
  if (supervisor.state === 'valid') figures.supervisorRestarts = supervisor.value.restarts;
  else if (supervisor.state === 'corrupt') notes.push(`supervisor state: ${supervisor.reason}`);
  return { figures, settings, notes };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readFailed(runDir: string, error: unknown): unknown {
  if (!isMetricsError(error)) return error;
  return new LoopCheckError('LOOP_CHECK_READ_FAILED', error.message, { cause: error, context: { runDir } });
}

function finish(
  runDir: string,
  collector: RunMetricsCollector,
  stream: MetricsEventStream,
  documents: Documents,
): RunReading {
  collector.addSkipped(stream.stats.skippedCount);
  collector.addSkippedFiles(stream.stats.skippedFiles.length);
  const notes = [...documents.notes];
  for (const file of stream.stats.skippedFiles) notes.push(describeSkippedMetricsFile(file));
  if (stream.stats.skippedCount > 0) {
    const first = stream.stats.skipped[0];
    notes.push(
      `${stream.stats.skippedCount} line(s) skipped${first ? ` (first: ${first.file}:${first.line} ${first.reason})` : ''}`,
    );
  }
  return { runDir, metrics: collector.finish(documents.figures), settings: documents.settings, notes };
}

/**
 * Streams a run dir (every rotated NDJSON file oldest first, across lifetimes; the summary; run.json; the
 * supervisor's state) into its {@link RunMetrics}. Memory is bounded whatever the run's size.
 *
 * @throws LoopCheckError `LOOP_CHECK_RUN_DIR_MISSING`, `LOOP_CHECK_READ_FAILED`.
 */
export async function readRunMetrics(runDir: string, options: ReadRunOptions = {}): Promise<RunReading> {
  await assertRunDir(runDir);
  const collector = new RunMetricsCollector(options.limits);
  const stream = readEvents(runDir, { maxSkippedListed: 5 });
  try {
    for await (const read of stream) collector.addEvent(read.event);
  } catch (error) {
    throw readFailed(runDir, error);
  }
  return finish(runDir, collector, stream, await readDocuments(runDir));
}

/** A setting (run.json `settings`) whose value differs between the runs. */
export interface SettingDifference {
  key: string;
  a: unknown;
  b: unknown;
}

/** What {@link compareRunDirs} returns. */
export interface RunDirComparison {
  a: RunReading;
  b: RunReading;
  /** Settings that differ (both run.json files read), in A's key order. */
  settings: SettingDifference[];
  divergence: DivergenceReport;
}

/** The settings that differ between two runs' run.json `settings`. Pure. */
export function settingDifferences(
  a: Record<string, unknown> | null,
  b: Record<string, unknown> | null,
): SettingDifference[] {
  if (a === null || b === null) return [];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys
    .filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]))
    .map((key) => ({ key, a: a[key] ?? null, b: b[key] ?? null }));
}

/**
 * Reads two run dirs in one lockstep pass: both runs' metrics, and where their decisions first differ
 * (see {@link findDivergence}). Memory: the two collectors and one step of each run.
 *
 * @throws LoopCheckError `LOOP_CHECK_RUN_DIR_MISSING`, `LOOP_CHECK_READ_FAILED`.
 */
export async function compareRunDirs(
  runDirA: string,
  runDirB: string,
  options: ReadRunOptions & DivergenceOptions = {},
): Promise<RunDirComparison> {
  await assertRunDir(runDirA);
  await assertRunDir(runDirB);
  const collectorA = new RunMetricsCollector(options.limits);
  const collectorB = new RunMetricsCollector(options.limits);
  const streamA = readEvents(runDirA, { maxSkippedListed: 5 });
  const streamB = readEvents(runDirB, { maxSkippedListed: 5 });
  const readerA = new StepReader(streamA, (read) => collectorA.addEvent(read.event));
  const readerB = new StepReader(streamB, (read) => collectorB.addEvent(read.event));
  let divergence: DivergenceReport;
  try {
    divergence = await findDivergence(
      readerA,
      readerB,
      options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps },
    );
  } catch (error) {
    // One run could not be read: close the other's files before reporting it.
    await Promise.allSettled([readerA.close(), readerB.close()]);
    throw readFailed(runDirA, error);
  }
  const [docsA, docsB] = await Promise.all([readDocuments(runDirA), readDocuments(runDirB)]);
  const a = finish(runDirA, collectorA, streamA, docsA);
  const b = finish(runDirB, collectorB, streamB, docsB);
  return { a, b, settings: settingDifferences(a.settings, b.settings), divergence };
}
