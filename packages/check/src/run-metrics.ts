// The figures of one run, aggregated from its stage events (streamed, bounded memory) and its documents.
import type { LatencyHistogram, StageEventLine, StageOutcome } from '@loop/metrics';
import {
  EXEC_STAGE,
  FILLS_ATTR,
  ORDERS_ATTR,
  type StageAggregateLimits,
  StageAggregator,
  startsNewLifetime,
} from '@loop/run-dir';

/** Latency and outcome figures of one stage. Latencies are null when the stage has no events. */
export interface StageFigures {
  stage: string;
  count: number;
  ok: number;
  rejected: number;
  error: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  mean_ms: number | null;
}

/** Events of one stage, outcome and reason. */
export interface ReasonCount {
  stage: string;
  outcome: StageOutcome;
  reason: string;
  count: number;
}

/**
 * Everything `loop check` and `loop compare` judge, as plain JSON. Counts from events span every file and
 * lifetime; `pnl`, `fees`, `write_errors` and `lines_dropped` are the current lifetime's (the summary holds
 * totals since the process started). A figure the run dir cannot give is null.
 */
export interface RunFigures {
  /** Valid stage events read. */
  events: number;
  /** Steps seen (a step is the events sharing a step number, in file order). */
  steps: number;
  /** Process lifetimes seen in the event log (a step number going back starts a new one). */
  lifetimes: number;
  /** Torn or corrupt lines skipped while reading. */
  skipped_lines: number;
  /** Entries named like NDJSON files that are not regular files (a FIFO, directory, ...), skipped unread. */
  skipped_files: number;
  /** Orders sent: the exec events' `attrs.orders`, summed. */
  orders: number;
  /** Fills: the exec events' `attrs.fills`, summed. */
  fills: number;
  /** Events with outcome `rejected`. */
  rejections: number;
  /** Events with outcome `error`. */
  errors: number;
  /** rejections / events (null without events). */
  rejected_rate: number | null;
  /** errors / events (null without events). */
  error_rate: number | null;
  /** Realized + unrealized PnL minus fees (summary gauges, else run.json stats, else last equity - initial cash). */
  pnl: number | null;
  /** Fees paid. */
  fees: number | null;
  /** Largest fall of `attrs.equity` from its running peak, within a lifetime (currency units). */
  max_drawdown: number | null;
  /** Last `attrs.position` seen. */
  position: number | null;
  /** Last `attrs.equity` seen. */
  equity: number | null;
  /** Restarts: supervisor_state.json's count, else lifetimes - 1. */
  restarts: number;
  /** Failed metrics writes (summary, else run.json). */
  write_errors: number | null;
  /** Metrics lines given up while the disk kept failing. */
  lines_dropped: number | null;
  /** Per stage, first seen first. */
  stages: StageFigures[];
  /** Rejection and error reasons per stage, most frequent first. */
  reasons: ReasonCount[];
}

/** Where the figures came from, for the report. */
export interface FigureSources {
  pnl: 'summary' | 'run-record' | 'events' | 'none';
  restarts: 'supervisor' | 'events';
  write_errors: 'summary' | 'run-record' | 'none';
}

/** What the collector needs from the run dir's documents (already read and validated by the caller). */
export interface RunDocumentFigures {
  /** The summary's gauges (`realized_pnl`, `unrealized_pnl`, `fees_paid`, ...). */
  summaryGauges?: Record<string, number>;
  /** The summary's writer figures. */
  summaryWriter?: { write_errors: number; lines_dropped?: number | undefined };
  /** run.json's `stats.position` (`realized_pnl`, `unrealized_pnl`, `fees_paid`, `equity`). */
  runPosition?: Record<string, unknown>;
  /** run.json's `metrics_writer`. */
  runWriter?: Record<string, unknown>;
  /** run.json's `settings['initial-cash']`. */
  initialCash?: number;
  /** supervisor_state.json's `restarts`. */
  supervisorRestarts?: number;
}

/**
 * Limits that keep a collector's memory fixed whatever the run's size: `maxStages` (default 64; more are
 * counted under `(other stages)`) and `maxReasonsPerStage` (default 256; more are counted under `(other)`).
 */
export interface RunMetricsLimits extends StageAggregateLimits {}

/** A run's figures plus what is needed to answer any percentile (`exec.p90_ms`). */
export class RunMetrics {
  constructor(
    /** The figures, as plain JSON. */
    readonly figures: RunFigures,
    /** Where pnl, restarts and write_errors came from. */
    readonly sources: FigureSources,
    private readonly histograms: ReadonlyMap<string, LatencyHistogram>,
  ) {}

  /** The stage's figures, or undefined when the run has no such stage. */
  stage(name: string): StageFigures | undefined {
    return this.figures.stages.find((s) => s.stage === name);
  }

  /** The stage's latency percentile (0-100) in ms, or null when it has no events. */
  percentileMs(stage: string, percentile: number): number | null {
    const histogram = this.histograms.get(stage);
    if (histogram === undefined || histogram.count === 0) return null;
    return histogram.percentileUs(percentile) / 1000;
  }
}

/**
 * Accumulates a run's stage events in file order (rotated files oldest first, across lifetimes). Memory is
 * bounded by {@link RunMetricsLimits}; nothing per event is kept.
 */
export class RunMetricsCollector {
  private readonly stages: StageAggregator;
  private events = 0;
  private skipped = 0;
  private skippedFiles = 0;
  private steps = 0;
  private lifetimes = 0;
  private lastStep: number | null = null;
  private orders = 0;
  private fills = 0;
  private position: number | null = null;
  private equity: number | null = null;
  private peakEquity = Number.NEGATIVE_INFINITY;
  private maxDrawdown: number | null = null;

  constructor(limits: Partial<RunMetricsLimits> = {}) {
    this.stages = new StageAggregator(limits);
  }

  /** Adds one valid event. */
  addEvent(event: StageEventLine): void {
    this.events += 1;
    if (event.step !== this.lastStep) {
      if (startsNewLifetime(this.lastStep, event.step)) {
        this.lifetimes += 1;
        this.peakEquity = Number.NEGATIVE_INFINITY;
      }
      this.steps += 1;
      this.lastStep = event.step;
    }
    const stage = this.stages.record(event.stage, event.outcome, event.latency_ms);
    if (event.outcome !== 'ok') this.stages.countReason(stage, event.outcome, event.reason ?? '(none)');
    const attrs = event.attrs;
    if (attrs !== undefined) {
      if (event.stage === EXEC_STAGE) {
        const orders = attrs[ORDERS_ATTR];
        const fills = attrs[FILLS_ATTR];
        if (isCount(orders)) this.orders += orders;
        if (isCount(fills)) this.fills += fills;
      }
      if (typeof attrs.position === 'number') this.position = attrs.position;
      const equity = attrs.equity;
      if (typeof equity === 'number') {
        this.equity = equity;
        if (equity > this.peakEquity) this.peakEquity = equity;
        const drawdown = this.peakEquity - equity;
        if (this.maxDrawdown === null || drawdown > this.maxDrawdown) this.maxDrawdown = drawdown;
      }
    }
  }

  /** Counts `n` skipped (torn or corrupt) lines. */
  addSkipped(n = 1): void {
    this.skipped += n;
  }

  /** Counts `n` entries named like NDJSON files that were skipped as not regular files. */
  addSkippedFiles(n = 1): void {
    this.skippedFiles += n;
  }

  /** The figures, completed with the documents' (pnl, fees, writer errors, restarts). */
  finish(documents: RunDocumentFigures = {}): RunMetrics {
    const stages: StageFigures[] = [];
    const histograms = new Map<string, LatencyHistogram>();
    for (const s of this.stages.stages()) {
      histograms.set(s.stage, s.histogram);
      const has = s.count > 0;
      const [p50, p95, p99] = has ? s.histogram.percentilesUs([50, 95, 99]) : [];
      stages.push({
        stage: s.stage,
        count: s.count,
        ok: s.ok,
        rejected: s.rejected,
        error: s.error,
        p50_ms: has ? p50! / 1000 : null,
        p95_ms: has ? p95! / 1000 : null,
        p99_ms: has ? p99! / 1000 : null,
        max_ms: has ? s.maxMs : null,
        mean_ms: has ? round6(s.sumMs / s.count) : null,
      });
    }
    const reasons: ReasonCount[] = this.stages.reasonRows();
    const money = moneyFigures(documents, this.equity);
    const writer = writerFigures(documents);
    const restarts =
      documents.supervisorRestarts !== undefined
        ? documents.supervisorRestarts
        : Math.max(0, this.lifetimes - 1);
    const figures: RunFigures = {
      events: this.events,
      steps: this.steps,
      lifetimes: this.lifetimes,
      skipped_lines: this.skipped,
      skipped_files: this.skippedFiles,
      orders: this.orders,
      fills: this.fills,
      rejections: this.stages.rejectedEvents,
      errors: this.stages.errorEvents,
      rejected_rate: this.events === 0 ? null : this.stages.rejectedEvents / this.events,
      error_rate: this.events === 0 ? null : this.stages.errorEvents / this.events,
      pnl: money.pnl,
      fees: money.fees,
      max_drawdown: this.maxDrawdown === null ? null : round6(this.maxDrawdown),
      position: this.position,
      equity: this.equity,
      restarts,
      write_errors: writer.write_errors,
      lines_dropped: writer.lines_dropped,
      stages,
      reasons,
    };
    return new RunMetrics(
      figures,
      {
        pnl: money.source,
        restarts: documents.supervisorRestarts !== undefined ? 'supervisor' : 'events',
        write_errors: writer.source,
      },
      histograms,
    );
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function moneyFigures(
  documents: RunDocumentFigures,
  lastEquity: number | null,
): { pnl: number | null; fees: number | null; source: FigureSources['pnl'] } {
  for (const [source, book] of [
    ['summary', documents.summaryGauges],
    ['run-record', documents.runPosition],
  ] as const) {
    if (book === undefined) continue;
    const realized = num(book.realized_pnl);
    const unrealized = num(book.unrealized_pnl);
    const fees = num(book.fees_paid);
    if (realized !== undefined && unrealized !== undefined && fees !== undefined) {
      return { pnl: round6(realized + unrealized - fees), fees: round6(fees), source };
    }
  }
  if (lastEquity !== null && documents.initialCash !== undefined) {
    return { pnl: round6(lastEquity - documents.initialCash), fees: null, source: 'events' };
  }
  return { pnl: null, fees: null, source: 'none' };
}

function writerFigures(documents: RunDocumentFigures): {
  write_errors: number | null;
  lines_dropped: number | null;
  source: FigureSources['write_errors'];
} {
  if (documents.summaryWriter !== undefined) {
    return {
      write_errors: documents.summaryWriter.write_errors,
      lines_dropped: documents.summaryWriter.lines_dropped ?? 0,
      source: 'summary',
    };
  }
  const run = documents.runWriter;
  const writeErrors = num(run?.write_errors);
  if (writeErrors !== undefined) {
    return { write_errors: writeErrors, lines_dropped: num(run?.lines_dropped) ?? 0, source: 'run-record' };
  }
  return { write_errors: null, lines_dropped: null, source: 'none' };
}
