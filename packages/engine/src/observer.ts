// What the engine tells the outside world about each stage and step. The engine does not import
// @loop/metrics: a caller adapts these reports to whatever it records.

/** The stages of one loop step, in the order they run. */
export const STAGES = ['strategy', 'risk', 'exec', 'position'] as const;
/** One of {@link STAGES}. */
export type StageName = (typeof STAGES)[number];

/** How a stage invocation ended. A risk rejection is `rejected`; a thrown exception is `error`. */
export type StageOutcome = 'ok' | 'rejected' | 'error';

/** One stage invocation, reported after it ends. Times are milliseconds since the epoch from the loop's clock. */
export interface StageReport {
  /** Step number, from 1. */
  step: number;
  /** Which stage ran. */
  stage: StageName;
  /** How it ended. */
  outcome: StageOutcome;
  /** Stable reason code for `rejected` and `error` (e.g. `MAX_POSITION`, `STAGE_ERROR`). */
  reason?: string;
  /** Human context: `position=3 limit=2`, or the error's message. */
  detail?: string;
  /** Clock time when the stage started. */
  startMs: number;
  /** Clock time when it ended (after its simulated latency). */
  endMs: number;
  /**
   * `endMs - startMs` rounded to the microsecond (at epoch magnitudes the subtraction itself carries
   * float noise of a fraction of a microsecond). Set by the engine.
   */
  durationMs?: number;
  /** Risk: orders checked. Exec: orders sent to the exchange. */
  orders?: number;
  /** Exec: fills of open orders against this step's candle. */
  fills?: number;
}

/** The state after one step, reported after its last stage. */
export interface StepReport {
  /** Step number, from 1. */
  step: number;
  /** Clock time at the end of the step, ms since the epoch. */
  timeMs: number;
  /** The market price this step traded against. */
  price: number;
  /** Signed position after the step's position stage (> 0 long). */
  position: number;
  /** Average entry price of the open position; 0 when flat. */
  averageEntry: number;
  /** PnL of closed quantity so far, before fees. */
  realizedPnl: number;
  /** PnL of the open position at the mark (the close). */
  unrealizedPnl: number;
  /** Fees of the fills booked so far. */
  feesPaid: number;
  /** Initial cash + realized + unrealized - fees. */
  equity: number;
  /** Orders sent to the exchange so far in the run. */
  orders: number;
  /** Fills so far (a fill is in `position` once a position stage has booked it). */
  fills: number;
  /** Orders refused by risk so far. */
  rejections: number;
  /** Stage errors so far. */
  errors: number;
  /** The kill switch after the step. */
  tradingState: 'ACTIVE' | 'REDUCING' | 'HALTED';
  /** Why the kill switch is not ACTIVE (e.g. `MAX_LOSS: pnl=-5.26 limit=-5`); absent when ACTIVE. */
  tradingStateReason?: string;
  /** Time of the step's candle (for a replay, the historical time), ms since the epoch. Set by the engine. */
  candleTimeMs?: number;
  /** Orders resting on the exchange after the step. Set by the engine. */
  openOrders?: number;
}

/**
 * Receives every stage invocation and step. Called synchronously on the loop's hot path: keep it cheap.
 * An observer that throws is isolated: the engine counts the failure and goes on trading.
 */
export interface StageObserver {
  /** Called after every stage invocation, in order: strategy, risk, exec, position. */
  onStage(report: StageReport): void;
  /** Called once after each step's last stage, with the book and counters. */
  onStepEnd?(report: StepReport): void;
}
