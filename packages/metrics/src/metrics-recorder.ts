// The one object a bot uses: collector + rotating NDJSON writer + atomic summary, flushed on time and on exit.
import * as path from 'node:path';
import { type Counter, type CounterSink, CustomMetrics, type Gauge } from './custom-metrics.js';
import { describeError, MetricsError } from './errors.js';
import { type FlushMode, StepFlushPolicy } from './flush-policy.js';
import { InputReporter, type InvalidInputSink, type MetricsWarning } from './input-report.js';
import { DEFAULT_LATENCY_RANGE, type LatencyRange } from './latency-histogram.js';
import { makeDirectory } from './make-directory.js';
import {
  checkRotateOptions,
  type MetricsLineWriter,
  RotatingNdjsonWriter,
  type WriterFileSystem,
  type WriterHealthChange,
  type WriterStats,
} from './rotating-ndjson-writer.js';
import type { MetricsSummary } from './schema.js';
import { formatStageEventLine } from './stage-event.js';
import { encodeStageEvent } from './stage-event-encoder.js';
import { StageEventCheck, type StageEventInput } from './stage-event-input.js';
import { RecorderStageLane, type StageLane, type StageLaneHost } from './stage-lane.js';
import {
  type RunCounterName,
  type StageEventSink,
  StageMetricsCollector,
} from './stage-metrics-collector.js';
import {
  RunningStage,
  runStage,
  type StageOptions,
  type StageScope,
  type StageTimer,
  type StageTimingHost,
  type StageTracer,
} from './stage-timer.js';
import { type MAX_STEP_LANES, RecorderStepLanes, type StepLanes } from './step-lanes.js';
import { writeSummaryAtomic } from './summary-file.js';
import { ThreadedNdjsonWriter } from './threaded-ndjson-writer.js';
import { acquireWriterLock, type WriterLock } from './writer-lock.js';
import { writerThreadAvailable } from './writer-thread-start.js';

/** Rotation limits of `metrics.ndjson`; all off by default (as in the seed). */
export interface RotationOptions {
  /** At most this many lines a file. */
  maxLines?: number;
  /** At most this many bytes a file (unless a single line is larger). */
  maxBytes?: number;
  /** Keep at most this many rotated files (oldest deleted). */
  keep?: number;
  /** Keep all NDJSON files within this many bytes plus one file, deleting the oldest rotated ones. */
  maxTotalBytes?: number;
}

/** Options of {@link openMetricsRecorder}. */
export interface MetricsRecorderOptions {
  /** Where `metrics.ndjson*` and `metrics_summary.json` go. Without it, nothing is written (memory and sinks only). */
  runDir?: string;
  rotate?: RotationOptions;
  /** When {@link MetricsRecorder.endStep} writes the batch (what a SIGKILL can lose); default `step`. */
  flush?: FlushMode;
  /**
   * Write `metrics.ndjson` from a worker thread: the loop's thread puts each stage event's fields (numbers,
   * and ids of its names) into a shared ring, and the writer thread encodes the lines (the same bytes),
   * writes, rotates, prunes and fsyncs (same files, same figures, same disk-full handling). A full ring makes
   * the loop wait, nothing is dropped. Used with `flush: 'batch'` or `'interval'` only (`step` stays
   * synchronous, so a SIGKILL still loses at most the step in progress); a SIGKILL can then also lose what
   * the thread has not written yet, at most `WRITER_THREAD_LINES` (2,048) lines in the ring and
   * `WRITER_THREAD_BYTES` (64 KiB) in its buffer. Ignored with `fileSystem`, and when run from TypeScript
   * sources (the thread's entry is the built `.js`). A thread started by `prestartWriterThread()` (from
   * `@loop/metrics/writer-thread`) is taken. Default false.
   */
  writerThread?: boolean;
  /**
   * fsync after each flush and each periodic summary rewrite (slower; survives power loss, not only process
   * death). Default false: the final summary (close, exit) is fsynced either way.
   */
  fsync?: boolean;
  /** The caller's clock, ms since the epoch, used for summary times. Default `Date.now`. */
  now?: () => number;
  /** Leave the pid out of the summary (`pid: null`) so simulated runs give byte-identical files. */
  deterministic?: boolean;
  /** Process start on the caller's clock; default `now()` when opened. */
  processStartMs?: number;
  /** Flush the batch at least this often, in ms of real time; default 100, 0 = only on flush()/exit. */
  flushIntervalMs?: number;
  /** Rewrite the summary this often, in ms of real time; default 1000, 0 = only on writeSummary()/close(). */
  summaryIntervalMs?: number;
  /** Flush and write the summary on exit, SIGINT, SIGTERM and uncaught exceptions. Default true. */
  handleProcessExit?: boolean;
  /** Histogram range in microseconds (default 1 µs .. 1 h). */
  histogram?: LatencyRange;
  /** Recent events kept in memory (default 1024). */
  recentCapacity?: number;
  /** Slowest events kept per stage for the summary's `slowest_by_stage` (default 10; 0: none). */
  slowestPerStage?: number;
  /** Replaces node:fs for the NDJSON writer (tests inject failures). */
  fileSystem?: WriterFileSystem;
  /**
   * Told when NDJSON writes start failing (disk full, permissions) and when they recover; the summary is
   * also rewritten at once on each change, so it does not stay stale until the next timer.
   */
  onWriterHealth?: (change: WriterHealthChange) => void;
  /**
   * Ms clock that `stage()` and `start()` measure latencies with. Default: `now` when you gave one (a
   * simulated clock then gives deterministic latencies), else `performance.now()`.
   */
  clock?: () => number;
  /**
   * Invalid input (an unknown outcome, a missing stage, NaN latency, a bad counter name, a timer ended
   * twice) throws a {@link MetricsError} (and is counted in the summary's `invalid_input`) instead of being
   * recorded as well as possible with one warning per kind. Default false. Use it in tests and development.
   */
  strict?: boolean;
  /** Told of the first invalid input of each kind (not in strict mode). Default: `process.emitWarning`. */
  onWarning?: (warning: MetricsWarning) => void;
  /** Most distinct custom counter names, and gauge names, kept (each); default 256. */
  maxMetricNames?: number;
  /** Gives every `stage()` / `start()` a span too (see `otelStageTracer` in `@loop/metrics/otel`). */
  tracer?: StageTracer;
  /**
   * Called before each summary is built (the periodic rewrite, {@link MetricsRecorder.summary},
   * `writeSummary()`, close and exit): a loop that keeps its counts and gauges itself between summaries
   * brings them up to date here instead of on every step. A throw is ignored.
   */
  beforeSummary?: () => void;
}

/**
 * Records stage events to memory, `metrics.ndjson` (batched, rotating) and `metrics_summary.json`.
 * Never throws from `record`, `count`, `setGauge`, `flush` or `close`: failures are counted in the
 * summary's `writer` figures and the loop goes on.
 */
export class MetricsRecorder {
  /** The in-memory aggregates. */
  readonly collector: StageMetricsCollector;
  /** The NDJSON writer, when a run dir was given. */
  readonly writer: MetricsLineWriter | undefined;
  /** The run dir, when one was given. */
  readonly runDir: string | undefined;
  private readonly now: () => number;
  private readonly processStartMs: number;
  private readonly pid: number | null;
  private readonly lock: WriterLock | undefined;
  private readonly flushPolicy: StepFlushPolicy;
  private readonly fsyncSummaries: boolean;
  private readonly timers: NodeJS.Timeout[] = [];
  private summaryErrors = 0;
  private lastSummaryError: string | null = null;
  private closed = false;
  private readonly exitHandlers: Array<[string, (...args: unknown[]) => void]> = [];
  private readonly reporter: InputReporter;
  private readonly input: StageEventCheck;
  private readonly custom: CustomMetrics;
  private readonly timing: StageTimingHost;
  /** The writer when it is the writer thread's loop-side half: stage events go to it as their fields. */
  private readonly threaded: ThreadedNdjsonWriter | undefined;
  /** What the recorder's stage lanes use. */
  private readonly laneHost: StageLaneHost;
  private readonly beforeSummary: (() => void) | undefined;

  constructor(options: MetricsRecorderOptions = {}) {
    this.now = options.now ?? Date.now;
    this.processStartMs = options.processStartMs ?? this.now();
    this.pid = options.deterministic ? null : process.pid;
    this.flushPolicy = new StepFlushPolicy(options.flush ?? 'step');
    this.fsyncSummaries = options.fsync ?? false;
    this.beforeSummary = options.beforeSummary;
    this.collector = new StageMetricsCollector({
      histogram: options.histogram,
      recentCapacity: options.recentCapacity,
      slowestPerStage: options.slowestPerStage,
    });
    this.reporter = new InputReporter(options.strict ?? false, options.onWarning);
    this.input = new StageEventCheck(this.now, this.reporter);
    this.custom = new CustomMetrics(this.collector, this.reporter, options.maxMetricNames);
    const input = this.input;
    this.timing = {
      clock: options.clock ?? (options.now ? this.now : () => performance.now()),
      now: this.now,
      currentStep: () => input.step,
      record: (event) => this.record(event),
      reporter: this.reporter,
      tracer: options.tracer,
    };
    if (options.runDir !== undefined) {
      // Bad limits are refused before the run dir is created or locked: nothing is left behind.
      checkRotateOptions(options.rotate ?? {});
      this.runDir = path.resolve(options.runDir);
      this.lock = acquireWriterLockIn(this.runDir);
      const writerOptions = {
        dir: this.runDir,
        maxLines: options.rotate?.maxLines,
        maxBytes: options.rotate?.maxBytes,
        keep: options.rotate?.keep,
        maxTotalBytes: options.rotate?.maxTotalBytes,
        fsync: options.fsync,
        fileSystem: options.fileSystem,
        onHealthChange: (change: WriterHealthChange) => {
          options.onWriterHealth?.(change);
          this.writeSummary();
        },
      };
      const threaded =
        options.writerThread === true &&
        this.flushPolicy.mode !== 'step' &&
        options.fileSystem === undefined &&
        writerThreadAvailable();
      try {
        // The collector's histogram range: the thread can then aggregate stage lanes' events.
        this.threaded = threaded
          ? new ThreadedNdjsonWriter(writerOptions, options.histogram ?? DEFAULT_LATENCY_RANGE)
          : undefined;
        this.writer = this.threaded ?? new RotatingNdjsonWriter(writerOptions);
      } catch (error) {
        this.lock.release();
        throw error;
      }
    }
    const threadedWriter = this.threaded;
    if (threadedWriter !== undefined) this.collector.syncThread = () => threadedWriter.syncAggregates();
    this.laneHost = {
      collector: this.collector,
      input: this.input,
      threaded: this.threaded,
      writer: this.writer,
      record: (event) => this.record(event),
    };
    const flushMs = options.flushIntervalMs ?? 100;
    if (flushMs > 0 && this.writer) this.timers.push(setInterval(() => this.flush(), flushMs).unref());
    const summaryMs = options.summaryIntervalMs ?? 1000;
    if (summaryMs > 0 && this.runDir)
      this.timers.push(setInterval(() => this.writeSummaryFile(this.fsyncSummaries), summaryMs).unref());
    if (options.handleProcessExit ?? true) this.installExitHandlers();
  }

  /**
   * Records one stage event (aggregates, recent ring, NDJSON batch, sinks). Keep the object unchanged
   * afterwards. `ts` defaults to `now()`, `step` to {@link step}, `latency_ms` to 0. An invalid field is
   * reported (see the `strict` option), never silently rewritten.
   */
  record(input: StageEventInput): void {
    const event = this.input.check(input);
    this.collector.record(event);
    if (this.threaded !== undefined) this.threaded.writeStageEvent(event);
    else if (this.writer !== undefined)
      this.writer.writeEncoded(event, encodeStageEvent, formatStageEventLine);
  }

  /**
   * Runs `fn` as stage `name` and records its event, timed on the recorder's clock: outcome `ok` unless
   * `fn` calls `s.reject(reason)` or `s.error(reason)`; `error` with the error's code or name as reason if
   * `fn` throws or its promise rejects (then rethrown). Returns what `fn` returns (sync or a promise).
   *
   * @example
   * const order = await metrics.stage('exec', async (s) => {
   *   if (position >= limit) return s.reject('MAX_POSITION', `position=${position}`);
   *   return exchange.send(order);
   * });
   */
  stage<T>(name: string, fn: (scope: StageScope) => T, options?: StageOptions): T {
    return runStage(this.timing, name, fn, options);
  }

  /**
   * A handle that records events of stage `stage` as {@link record} does (the same aggregates, lines, checks
   * and reports), faster: for a loop's hot path. Arguments are positional, so no event object is made per
   * event, and what is the same for every event of the stage is looked up once. `attrKeys` are the
   * attribute keys its `recordWith(values, ...)` gives values for, in order. Throws
   * `LOOP_METRICS_OPTION_INVALID` for an empty or too long stage name, or a key that is too long or given twice.
   *
   * @example
   * const position = metrics.stageLane('position', ['position', 'equity']);
   * position.recordWith([book.position, book.equity], Date.now(), step, 'ok', latencyMs);
   */
  stageLane(stage: string, attrKeys: readonly string[] = []): StageLane {
    return new RecorderStageLane(this.laneHost, stage, attrKeys);
  }

  /**
   * Lanes recorded together, one `ok` event each, from typed arrays the caller fills: a loop step whose
   * stages all went well, in one call (see {@link StepLanes}). Each event is recorded as its lane would
   * record it. Throws `LOOP_METRICS_OPTION_INVALID` for no lanes, more than {@link MAX_STEP_LANES}, or a lane
   * of another recorder.
   *
   * @example
   * const step = metrics.stepLanes([metrics.stageLane('strategy'), metrics.stageLane('exec')]);
   * step.ts[0] = t1; step.latencyMs[0] = 0.2; step.ts[1] = t2; step.latencyMs[1] = 0.5;
   * step.recordOk(stepNumber);
   */
  stepLanes(lanes: readonly StageLane[]): StepLanes {
    return new RecorderStepLanes(this.laneHost, lanes);
  }

  /** Starts timing stage `name` by hand; `timer.end({ outcome, reason })` records it (once). */
  start(name: string, options?: StageOptions): StageTimer {
    return new RunningStage(this.timing, name, options);
  }

  /** The step events get when they do not name one: the last explicit step, plus one per {@link endStep}. Starts at 1. */
  get step(): number {
    return this.input.step;
  }

  /**
   * Adds to a run counter (`processed`, `filled`, `rejected`, `errors`) or to the custom counter of that
   * name (see {@link counter}).
   */
  count(name: RunCounterName | (string & {}), by = 1): void {
    this.custom.count(name, by);
  }

  /** Sets the gauge `name` (position, equity, PnL, fees, ...): see {@link gauge}. */
  setGauge(name: string, value: number): void {
    this.custom.setGauge(name, value);
  }

  /**
   * The counter `name` (made on first use): in the summary's `custom_counters` and on `/metrics` as
   * `loop_counter_total{name}`. Names are Prometheus-compatible (`[a-zA-Z_][a-zA-Z0-9_]*`, at most 128),
   * at most `maxMetricNames` (256) of them; a refused name is reported and its updates ignored.
   */
  counter(name: string): Counter {
    return this.custom.counter(name);
  }

  /** The gauge `name` (made on first use): in the summary's `gauges` and `loop_gauge{name}`. Same name rules as {@link counter}. */
  gauge(name: string): Gauge {
    return this.custom.gauge(name);
  }

  /** Adds a sink (e.g. the Prometheus exporter) that sees every later event, counter and gauge. */
  addSink(sink: StageEventSink & CounterSink & InvalidInputSink): void {
    this.collector.addSink(sink);
    this.custom.addSink(sink);
    this.reporter.addSink(sink);
  }

  /**
   * Ends a loop step: advances {@link step}, writes the batch if the flush mode says so (see
   * {@link FlushMode}). Never throws.
   */
  endStep(): void {
    this.input.advanceStep();
    if (this.writer !== undefined && this.flushPolicy.stepEnded()) this.writer.flush();
  }

  /** Writes the batch to disk now. False if a write failed (counted). */
  flush(): boolean {
    this.flushPolicy.flushed();
    return this.writer?.flush() ?? true;
  }

  /** The summary as it stands, times from the caller's clock. */
  summary(): MetricsSummary {
    if (this.beforeSummary !== undefined) {
      try {
        this.beforeSummary();
      } catch {
        // the caller's hook: its failure must not cost the summary
      }
    }
    const summary = this.collector.summary({
      nowMs: this.now(),
      processStartMs: this.processStartMs,
      pid: this.pid,
      writer: this.writerFigures(),
    });
    const customCounters = this.custom.figures();
    if (customCounters !== undefined) summary.custom_counters = customCounters;
    const invalidInput = this.reporter.figures();
    if (invalidInput !== undefined) summary.invalid_input = invalidInput;
    return summary;
  }

  /** Replaces `metrics_summary.json` atomically. False if it failed (counted in `writer.write_errors`). */
  writeSummary(): boolean {
    return this.writeSummaryFile(true);
  }

  /**
   * The periodic rewrite fsyncs only with the `fsync` option, as the NDJSON lines do: under a loaded disk an
   * fsync a second stalls the loop for milliseconds, and the rename alone already keeps the file whole for
   * readers. Every other write (close, exit, a writer health change) is fsynced.
   */
  private writeSummaryFile(fsync: boolean): boolean {
    if (this.runDir === undefined) return true;
    try {
      writeSummaryAtomic(this.runDir, this.summary(), { fsync });
      return true;
    } catch (error) {
      this.summaryErrors++;
      this.lastSummaryError = describeError(error);
      return false;
    }
  }

  /** The writer's figures plus summary-write failures. */
  writerFigures(): WriterStats {
    const stats: WriterStats = this.writer?.getStats() ?? {
      lines_written: 0,
      bytes_written: 0,
      rotations: 0,
      write_errors: 0,
      last_write_error: null,
      lines_dropped: 0,
      rotated_files_deleted: 0,
    };
    if (this.summaryErrors > 0) {
      stats.write_errors += this.summaryErrors;
      stats.last_write_error = this.lastSummaryError;
    }
    return stats;
  }

  /** Flushes, closes the file, writes the final summary and releases the run dir. Idempotent; never throws. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const [event, handler] of this.exitHandlers) process.removeListener(event, handler);
    this.writer?.close();
    this.writeSummary();
    this.lock?.release();
  }

  private flushForExit(): void {
    if (this.closed) return;
    this.writer?.flush();
    this.writeSummary();
  }

  private installExitHandlers(): void {
    const onExit = () => this.close();
    const onFatal = () => this.flushForExit();
    const onSignal = (signal: unknown) => {
      this.flushForExit();
      // Only we listen: restore the default action (terminate) instead of swallowing the signal.
      if (process.listenerCount(signal as string) === 1) {
        this.close();
        process.kill(process.pid, signal as NodeJS.Signals);
      }
    };
    this.exitHandlers.push(
      ['exit', onExit],
      ['uncaughtExceptionMonitor', onFatal],
      ['SIGINT', onSignal],
      ['SIGTERM', onSignal],
    );
    for (const [event, handler] of this.exitHandlers) process.on(event as 'exit', handler);
  }
}

function acquireWriterLockIn(runDir: string): WriterLock {
  try {
    makeDirectory(runDir);
    return acquireWriterLock(runDir);
  } catch (error) {
    if (error instanceof MetricsError) throw error;
    throw new MetricsError('LOOP_METRICS_OPEN_FAILED', `${runDir}: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** Opens a {@link MetricsRecorder}. Throws `LOOP_METRICS_WRITER_LOCKED`, `LOOP_METRICS_OPEN_FAILED` or `LOOP_METRICS_OPTION_INVALID`. */
export function openMetricsRecorder(options: MetricsRecorderOptions = {}): MetricsRecorder {
  return new MetricsRecorder(options);
}
