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
  stage: StageName;
  outcome: StageOutcome;
  /** Stable reason code for `rejected` and `error` (e.g. `MAX_POSITION`, `STAGE_ERROR`). */
  reason?: string;
  /** Human context: `position=3 limit=2`, or the error's message. */
  detail?: string;
  startMs: number;
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
  step: number;
  /** Clock time at the end of the step, ms since the epoch. */
  timeMs: number;
  /** The market price this step traded against. */
  price: number;
  position: number;
  averageEntry: number;
  realizedPnl: number;
  unrealizedPnl: number;
  feesPaid: number;
  equity: number;
  /** Orders sent, fills and rejections so far in the run. */
  orders: number;
  fills: number;
  rejections: number;
  errors: number;
  tradingState: 'ACTIVE' | 'REDUCING' | 'HALTED';
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
  onStage(report: StageReport): void;
  onStepEnd?(report: StepReport): void;
}
