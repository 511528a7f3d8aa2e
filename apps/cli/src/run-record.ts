// The files `loop run` itself keeps in the run dir: run.json (replaced atomically) and the heartbeat
// whose mtime the supervisor's watchdog reads.
import { renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LoopResult, LoopStats, ReplayFeed, StageObserver } from '@loop/engine';
import {
  HEARTBEAT_FILE,
  RUN_FILE,
  RUN_RECORD_VERSION,
  type RunFeed,
  type RunRecordDocument,
  type RunStats,
} from '@loop/run-dir';

/** What run.json says before the loop starts. */
export interface RunHeader {
  clock: 'simulated' | 'real';
  seed: number;
  exchange: string;
  /** Every flag but --run-dir, defaults filled in. */
  settings: Record<string, unknown>;
  /** Versions of @loop/cli and the packages it composes. */
  versions: Record<string, string>;
  feed: RunFeed;
}

/** What changes in run.json when the run ends (the rest is the header and the start time). */
type RunEnd = Pick<RunRecordDocument, 'status' | 'ended' | 'exit_code' | 'ended_at' | 'ended_at_ms'> &
  Partial<Pick<RunRecordDocument, 'error' | 'stats' | 'metrics_writer'>>;

/** `run.json`: written when the loop starts (status `running`) and replaced when it ends. */
export class RunRecord {
  readonly path: string;
  readonly #header: RunHeader;
  readonly #pid: number | null;
  #startMs = 0;

  /** @param deterministic leave the pid out (simulated runs give byte-identical files). */
  constructor(runDir: string, header: RunHeader, deterministic: boolean) {
    this.path = join(runDir, RUN_FILE);
    this.#header = header;
    this.#pid = deterministic ? null : process.pid;
  }

  /** Records the start (clock time). */
  start(startMs: number): void {
    this.#startMs = startMs;
    writeJsonAtomic(
      this.path,
      this.#document({ status: 'running', ended: null, exit_code: null, ended_at: null, ended_at_ms: null }),
    );
  }

  /** Records how the run ended. */
  finish(
    result: LoopResult,
    exitCode: number,
    error: string | undefined,
    metricsWriter: Record<string, unknown> | null = null,
  ): void {
    writeJsonAtomic(
      this.path,
      this.#document({
        status: 'ended',
        ended: result.ended,
        exit_code: exitCode,
        error: error ?? null,
        ended_at: iso(result.endMs),
        ended_at_ms: result.endMs,
        stats: statsRecord(result),
        metrics_writer: metricsWriter,
      }),
    );
  }

  #document(end: RunEnd): RunRecordDocument {
    const h = this.#header;
    return {
      v: RUN_RECORD_VERSION,
      command: 'loop run',
      status: end.status,
      ended: end.ended,
      exit_code: end.exit_code,
      ...(end.error !== undefined ? { error: end.error } : {}),
      clock: h.clock,
      seed: h.seed,
      exchange: h.exchange,
      pid: this.#pid,
      started_at: iso(this.#startMs),
      started_at_ms: this.#startMs,
      ended_at: end.ended_at,
      ended_at_ms: end.ended_at_ms,
      versions: h.versions,
      settings: h.settings,
      feed: h.feed,
      ...(end.stats !== undefined ? { stats: end.stats } : {}),
      ...(end.metrics_writer !== undefined ? { metrics_writer: end.metrics_writer } : {}),
    };
  }
}

/** The feed's description in run.json: the kind, and for a replay the file's facts. */
export function feedRecord(feed: ReplayFeed | undefined, intervalMs: number): RunFeed {
  if (feed === undefined) return { kind: 'synthetic', interval_ms: intervalMs };
  const s = feed.source;
  return {
    kind: 'replay',
    file: s.file,
    format: s.format,
    interval_ms: s.intervalMs,
    candles_in_file: s.candles.length,
    first_candle_at: iso(s.candles[0]!.timeMs),
    last_candle_at: iso(s.candles[s.candles.length - 1]!.timeMs),
    gaps_in_file: s.gaps,
    missing_intervals_in_file: s.missingIntervals,
    skipped_rows: s.skippedRows,
    skipped: s.skipped,
  };
}

function statsRecord(result: LoopResult): RunStats {
  const s: LoopStats = result.stats;
  const p = s.position;
  return {
    steps: s.steps,
    orders: s.orders,
    fills: s.fills,
    settled_fills: s.settledFills,
    cancels: s.cancels,
    open_orders: s.openOrders,
    rejections: s.rejections,
    rejections_by_reason: s.rejectionsByReason,
    errors: s.errors,
    errors_by_stage: s.errorsByStage,
    last_error: s.lastError ?? null,
    observer_errors: s.observerErrors,
    last_observer_error: s.lastObserverError ?? null,
    trading_state: s.tradingState,
    trading_state_reason: s.tradingStateReason ?? null,
    traded_notional: s.tradedNotional,
    position: {
      position: p.position,
      average_entry: p.averageEntry,
      mark_price: p.markPrice,
      realized_pnl: p.realizedPnl,
      unrealized_pnl: p.unrealizedPnl,
      fees_paid: p.feesPaid,
      cash: p.cash,
      equity: p.equity,
    },
    feed: {
      candles: result.feed.candles,
      gaps: result.feed.gaps,
      missing_intervals: result.feed.missingIntervals,
      skipped_rows: result.feed.skippedRows,
    },
  };
}

/** Writes JSON to a temporary file beside `path`, then renames it over `path`. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Touches `<run-dir>/heartbeat` (mtime = now; created empty) at the first step and then at most every
 * `minIntervalMs` of wall time. A failing touch is counted; it never stops the loop.
 */
export class Heartbeat implements StageObserver {
  readonly path: string;
  readonly #minIntervalMs: number;
  #lastMs = Number.NEGATIVE_INFINITY;
  failures = 0;

  constructor(runDir: string, minIntervalMs = 250) {
    this.path = join(runDir, HEARTBEAT_FILE);
    this.#minIntervalMs = minIntervalMs;
  }

  onStage(): void {}

  onStepEnd(): void {
    const now = performance.now();
    if (now - this.#lastMs < this.#minIntervalMs) return;
    this.#lastMs = now;
    this.touch();
  }

  /** Sets the heartbeat's mtime to now (the supervisor compares it with the wall clock). */
  touch(): void {
    const now = new Date();
    try {
      utimesSync(this.path, now, now);
    } catch (error) {
      try {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        writeFileSync(this.path, '');
      } catch {
        this.failures++;
      }
    }
  }
}
