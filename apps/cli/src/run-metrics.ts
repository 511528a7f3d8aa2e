// `loop run --enable-metrics ...`: the metrics flags, and the observer that records the loop to the run dir.

import { basename, resolve } from 'node:path';
import type { LoopStats, StageObserver, StageReport, StepReport } from '@loop/engine';
import {
  FLUSH_BATCH_STEPS,
  FLUSH_INTERVAL_MS,
  FLUSH_MODES,
  type Gauge,
  isMetricsError,
  type MetricsRecorder,
  openMetricsRecorder,
  reusableStageEvent,
  type StageEvent,
  type StageLane,
  type StepLanes,
  WRITER_THREAD_LINES,
} from '@loop/metrics';
import { type MetricsServer, PrometheusExporter, startMetricsServer } from '@loop/metrics/prometheus';
import {
  EQUITY_ATTR,
  EXEC_STAGE,
  FILLS_ATTR,
  ORDERS_ATTR,
  POSITION_ATTR,
  PRICE_ATTR,
  TRADING_STATE_ATTR,
  TRADING_STATE_REASON_ATTR,
} from '@loop/run-dir';
import { z } from 'zod';
import { BAD_HOST_ERRNOS, LoopCliError, usageError } from './errors.js';
import { botNameFlag, enumFlag, type FlagSpecs, intFlag, numberFlag, stringFlag } from './flags.js';
import { MetricsHealthLines } from './metrics-health-lines.js';
import { defaultFlushMode } from './run-flush-mode.js';
import { RunHealthMetrics, type RunIdentity } from './run-health-metrics.js';

/** A run this long (or with the real clock) is "long": metrics rotation and a size bound are on by default. */
export const LONG_RUN_STEPS = 1_000_000;
/** Default `--metrics-rotate-max-mb` of a long run without rotation flags. */
export const LONG_RUN_ROTATE_MB = 64;
/** Default `--metrics-max-total-mb` of a long run without `--metrics-rotate-keep` or this flag. */
export const LONG_RUN_MAX_TOTAL_MB = 1024;

/** The metrics flags of `loop run`. */
export const metricsFlagSpecs: FlagSpecs = {
  'enable-metrics': {
    type: 'boolean',
    description: 'record per-stage metrics to <run-dir>/metrics.ndjson and metrics_summary.json',
  },
  'metrics-rotate-max-mb': {
    type: 'string',
    valueName: 'N',
    description: 'rotate metrics.ndjson before it exceeds N MiB (decimals allowed; 0 = off)',
    defaultText: `off; ${LONG_RUN_ROTATE_MB} for a long run (--clock real, or over ${LONG_RUN_STEPS.toLocaleString('en-US')} steps) without rotation flags`,
  },
  'metrics-rotate-max-lines': {
    type: 'string',
    valueName: 'N',
    description: 'rotate metrics.ndjson before it exceeds N lines',
    defaultText: 'off',
  },
  'metrics-rotate-keep': {
    type: 'string',
    valueName: 'N',
    description: 'keep only the N newest rotated files (metrics.ndjson.N), deleting older ones',
    defaultText: 'keep all',
  },
  'metrics-max-total-mb': {
    type: 'string',
    valueName: 'N',
    description:
      "keep the run dir's NDJSON (rotated files included) under N MiB plus one file, deleting the oldest rotated files (never the current one); rotates at N/8 MiB if no rotation flag is given (0 = off)",
    defaultText: `off; ${LONG_RUN_MAX_TOTAL_MB} for a long run without --metrics-rotate-keep`,
  },
  'metrics-flush': {
    type: 'string',
    valueName: FLUSH_MODES.join('|'),
    description:
      `when lines reach metrics.ndjson, i.e. what a SIGKILL can lose: step = each step (the step in progress), ` +
      `interval = every ${FLUSH_INTERVAL_MS} ms (the last ${FLUSH_INTERVAL_MS} ms), batch = every ${FLUSH_BATCH_STEPS.toLocaleString('en-US')} steps (the last ${FLUSH_BATCH_STEPS.toLocaleString('en-US')} steps); ` +
      `interval and batch also lose what the writer thread holds unwritten: at most ${WRITER_THREAD_LINES.toLocaleString('en-US')} lines`,
    defaultText: 'step with --clock real, batch with --clock simulated',
  },
  'metrics-fsync': {
    type: 'boolean',
    description:
      'fsync metrics.ndjson after each flush and metrics_summary.json at each periodic rewrite (survives power loss; slower; the final summary is fsynced either way)',
  },
  'metrics-port': {
    type: 'string',
    valueName: 'N',
    description: 'serve Prometheus metrics at http://<metrics-host>:N/metrics (0 = any free port)',
    defaultText: 'off',
  },
  'metrics-host': {
    type: 'string',
    valueName: 'HOST',
    description: 'address the /metrics server binds to',
    defaultText: '127.0.0.1',
  },
  'bot-name': {
    type: 'string',
    valueName: 'NAME',
    description: 'the `bot` label on every /metrics series (alerts name the bot by it)',
    defaultText: "the run dir's name",
  },
};

/** zod shape of the metrics flags, merged into `loop run`'s schema. */
export const metricsFlagShape = {
  'enable-metrics': z.boolean().optional(),
  'metrics-rotate-max-mb': numberFlag({ min: 0, max: 1024 * 1024 }).optional(),
  'metrics-max-total-mb': numberFlag({ min: 0, max: 1024 * 1024 * 1024 }).optional(),
  'metrics-rotate-max-lines': intFlag({ min: 1 }).optional(),
  'metrics-rotate-keep': intFlag({ min: 1 }).optional(),
  'metrics-flush': enumFlag(FLUSH_MODES).optional(),
  'metrics-fsync': z.boolean().optional(),
  'metrics-port': intFlag({ min: 0, max: 65535 }).optional(),
  'metrics-host': stringFlag().optional(),
  'bot-name': botNameFlag().optional(),
};

/** Metrics flag values, as validated by {@link metricsFlagShape}. */
export type MetricsFlagValues = z.output<z.ZodObject<typeof metricsFlagShape>>;

/** What `loop run` needs from the metrics side while it runs. */
export interface RunMetrics {
  /** Receives every stage and step of the loop. */
  observer: StageObserver;
  /** Lines for the final summary printed by `loop run` (e.g. files written, write errors). */
  summaryLines(): string[];
  /** Lines written to metrics.ndjson so far (0 without --enable-metrics); cheap, for the progress line. */
  readonly eventsWritten: (() => number) | undefined;
  /** The NDJSON writer's figures for run.json (a failing disk shows here even when the summary file is stale). */
  writerRecord(): Record<string, unknown> | null;
  /**
   * Flushes and closes everything (normal end, SIGINT, SIGTERM). Never throws. `final`, the run's end
   * result, sets the book's gauges to the settled book (which includes fills booked at the end).
   */
  close(final?: LoopStats): Promise<void>;
  /** The `/metrics` URL when `--metrics-port` was given. */
  readonly prometheusUrl?: string;
}

/** Context `loop run` gives {@link openRunMetrics}. */
export interface RunMetricsContext {
  runDir: string;
  /** Simulated run: no pid or wall-clock time in any file. */
  deterministic: boolean;
  /** The loop's clock: it picks the default flush mode (real: `step`, simulated: `batch`). */
  clock: 'simulated' | 'real';
  /** The loop's clock, ms since the epoch. */
  clockNowMs: () => number;
  /** The run's identity for `loop_run_info` (the run dir is added). */
  identity: Omit<RunIdentity, 'run_dir'>;
  /** Where to announce the /metrics URL; default stderr. */
  log?: (line: string) => void;
  /** Where to say that metrics writes fail and recover; default stderr. */
  warn?: (line: string) => void;
}

const FILE_FLAGS = [
  'metrics-rotate-max-mb',
  'metrics-max-total-mb',
  'metrics-rotate-max-lines',
  'metrics-rotate-keep',
  'metrics-flush',
  'metrics-fsync',
] as const;

/**
 * Opens the run's metrics if the flags ask for them (`--enable-metrics` and/or `--metrics-port`);
 * `undefined` otherwise. Throws a usage error for rotation flags without `--enable-metrics`, and a
 * runtime error (exit 1) if the run dir is locked by another live writer or the port cannot be bound.
 */
export async function openRunMetrics(
  values: MetricsFlagValues,
  context: RunMetricsContext,
): Promise<RunMetrics | undefined> {
  const files = values['enable-metrics'] === true;
  const port = values['metrics-port'];
  if (values['metrics-host'] !== undefined && port === undefined) {
    throw usageError('loop run: --metrics-host needs --metrics-port');
  }
  if (values['bot-name'] !== undefined && port === undefined) {
    throw usageError('loop run: --bot-name needs --metrics-port');
  }
  if (!files) {
    const stray = FILE_FLAGS.find((flag) => values[flag] !== undefined);
    if (stray) throw usageError(`loop run: --${stray} needs --enable-metrics`);
    if (port === undefined) return undefined;
  }
  // The endpoint first: a port or host that cannot be used must leave the run dir untouched (the recorder
  // would create the NDJSON file and, on close, replace the previous run's summary).
  let server: MetricsServer | undefined;
  let exporter: PrometheusExporter | undefined;
  let health: RunHealthMetrics | undefined;
  let recorderRef: MetricsRecorder | undefined;
  if (port !== undefined) {
    // OpenMetrics with exemplars: each latency bucket names the latest step that landed in it.
    exporter = new PrometheusExporter({ exemplars: true });
    const runDir = resolve(context.runDir);
    exporter.registry.setDefaultLabels({ bot: values['bot-name'] ?? basename(runDir) });
    health = new RunHealthMetrics(exporter.registry, { ...context.identity, run_dir: runDir }, () => {
      const figures = recorderRef?.writerFigures();
      return { write_errors: figures?.write_errors ?? 0, lines_dropped: figures?.lines_dropped ?? 0 };
    });
    try {
      server = await startMetricsServer({ registry: exporter.registry, port, host: values['metrics-host'] });
    } catch (error) {
      throw metricsFailure(error);
    }
  }
  const maxMb = values['metrics-rotate-max-mb'];
  const totalMb = values['metrics-max-total-mb'];
  const healthLines = new MetricsHealthLines(context.warn ?? ((line) => process.stderr.write(`${line}\n`)));
  let recorder: MetricsRecorder;
  let sessionRef: RunMetricsSession | undefined;
  try {
    recorder = openMetricsRecorder({
      runDir: files ? context.runDir : undefined,
      rotate: {
        maxLines: values['metrics-rotate-max-lines'],
        maxBytes: maxMb === undefined || maxMb === 0 ? undefined : Math.max(1, Math.floor(maxMb * MIB)),
        keep: values['metrics-rotate-keep'],
        maxTotalBytes:
          totalMb === undefined || totalMb === 0 ? undefined : Math.max(1, Math.floor(totalMb * MIB)),
      },
      flush: values['metrics-flush'] ?? defaultFlushMode(context.clock),
      // batch and interval: write(2) and rotation on a thread of their own (step mode stays synchronous).
      writerThread: true,
      onWriterHealth: (change) => healthLines.onChange(change),
      fsync: values['metrics-fsync'] === true,
      now: context.clockNowMs,
      deterministic: context.deterministic,
      // loop run closes us on SIGINT/SIGTERM itself; we still flush on exit and uncaught exceptions.
      handleProcessExit: true,
      // Nothing here reads recent events; keeping none lets the session reuse one event object.
      recentCapacity: 0,
      // The session counts steps and keeps the book itself; it hands them over before each summary.
      beforeSummary: () => sessionRef?.sync(),
    });
  } catch (error) {
    await server?.close();
    throw metricsFailure(error);
  }
  recorderRef = recorder;
  const session = new RunMetricsSession(recorder, server, health);
  sessionRef = session;
  if (exporter !== undefined && server !== undefined) {
    recorder.addSink(exporter);
    (context.log ?? ((line) => process.stderr.write(`${line}\n`)))(
      `loop run: serving Prometheus metrics at ${server.url}`,
    );
  }
  return session;
}

/**
 * The metrics flags with the long-run defaults filled in, and a line saying which were (undefined if
 * none). A long run (real clock, or more than {@link LONG_RUN_STEPS} steps or candles) with
 * `--enable-metrics` gets rotation at {@link LONG_RUN_ROTATE_MB} MiB if no rotation flag was given, and a
 * total bound of {@link LONG_RUN_MAX_TOTAL_MB} MiB if neither `--metrics-max-total-mb` nor
 * `--metrics-rotate-keep` was: a bot left running must not fill its disk. `0` turns either off. Pure.
 */
export function withLongRunDefaults(
  values: MetricsFlagValues,
  run: { clock: 'simulated' | 'real'; steps: number | undefined },
): { values: MetricsFlagValues; notice: string | undefined } {
  if (values['enable-metrics'] !== true) return { values, notice: undefined };
  const long = run.clock === 'real' || run.steps === undefined || run.steps > LONG_RUN_STEPS;
  const out: MetricsFlagValues = { ...values };
  const total = values['metrics-max-total-mb'];
  const defaulted: string[] = [];
  if (long && total === undefined && values['metrics-rotate-keep'] === undefined) {
    out['metrics-max-total-mb'] = LONG_RUN_MAX_TOTAL_MB;
    defaulted.push(`--metrics-max-total-mb ${LONG_RUN_MAX_TOTAL_MB}`);
  }
  if (values['metrics-rotate-max-mb'] === undefined && values['metrics-rotate-max-lines'] === undefined) {
    const bound = out['metrics-max-total-mb'];
    if (bound !== undefined && bound > 0) {
      out['metrics-rotate-max-mb'] = long ? Math.min(LONG_RUN_ROTATE_MB, bound / 8) : bound / 8;
      if (long) defaulted.push(`--metrics-rotate-max-mb ${out['metrics-rotate-max-mb']}`);
    } else if (long) {
      out['metrics-rotate-max-mb'] = LONG_RUN_ROTATE_MB;
      defaulted.push(`--metrics-rotate-max-mb ${LONG_RUN_ROTATE_MB}`);
    }
  }
  const notice =
    defaulted.length === 0
      ? undefined
      : `loop run: a long run's metrics default to ${defaulted.join(' ')} (0 turns each off)`;
  return { values: out, notice };
}

const MIB = 1024 * 1024;

/** The engine's stages, in the order they run: a step whose stages all end `ok` is recorded in one go. */
const STEP_STAGES = ['strategy', 'risk', EXEC_STAGE, 'position'] as const;
/** Index of the exec and position stages in {@link STEP_STAGES}. */
const EXEC_INDEX = 2;
const POSITION_INDEX = 3;

/** The book's gauges, in the order of RunMetricsSession's slots. */
const BOOK_GAUGES = ['position', 'equity', 'price', 'realized_pnl', 'unrealized_pnl', 'fees_paid'] as const;

function roundMicro(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * The book (position, equity, price: the position lane's keys) into `into`, to six decimals: the line's numbers
 * then take the encoder's fast path (and a fee's float noise, the 15th digit of an equity, tells a reader
 * nothing).
 */
function fillBook(into: { [index: number]: number }, step: StepReport): void {
  into[0] = roundMicro(step.position);
  into[1] = roundMicro(step.equity);
  into[2] = roundMicro(step.price);
}

/**
 * The position event's attributes when the kill switch changed: the book, to six decimals as {@link fillBook}
 * gives it, and the new state, said once so that readers know it while it runs.
 */
function bookAttrs(step: StepReport): NonNullable<StageEvent['attrs']> {
  const attrs: NonNullable<StageEvent['attrs']> = {
    [POSITION_ATTR]: roundMicro(step.position),
    [EQUITY_ATTR]: roundMicro(step.equity),
    [PRICE_ATTR]: roundMicro(step.price),
  };
  attrs[TRADING_STATE_ATTR] = step.tradingState;
  if (step.tradingStateReason !== undefined)
    attrs[TRADING_STATE_REASON_ATTR] = step.tradingStateReason.slice(0, 256);
  return attrs;
}

function metricsFailure(error: unknown): LoopCliError {
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  if (
    isMetricsError(error) &&
    error.code === 'LOOP_METRICS_SERVER_FAILED' &&
    BAD_HOST_ERRNOS.has(cause?.code ?? '')
  ) {
    return usageError(`loop run: --metrics-host: ${message}`, error);
  }
  return new LoopCliError('LOOP_CLI_RUNTIME', `loop run: metrics: ${message}`, {
    cause: error,
    exitCode: isMetricsError(error) && error.code === 'LOOP_METRICS_OPTION_INVALID' ? 2 : 1,
  });
}

/** Adapts engine reports to the recorder: stage events, step counters, gauges, a flush per step. */
class RunMetricsSession implements RunMetrics {
  readonly observer: StageObserver;
  readonly prometheusUrl: string | undefined;
  readonly eventsWritten: (() => number) | undefined;
  private heldPosition: StageReport | undefined;
  /** One event refilled for each stage (the recorder keeps no recent events here). */
  private readonly event: StageEvent = reusableStageEvent();
  /** The engine's stages' lanes: each records its events without lookups (the bench's hot path). */
  private readonly strategyLane: StageLane;
  private readonly riskLane: StageLane;
  private readonly execLane: StageLane;
  private readonly positionLane: StageLane;
  /**
   * The four lanes together: a step whose stages all end `ok`, without reason or detail, in the engine's order,
   * fills their times, latencies and attributes in as they come and is recorded at its end in one call.
   */
  private readonly stepLanes: StepLanes;
  /** Stages of the current step held in {@link stepLanes} so far (its first ones, all plain `ok`). */
  private stagesHeld = 0;
  /** The current step's step number, while stages are held. */
  private heldStep = 0;
  /** The current step went another way (a stage not plain `ok`): its other stages are recorded one by one. */
  private offPath = false;
  /** The exec event's orders and fills, and the position event's book, refilled each step. */
  private readonly execValues = [0, 0];
  private readonly bookValues = [0, 0, 0];
  /** Steps ended since the counters were last brought up to date ({@link sync}), and the last one's report. */
  private stepsUncounted = 0;
  private lastStep: StepReport | undefined;
  /** Counters and gauges go to the recorder at each step (for /metrics), not only before a summary. */
  private readonly live: boolean;
  private lastFills = 0;
  private lastRejections = 0;
  private lastErrors = 0;
  /** The book's gauges (handles: no lookup by name each step). */
  private readonly gaugeHandles: Gauge[];
  /** The book's gauges as last set (NaN: never), so that only changes reach the collector. */
  private readonly gauges = new Float64Array(BOOK_GAUGES.length).fill(Number.NaN);
  /** The kill switch as last recorded; a process starts ACTIVE. */
  private tradingState: StepReport['tradingState'] = 'ACTIVE';
  private closed = false;

  constructor(
    private readonly recorder: MetricsRecorder,
    private readonly server: MetricsServer | undefined,
    private readonly health: RunHealthMetrics | undefined,
  ) {
    this.prometheusUrl = server?.url;
    this.live = server !== undefined;
    this.gaugeHandles = BOOK_GAUGES.map((name) => recorder.gauge(name));
    this.strategyLane = recorder.stageLane('strategy');
    this.riskLane = recorder.stageLane('risk');
    this.execLane = recorder.stageLane(EXEC_STAGE, [ORDERS_ATTR, FILLS_ATTR]);
    // A kill-switch change adds its state to these (through record()).
    this.positionLane = recorder.stageLane('position', [POSITION_ATTR, EQUITY_ATTR, PRICE_ATTR]);
    this.stepLanes = recorder.stepLanes([this.strategyLane, this.riskLane, this.execLane, this.positionLane]);
    this.eventsWritten =
      recorder.runDir === undefined ? undefined : () => this.recorder.writerFigures().lines_written;
    this.observer = {
      onStage: (report) => this.onStage(report),
      onStepEnd: (report) => {
        this.onStepEnd(report);
        health?.onStepEnd(report);
      },
    };
  }

  private onStage(report: StageReport): void {
    const held = this.stagesHeld;
    if (
      !this.offPath &&
      report.stage === STEP_STAGES[held] &&
      report.outcome === 'ok' &&
      report.reason === undefined &&
      report.detail === undefined &&
      (held === 0 || report.step === this.heldStep)
    ) {
      // A plain `ok` stage in the engine's order: its numbers wait in the step's lanes until the step ends.
      const lanes = this.stepLanes;
      lanes.ts[held] = report.endMs;
      lanes.latencyMs[held] = Math.max(0, report.endMs - report.startMs);
      if (held === EXEC_INDEX) {
        // Orders sent and fills this step (@loop/run-dir's convention, as execStepAttrs gives them): readers
        // recompute "filled" from them if the summary is lost.
        const values = lanes.values[EXEC_INDEX]!;
        values[0] = report.orders ?? 0;
        values[1] = report.fills ?? 0;
        lanes.withValues[EXEC_INDEX] = report.orders || report.fills ? 1 : 0;
      } else if (held === POSITION_INDEX) {
        // The book comes with the step's end; until then (or if it never comes) the event has none.
        lanes.withValues[POSITION_INDEX] = 0;
      } else if (held === 0) this.heldStep = report.step;
      this.stagesHeld = held + 1;
      return;
    }
    this.leaveStepLanes();
    if (this.heldPosition) this.recordStage(this.heldPosition);
    this.heldPosition = undefined;
    // The position stage is held until the step ends so its line can carry position and equity.
    if (report.stage === 'position') this.heldPosition = report;
    else this.recordStage(report);
  }

  /** Records the stages held in the step's lanes (in order) and records the rest of the step one by one. */
  private leaveStepLanes(): void {
    this.offPath = true;
    const held = this.stagesHeld;
    if (held === 0) return;
    this.stagesHeld = 0;
    this.stepLanes.recordOk(this.heldStep, held);
  }

  /** Records a stage's event on its lane (the exec stage with its orders and fills), the position's without the book. */
  private recordStage(report: StageReport): void {
    const lane =
      report.stage === 'strategy'
        ? this.strategyLane
        : report.stage === 'risk'
          ? this.riskLane
          : report.stage === EXEC_STAGE
            ? this.execLane
            : report.stage === 'position'
              ? this.positionLane
              : undefined;
    if (lane === undefined) {
      this.recordEvent(report);
      return;
    }
    const latency = Math.max(0, report.endMs - report.startMs);
    if (lane === this.execLane && (report.orders || report.fills)) {
      // Orders sent and fills this step (@loop/run-dir's convention, as execStepAttrs gives them): readers
      // recompute "filled" from them if the summary is lost.
      const values = this.execValues;
      values[0] = report.orders ?? 0;
      values[1] = report.fills ?? 0;
      lane.recordWith(
        values,
        report.endMs,
        report.step,
        report.outcome,
        latency,
        report.reason,
        report.detail,
      );
    } else lane.record(report.endMs, report.step, report.outcome, latency, report.reason, report.detail);
  }

  /** Records a stage's event through `record()`: a stage without a lane, or attrs beyond a lane's keys. */
  private recordEvent(report: StageReport, attrs?: StageEvent['attrs']): void {
    this.recordFields(
      report.endMs,
      report.step,
      report.stage,
      report.outcome,
      Math.max(0, report.endMs - report.startMs),
      report.reason,
      report.detail,
      attrs,
    );
  }

  /** Records one event through `record()`, its fields given. */
  private recordFields(
    ts: number,
    step: number,
    stage: string,
    outcome: StageEvent['outcome'],
    latencyMs: number,
    reason: string | undefined,
    detail: string | undefined,
    attrs: StageEvent['attrs'],
  ): void {
    // One event object, refilled for each stage: the recorder keeps no recent events here
    // (recentCapacity 0) and its writer encodes the line at once, so nothing holds on to it.
    const event = this.event;
    event.ts = ts;
    event.step = step;
    event.stage = stage;
    event.outcome = outcome;
    event.latency_ms = latencyMs;
    event.reason = reason;
    event.detail = detail;
    event.attrs = attrs;
    this.recorder.record(event);
  }

  private onStepEnd(step: StepReport): void {
    if (this.stagesHeld === STEP_STAGES.length && step.tradingState === this.tradingState) {
      // The usual step: four plain `ok` stages, the position's with the book.
      const lanes = this.stepLanes;
      fillBook(lanes.values[POSITION_INDEX]!, step);
      lanes.withValues[POSITION_INDEX] = 1;
      this.stagesHeld = 0;
      lanes.recordOk(this.heldStep);
    } else {
      if (this.stagesHeld === STEP_STAGES.length) {
        // The kill switch changed: the position's event says so (through record()), after the other three.
        this.stagesHeld = 0;
        this.stepLanes.recordOk(this.heldStep, POSITION_INDEX);
        this.recordPosition(step);
      } else this.leaveStepLanes();
      this.recordHeldPosition(step);
    }
    this.offPath = false;
    this.stepsUncounted++;
    this.lastStep = step;
    // Counters and gauges are brought up to date when a summary is built (beforeSummary), or at each step
    // for /metrics, whose scrapes do not ask first.
    if (this.live) this.sync();
    this.recorder.endStep();
  }

  /** The position's event held in the step's lanes, with the book and the kill switch's new state (through record()). */
  private recordPosition(step: StepReport): void {
    const lanes = this.stepLanes;
    this.recordFields(
      lanes.ts[POSITION_INDEX]!,
      this.heldStep,
      'position',
      'ok',
      lanes.latencyMs[POSITION_INDEX]!,
      undefined,
      undefined,
      bookAttrs(step),
    );
    this.tradingState = step.tradingState;
  }

  /** The held position stage's event (a step recorded one by one), with the book. */
  private recordHeldPosition(step: StepReport): void {
    const held = this.heldPosition;
    if (held === undefined) return;
    this.heldPosition = undefined;
    if (step.tradingState !== this.tradingState) this.recordEvent(held, bookAttrs(step));
    else {
      fillBook(this.bookValues, step);
      this.positionLane.recordWith(
        this.bookValues,
        held.endMs,
        held.step,
        held.outcome,
        Math.max(0, held.endMs - held.startMs),
        held.reason,
        held.detail,
      );
    }
    this.tradingState = step.tradingState;
  }

  /** Adds the steps, fills, rejections and errors since the last sync, and sets the book's gauges from the last step. */
  sync(): void {
    const step = this.lastStep;
    if (step === undefined) return;
    // Once: the end-of-run book set after the last step (close) must not be set back to that step's.
    this.lastStep = undefined;
    const recorder = this.recorder;
    if (this.stepsUncounted > 0) recorder.count('processed', this.stepsUncounted);
    this.stepsUncounted = 0;
    // Most steps fill, reject and fail nothing: a zero is not counted.
    if (step.fills > this.lastFills) recorder.count('filled', step.fills - this.lastFills);
    if (step.rejections > this.lastRejections)
      recorder.count('rejected', step.rejections - this.lastRejections);
    if (step.errors > this.lastErrors) recorder.count('errors', step.errors - this.lastErrors);
    this.lastFills = step.fills;
    this.lastRejections = step.rejections;
    this.lastErrors = step.errors;
    this.setBookGauges(step, step.price);
  }

  /** The book's gauges (the price too when given), from a step report or the end-of-run book. */
  private setBookGauges(
    book: Pick<StepReport, 'position' | 'equity' | 'realizedPnl' | 'unrealizedPnl' | 'feesPaid'>,
    price?: number,
  ): void {
    this.setGauge(0, book.position);
    this.setGauge(1, book.equity);
    if (price !== undefined) this.setGauge(2, price);
    this.setGauge(3, book.realizedPnl);
    this.setGauge(4, book.unrealizedPnl);
    this.setGauge(5, book.feesPaid);
  }

  /** Sets a book gauge if its value changed (position and fees stay put most steps). */
  private setGauge(index: number, value: number): void {
    if (value === this.gauges[index]) return;
    this.gauges[index] = value;
    this.gaugeHandles[index]!.set(value);
  }

  writerRecord(): Record<string, unknown> | null {
    if (this.recorder.runDir === undefined) return null;
    const w = this.recorder.summary().writer;
    return {
      lines_written: w.lines_written,
      rotations: w.rotations,
      write_errors: w.write_errors,
      lines_dropped: w.lines_dropped ?? 0,
      rotated_files_deleted: w.rotated_files_deleted ?? 0,
      last_write_error: w.last_write_error,
    };
  }

  summaryLines(): string[] {
    const summary = this.recorder.summary();
    const writer = summary.writer;
    const lines: string[] = [];
    if (this.recorder.runDir !== undefined) {
      const rotated = this.recorder.writer?.rotatedNumbers().length ?? 0;
      lines.push(
        `metrics: ${summary.stage_events_count} stage events, ${writer.lines_written} lines written to metrics.ndjson` +
          (rotated > 0 ? ` + ${rotated} rotated files (${writer.rotations} rotations)` : '') +
          ((writer.rotated_files_deleted ?? 0) > 0
            ? `, ${writer.rotated_files_deleted} oldest rotated files deleted (--metrics-rotate-keep / --metrics-max-total-mb)`
            : ''),
      );
      for (const [stage, stats] of Object.entries(summary.stages_by_name)) {
        lines.push(
          `metrics: ${stage}: n=${stats.count} p50=${stats.p50_ms}ms p95=${stats.p95_ms}ms p99=${stats.p99_ms}ms`,
        );
      }
      if (writer.write_errors > 0 || (writer.lines_dropped ?? 0) > 0) {
        lines.push(
          `metrics: WARNING ${writer.write_errors} write errors, ${writer.lines_dropped ?? 0} lines dropped (last: ${writer.last_write_error})`,
        );
      }
    }
    if (this.prometheusUrl) lines.push(`metrics: served at ${this.prometheusUrl}`);
    return lines;
  }

  async close(final?: LoopStats): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // A step cut short (its end never reported): its stages so far, the position without the book.
      this.leaveStepLanes();
      if (this.heldPosition) this.recordStage(this.heldPosition);
      this.heldPosition = undefined;
      this.sync();
      // The end-of-run settlement may have booked fills and re-marked the book after the last step report.
      if (final !== undefined) {
        this.setBookGauges(final.position);
        this.health?.setTradingState(final.tradingState);
      }
      this.recorder.close();
      await this.server?.close();
    } catch {
      // close never throws: failures are already counted in the summary
    }
  }
}
