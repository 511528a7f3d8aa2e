// `loop run`: parses and validates the flags (and the feed file), composes an engine loop with the
// run dir's observers (heartbeat, metrics, progress), runs it until done, halted or signalled, and
// records the run in run.json. Holds <run-dir>/run.lock for its whole life: one live run per run dir.
import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import {
  createLoop,
  FeedFileError,
  isLoopEngineError,
  type LoopResult,
  type LoopSetup,
  loadReplayFeed,
  parseFeedTimeZone,
  type ReplayFeed,
  runLoop,
  type StageObserver,
} from '@loop/engine';
import { makeDirectory } from '@loop/metrics';
import type { Command, CommandIo } from '../command.js';
import { BAD_PATH_ERRNOS, LoopCliError, usageError } from '../errors.js';
import { formatHelp, parseFlags } from '../flags.js';
import {
  loopConfig,
  type RunFlagValues,
  recordedSettings,
  runFlagSchema,
  runFlagSpecs,
} from '../run-flags.js';
import { acquireRunLock, type RunLock } from '../run-lock.js';
import {
  type MetricsFlagValues,
  metricsFlagSpecs,
  openRunMetrics,
  type RunMetrics,
  withLongRunDefaults,
} from '../run-metrics.js';
import { RunProgress } from '../run-progress.js';
import { feedRecord, Heartbeat, RunRecord } from '../run-record.js';
import { formatRunSummary } from '../run-report.js';
import { judgeRun, prepareRunThresholds, type RunThresholds } from '../run-thresholds.js';
import { cliVersion, packageVersions } from '../version.js';

const USAGE = 'Usage: loop run --run-dir DIR [flags]';
const SUMMARY =
  'Runs the trading loop (strategy -> risk -> exec -> position) on a seeded synthetic or replayed feed,\n' +
  'against a paper exchange. Writes <run-dir>/run.json and touches <run-dir>/heartbeat at each step.\n' +
  'SIGINT/SIGTERM finish the current step and end the run cleanly (exit 0); a second one exits at once.\n' +
  'Holds <run-dir>/run.lock (the pid) while it runs: a run dir another live `loop run` uses is refused\n' +
  '(exit 1, naming the pid); a lock left by a dead process is taken over. The lock is removed at exit.\n' +
  'Exit status: 0 completed or stopped by a signal, 1 failed (or the run dir is in use), 2 bad input\n' +
  '(nothing written), 3 halted by the kill switch (too many consecutive stage errors).';

/** Exit status of a run that the kill switch halted. */
export const EXIT_HALTED = 3;

export const runCommand: Command = {
  name: 'run',
  async run(argv, io) {
    const parsed = parseFlags('run', argv, runFlagSpecs, runFlagSchema);
    if (parsed.help) {
      io.stdout.write(formatHelp(USAGE, SUMMARY, runFlagSpecs));
      return 0;
    }
    const values = parsed.values;
    if (values.version) {
      const versions = Object.entries(packageVersions()).map(([name, version]) => `${name} ${version}`);
      io.stdout.write(`loop ${cliVersion}\n${versions.join('\n')}\n`);
      return 0;
    }
    return runLoopCommand(values, io);
  },
};

async function runLoopCommand(given: RunFlagValues, io: CommandIo): Promise<number> {
  const runDir = given['run-dir']!;

  // Everything that can be refused is checked before the run dir is touched.
  if (given.feed === 'synthetic' && given['feed-skip-bad-rows']) {
    throw usageError('loop run: --feed-skip-bad-rows needs --feed <file> (the synthetic feed has no rows)');
  }
  for (const flag of ['feed-timezone', 'feed-format'] as const) {
    if (given.feed === 'synthetic' && given[flag] !== undefined && given[flag] !== 'auto') {
      throw usageError(
        `loop run: --${flag} needs --feed <file> (the synthetic feed is not read from a file)`,
      );
    }
  }
  if (given['feed-timezone'] !== undefined) {
    try {
      parseFeedTimeZone(given['feed-timezone'], '--feed-timezone');
    } catch (error) {
      throw usageError(`loop run: ${(error as Error).message}`, error);
    }
  }
  const feed = given.feed === 'synthetic' ? undefined : await loadFeed(given);
  // A long run's metrics get rotation and a size bound unless the flags say otherwise; run.json records
  // the values in force.
  const metricsDefaults = withLongRunDefaults(metricsValues(given), {
    clock: given.clock,
    steps: given['max-steps'] ?? feed?.source.candles.length,
  });
  const values: RunFlagValues = { ...given, ...metricsDefaults.values };
  const setup = composeLoop(values, feed);
  const thresholdStop = new AbortController(); // --abort-on-fail: a failed threshold ends the run like a signal
  const judge = await prepareRunThresholds(values, () => thresholdStop.abort('threshold'));
  const runDirExisted = existsSync(runDir);
  if (runDirExisted && !statSync(runDir).isDirectory()) {
    throw usageError(`loop run: --run-dir: "${runDir}" exists and is not a directory`);
  }

  try {
    makeDirectory(runDir);
  } catch (error) {
    const message = `loop run: --run-dir: cannot create "${runDir}": ${(error as Error).message}`;
    // A path through a file is bad input; permissions or a full disk are the machine's.
    if (BAD_PATH_ERRNOS.has((error as NodeJS.ErrnoException).code ?? '')) throw usageError(message, error);
    throw new LoopCliError('LOOP_CLI_RUNTIME', message, { cause: error });
  }
  // A refusal (the dir is in use, the metrics lock or port is taken) must leave no trace: remove the run
  // dir if we made it and it is empty.
  const removeIfMade = () => {
    if (!runDirExisted && readdirSync(runDir).length === 0) rmdirSync(runDir);
  };
  // SIGINT/SIGTERM are ours before anything is written: once run.json says "running", a signal must end
  // the run cleanly (exit 0), never kill it by the default action mid-start. One before the loop starts
  // ends it at once, as "signal".
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      io.stderr.write(`\nloop run: second ${signal}, exiting now\n`);
      process.exit(130);
    }
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let lock: RunLock;
    try {
      lock = acquireRunLock(runDir);
    } catch (error) {
      removeIfMade();
      throw error;
    }
    if (metricsDefaults.notice !== undefined && !values.quiet) io.stderr.write(`${metricsDefaults.notice}\n`);
    try {
      const stopSignal = AbortSignal.any([stop.signal, thresholdStop.signal]);
      return await runInLockedDir(values, io, setup, feed, lock, removeIfMade, stopSignal, judge);
    } finally {
      lock.release();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The run proper, once the run dir is ours: metrics, run.json, heartbeat, the loop, the summary. */
async function runInLockedDir(
  values: RunFlagValues,
  io: CommandIo,
  setup: LoopSetup,
  feed: ReplayFeed | undefined,
  lock: RunLock,
  removeIfMade: () => void,
  stopSignal: AbortSignal,
  judge: RunThresholds | undefined,
): Promise<number> {
  const runDir = values['run-dir']!;
  const deterministic = values.clock === 'simulated';
  let metrics: RunMetrics | undefined;
  try {
    metrics = await openRunMetrics(metricsValues(values), {
      runDir,
      deterministic,
      clock: values.clock,
      clockNowMs: () => setup.clock.now(),
      warn: (line) => io.stderr.write(`${line}\n`),
      identity: {
        version: cliVersion,
        clock: values.clock,
        exchange: values.exchange,
        seed: values.seed,
        feed: values.feed,
      },
    });
  } catch (error) {
    lock.release();
    removeIfMade();
    throw error;
  }

  const record = new RunRecord(
    runDir,
    {
      clock: values.clock,
      seed: values.seed,
      exchange: values.exchange,
      settings: recordedSettings(values),
      versions: packageVersions(),
      feed: feedRecord(feed, setup.feed.intervalMs),
    },
    deterministic,
  );
  try {
    record.start(setup.clock.now());
  } catch (error) {
    // No run.json, no run: the dir could not say what ran in it.
    await metrics?.close();
    lock.release();
    throw new LoopCliError(
      'LOOP_CLI_RUNTIME',
      `loop run: cannot write run.json: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const heartbeat = new Heartbeat(runDir);
  heartbeat.touch();
  const progress = makeProgress(values, io, metrics);
  const observers: StageObserver[] = [heartbeat];
  if (metrics) observers.push(metrics.observer);
  if (progress) observers.push(progress);
  if (judge?.live) observers.push(judge.observer);

  let result: LoopResult;
  try {
    result = await runLoop({ ...setup, observers, maxSteps: values['max-steps'], signal: stopSignal });
  } finally {
    progress?.clear();
  }
  await metrics?.close(result.stats);
  heartbeat.touch();
  const errorText = result.ended === 'error' ? describe(result.error) : undefined;
  // Thresholds are judged from the files, as `loop check` does; a failure exits 99 unless the run failed
  // or was halted (their statuses say more, and a supervisor keys on 3).
  const verdict = judge ? await judgeRun(runDir, judge) : undefined;
  const exitCode =
    result.ended === 'error' ? 1 : result.ended === 'halted' ? EXIT_HALTED : (verdict?.exitCode ?? 0);
  let recordError: string | undefined;
  try {
    record.finish(result, exitCode, errorText, metrics?.writerRecord() ?? null);
  } catch (error) {
    // A full disk at the end must not hide the summary: it is printed, the failure said, the code kept.
    recordError = (error as Error).message;
  }
  if (!values.quiet)
    io.stdout.write(
      formatRunSummary({
        result,
        clock: values.clock,
        feed: values.feed,
        initialCash: values['initial-cash'],
        runDir,
        extraLines: [
          ...safeLines(metrics),
          ...(heartbeat.failures > 0 ? [`heartbeat: ${heartbeat.failures} touches failed`] : []),
        ],
      }),
    );
  if (verdict !== undefined) io.stdout.write(verdict.text);
  if (errorText !== undefined) io.stderr.write(`loop run: the loop failed: ${errorText}\n`);
  if (recordError !== undefined) {
    io.stderr.write(`loop run: cannot write the end of the run to run.json: ${recordError}\n`);
  }
  return exitCode;
}

/** The progress display on stderr: in place on a TTY, a line every --progress-every-s otherwise, none with --quiet. */
function makeProgress(
  values: RunFlagValues,
  io: CommandIo,
  metrics: RunMetrics | undefined,
): RunProgress | undefined {
  if (values.quiet) return undefined;
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const everyS = values['progress-every-s'];
  if (!tty && everyS === 0) return undefined;
  return new RunProgress({
    out: io.stderr,
    mode: tty ? 'tty' : 'lines',
    clock: values.clock,
    maxSteps: values['max-steps'],
    eventsWritten: metrics?.eventsWritten,
    everyMs: tty ? undefined : everyS * 1000,
  });
}

/** Loads and validates the replay file; a missing or bad file is an input error naming file and line. */
async function loadFeed(values: RunFlagValues): Promise<ReplayFeed> {
  try {
    const format = values['feed-format'];
    return await loadReplayFeed(values.feed, {
      skipBadRows: values['feed-skip-bad-rows'],
      format: format === 'auto' ? undefined : format,
      timeZone: values['feed-timezone'],
      timeZoneOption: '--feed-timezone',
    });
  } catch (error) {
    if (!isLoopEngineError(error)) throw error;
    // A timestamp without a zone already names --feed-timezone: skipping every such row is no fix.
    const hint =
      error instanceof FeedFileError && error.badRow && !error.message.includes('--feed-timezone')
        ? ' (--feed-skip-bad-rows skips bad rows)'
        : '';
    throw new LoopCliError('LOOP_CLI_INPUT', `loop run: --feed: ${error.message}${hint}`, { cause: error });
  }
}

/** Builds the loop's parts; an option the engine refuses is a usage error. */
function composeLoop(values: RunFlagValues, feed: ReplayFeed | undefined): LoopSetup {
  try {
    return createLoop(loopConfig(values, feed));
  } catch (error) {
    if (isLoopEngineError(error)) throw usageError(`loop run: ${error.message}`, error);
    throw error;
  }
}

function metricsValues(values: RunFlagValues): MetricsFlagValues {
  const picked: Record<string, unknown> = {};
  for (const name of Object.keys(metricsFlagSpecs)) picked[name] = (values as Record<string, unknown>)[name];
  return picked as MetricsFlagValues;
}

function safeLines(metrics: RunMetrics | undefined): string[] {
  try {
    return metrics?.summaryLines() ?? [];
  } catch (error) {
    return [`metrics: no summary (${describe(error)})`];
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
