// The series alert rules need from `loop run`'s /metrics: progress, trading state, writer failures, identity.
import type { StageObserver, StepReport } from '@loop/engine';
import { registerScrapedMetric } from '@loop/metrics/prometheus';
import type { Registry } from 'prom-client';

/** The kill switch's states, each a `state` label value of `loop_trading_state`. */
export const TRADING_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;
type TradingState = (typeof TRADING_STATES)[number];

/** The run's identity, exported as the labels of `loop_run_info` (value 1). */
export interface RunIdentity {
  version: string;
  clock: string;
  exchange: string;
  seed: number;
  feed: string;
  run_dir: string;
}

/** The metrics writer's failure counts, read at scrape time. */
export interface WriterFailures {
  write_errors: number;
  lines_dropped: number;
}

/**
 * Observes the loop and exports, at scrape time:
 * `loop_last_step_timestamp_seconds` (wall clock of the last completed step; absent before the first),
 * `loop_trading_state{state}` (1 for the current state, 0 for the others),
 * `loop_metrics_write_errors_total`, `loop_metrics_lines_dropped_total` and `loop_run_info{...} 1`.
 * Wall-clock time, not the loop's clock: "no progress" alerts compare it with Prometheus's `time()`.
 */
export class RunHealthMetrics implements StageObserver {
  #lastStepMs: number | undefined;
  #state: TradingState = 'ACTIVE';

  constructor(
    registry: Registry,
    identity: RunIdentity,
    writerFailures: () => WriterFailures,
    private readonly wallNowMs: () => number = Date.now,
  ) {
    registerScrapedMetric(registry, {
      name: 'loop_last_step_timestamp_seconds',
      help: 'Wall-clock time (Unix seconds) when the loop last completed a step.',
      type: 'gauge',
      samples: () => (this.#lastStepMs === undefined ? [] : [{ value: this.#lastStepMs / 1000, labels: {} }]),
    });
    registerScrapedMetric(registry, {
      name: 'loop_trading_state',
      help: 'The kill switch: 1 for the current trading state (ACTIVE, REDUCING, HALTED), 0 for the others.',
      type: 'gauge',
      samples: () =>
        TRADING_STATES.map((state) => ({ value: state === this.#state ? 1 : 0, labels: { state } })),
    });
    // @loop/metrics/prometheus may export the writer's counters itself (same names): then it is the source.
    if (registry.getSingleMetric('loop_metrics_write_errors_total') === undefined) {
      registerScrapedMetric(registry, {
        name: 'loop_metrics_write_errors_total',
        help: 'Failed writes of metrics.ndjson or metrics_summary.json (the loop goes on).',
        type: 'counter',
        samples: () => [{ value: safe(writerFailures).write_errors, labels: {} }],
      });
    }
    if (registry.getSingleMetric('loop_metrics_lines_dropped_total') === undefined) {
      registerScrapedMetric(registry, {
        name: 'loop_metrics_lines_dropped_total',
        help: 'Metrics lines that could not be written and were dropped.',
        type: 'counter',
        samples: () => [{ value: safe(writerFailures).lines_dropped, labels: {} }],
      });
    }
    const labels = { ...identity };
    registerScrapedMetric(registry, {
      name: 'loop_run_info',
      help: 'The run: version, clock, exchange, seed, feed and run dir as labels; always 1.',
      type: 'gauge',
      samples: () => [{ value: 1, labels }],
    });
  }

  onStage(): void {}

  onStepEnd(report: StepReport): void {
    this.#lastStepMs = this.wallNowMs();
    this.#state = report.tradingState;
  }

  /** The trading state at the end of the run (after settlement). */
  setTradingState(state: TradingState): void {
    this.#state = state;
  }
}

function safe(read: () => WriterFailures): WriterFailures {
  try {
    return read();
  } catch {
    return { write_errors: 0, lines_dropped: 0 };
  }
}
