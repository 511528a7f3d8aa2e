// @loop/engine: a seeded, deterministic trading loop. Clocks, feeds, strategy -> risk -> exec -> position,
// a paper exchange, a stepper and its driver, and the StageObserver hook through which it reports.
export { type Clock, type ClockKind, RealClock, SimulatedClock } from './clock.js';
export { FeedFileError, isLoopEngineError, LoopEngineError, type LoopEngineErrorCode } from './errors.js';
export { type Candle, type Feed, type FeedStats, GapCounter, inferIntervalMs } from './feed.js';
export { type FeedFileLimits, MAX_FEED_FILE_BYTES, MAX_FEED_LINE_BYTES } from './feed-file.js';
export { type FeedTimeZone, parseFeedTimeZone } from './feed-time-zone.js';
export {
  FaultInjector,
  type FaultSource,
  InjectedFault,
  type LatencyModel,
  SimulatedLatency,
  STAGE_LATENCY_SHARE,
} from './latency.js';
export {
  STAGES,
  type StageName,
  type StageObserver,
  type StageOutcome,
  type StageReport,
  type StepReport,
} from './observer.js';
export {
  type Fill,
  type Order,
  OrderIdSequence,
  type OrderRequest,
  type OrderSide,
  type OrderType,
  sideSign,
} from './orders.js';
export { DEFAULT_PAPER_EXCHANGE, PaperExchange, type PaperExchangeOptions } from './paper-exchange.js';
export { Portfolio, type PositionSnapshot } from './portfolio.js';
export {
  type CandleFile,
  type CandleFileFormat,
  type CandleFileOptions,
  loadReplayFeed,
  MAX_SKIPPED_ROWS_KEPT,
  parseCandleFile,
  ReplayFeed,
  type SkippedRow,
} from './replay-feed.js';
export {
  DEFAULT_RISK_LIMITS,
  formatRejection,
  type RiskContext,
  type RiskLimits,
  RiskManager,
  type RiskReason,
  type RiskRejection,
  TokenBucket,
  type TradingState,
} from './risk.js';
export { Rng } from './rng.js';
export {
  createLoop,
  DEFAULT_LOOP_CONFIG,
  type LoopConfig,
  type LoopEnd,
  type LoopResult,
  type LoopSetup,
  type RunLoopOptions,
  runLoop,
  simulateLoop,
} from './run-loop.js';
export {
  DEFAULT_MAX_CONSECUTIVE_ERRORS,
  FAULT_INJECTED,
  type LoopStats,
  LoopStepper,
  type LoopStepperOptions,
  STAGE_ERROR,
} from './stepper.js';
export {
  DEFAULT_MA_CROSSOVER,
  MovingAverageCrossover,
  type MovingAverageCrossoverOptions,
  NO_ORDERS,
  type Strategy,
  type StrategyDecision,
  type StrategyInput,
} from './strategy.js';
export { SYNTHETIC_EPOCH_MS, SyntheticFeed, type SyntheticFeedOptions } from './synthetic-feed.js';
