// The one object a bot uses: collector + rotating NDJSON writer + atomic summary, flushed on time and on exit.
import * as path from 'node:path';
import { describeError, MetricsError } from './errors.js';
import { type FlushMode, StepFlushPolicy } from './flush-policy.js';
import type { LatencyRange } from './latency-histogram.js';
import { makeDirectory } from './make-directory.js';
import {
  checkRotateOptions,
  RotatingNdjsonWriter,
  type WriterFileSystem,
  type WriterHealthChange,
  type WriterStats,
} from './rotating-ndjson-writer.js';
import type { MetricsSummary } from './schema.js';
import { formatStageEventLine, type StageEvent, usableStageEvent } from './stage-event.js';
import { encodeStageEvent } from './stage-event-encoder.js';
import {
  type RunCounterName,
  type StageEventSink,
  StageMetricsCollector,
} from './stage-metrics-collector.js';
import { writeSummaryAtomic } from './summary-file.js';
import { acquireWriterLock, type WriterLock } from './writer-lock.js';

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
  /** fsync after each flush (slower; survives power loss, not only process death). Default false. */
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
  /** Replaces node:fs for the NDJSON writer (tests inject failures). */
  fileSystem?: WriterFileSystem;
  /**
   * Told when NDJSON writes start failing (disk full, permissions) and when they recover; the summary is
   * also rewritten at once on each change, so it does not stay stale until the next timer.
   */
  onWriterHealth?: (change: WriterHealthChange) => void;
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
  readonly writer: RotatingNdjsonWriter | undefined;
  /** The run dir, when one was given. */
  readonly runDir: string | undefined;
  private readonly now: () => number;
  private readonly processStartMs: number;
  private readonly pid: number | null;
  private readonly lock: WriterLock | undefined;
  private readonly flushPolicy: StepFlushPolicy;
  private readonly timers: NodeJS.Timeout[] = [];
  private summaryErrors = 0;
  private lastSummaryError: string | null = null;
  private closed = false;
  private readonly exitHandlers: Array<[string, (...args: unknown[]) => void]> = [];

  constructor(options: MetricsRecorderOptions = {}) {
    this.now = options.now ?? Date.now;
    this.processStartMs = options.processStartMs ?? this.now();
    this.pid = options.deterministic ? null : process.pid;
    this.flushPolicy = new StepFlushPolicy(options.flush ?? 'step');
    this.collector = new StageMetricsCollector({
      histogram: options.histogram,
      recentCapacity: options.recentCapacity,
    });
    if (options.runDir !== undefined) {
      // Bad limits are refused before the run dir is created or locked: nothing is left behind.
      checkRotateOptions(options.rotate ?? {});
      this.runDir = path.resolve(options.runDir);
      this.lock = acquireWriterLockIn(this.runDir);
      try {
        this.writer = new RotatingNdjsonWriter({
          dir: this.runDir,
          maxLines: options.rotate?.maxLines,
          maxBytes: options.rotate?.maxBytes,
          keep: options.rotate?.keep,
          maxTotalBytes: options.rotate?.maxTotalBytes,
          fsync: options.fsync,
          fileSystem: options.fileSystem,
          onHealthChange: (change) => {
            options.onWriterHealth?.(change);
            this.writeSummary();
          },
        });
      } catch (error) {
        this.lock.release();
        throw error;
      }
    }
    const flushMs = options.flushIntervalMs ?? 100;
    if (flushMs > 0 && this.writer) this.timers.push(setInterval(() => this.flush(), flushMs).unref());
    const summaryMs = options.summaryIntervalMs ?? 1000;
    if (summaryMs > 0 && this.runDir)
      this.timers.push(setInterval(() => this.writeSummary(), summaryMs).unref());
    if (options.handleProcessExit ?? true) this.installExitHandlers();
  }

  /** Records one stage event (aggregates, recent ring, NDJSON batch, sinks). Keep the object unchanged afterwards. */
  record(event: StageEvent): void {
    event = usableStageEvent(event);
    this.collector.record(event);
    if (this.writer !== undefined) this.writer.writeEncoded(event, encodeStageEvent, formatStageEventLine);
  }

  /** Adds to a run counter (processed, filled, rejected, errors). */
  count(name: RunCounterName, by = 1): void {
    this.collector.count(name, by);
  }

  /** Sets a gauge (position, equity, PnL, fees). */
  setGauge(name: string, value: number): void {
    this.collector.setGauge(name, value);
  }

  /** Adds a sink (e.g. the Prometheus exporter) that sees every later event. */
  addSink(sink: StageEventSink): void {
    this.collector.addSink(sink);
  }

  /** Ends a loop step: writes the batch if the flush mode says so (see {@link FlushMode}). Never throws. */
  endStep(): void {
    if (this.writer !== undefined && this.flushPolicy.stepEnded()) this.writer.flush();
  }

  /** Writes the batch to disk now. False if a write failed (counted). */
  flush(): boolean {
    this.flushPolicy.flushed();
    return this.writer?.flush() ?? true;
  }

  /** The summary as it stands, times from the caller's clock. */
  summary(): MetricsSummary {
    return this.collector.summary({
      nowMs: this.now(),
      processStartMs: this.processStartMs,
      pid: this.pid,
      writer: this.writerFigures(),
    });
  }

  /** Replaces `metrics_summary.json` atomically. False if it failed (counted in `writer.write_errors`). */
  writeSummary(): boolean {
    if (this.runDir === undefined) return true;
    try {
      writeSummaryAtomic(this.runDir, this.summary());
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
