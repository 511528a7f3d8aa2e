// @loop/run-dir: the run dir as a contract. Every file name, the documents' schemas, readers that return
// valid | missing | corrupt values, the event conventions and the bounded run history. An explicit list:
// what is exported here is what the README documents.

// The owners' schemas, re-exported so a reader needs only this package.
export {
  type MetricsSummary,
  metricsSummarySchema,
  type StageEventLine,
  stageEventLineSchema,
} from '@loop/metrics';
export type { SupervisorState } from '@loop/supervisor';
export { supervisorStateSchema } from '@loop/supervisor/state-schema';
export {
  type DocumentRead,
  MAX_DOCUMENT_BYTES,
  readHeartbeat,
  readMetricsSummary,
  readRunInfo,
  readRunRecord,
  readSupervisorState,
} from './documents.js';
export { isLoopRunDirError, LoopRunDirError, type LoopRunDirErrorCode } from './errors.js';
export {
  EQUITY_ATTR,
  EXEC_STAGE,
  type ExecStepCounts,
  execFillsOf,
  execStepAttrs,
  FILLS_ATTR,
  hasStepCountAttrs,
  ORDERS_ATTR,
  POSITION_ATTR,
  PRICE_ATTR,
  startsNewLifetime,
} from './event-conventions.js';
export {
  DASHBOARD_FILE,
  HEARTBEAT_FILE,
  isMetricsFileName,
  METRICS_FILE,
  METRICS_LOCK_FILE,
  ROTATED_FILE_PATTERN,
  RUN_FILE,
  RUN_LOCK_FILE,
  rotatedMetricsFile,
  SUMMARY_FILE,
  SUPERVISOR_LOCK_FILE,
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_STATE_FILE,
} from './file-names.js';
export { type HeartbeatReading, heartbeatSchema } from './heartbeat-schema.js';
export type {
  AttrSeries,
  DrawdownPoint,
  PositionChange,
  RateBucket,
  RateSeries,
  ReasonExample,
  ReasonRow,
  RestartMark,
  SkippedLine,
  SlowStepEvent,
  StageLatencySeries,
  StageRow,
  TailEvent,
} from './history-rows.js';
export { type JsonSchemaFile, jsonSchemaFiles, jsonSchemaText } from './json-schemas.js';
// The health model (status, lifetimes, supervisor) that the page, `loop status` and the fleet page show.
export {
  DEFAULT_MAX_LIFETIMES,
  type Lifetime,
  LifetimeBoundary,
  type LifetimeTotals,
  LifetimeTracker,
  TRADING_STATE_ATTR,
  TRADING_STATE_REASON_ATTR,
} from './lifetimes.js';
export { type MetricsFileRef, orderMetricsFiles } from './metrics-files.js';
export {
  findRunDirs,
  isDirectory,
  looksLikeRunDir,
  pidIsAlive,
  type ReadRunHealthOptions,
  readRunHealth,
  readSupervisorLog,
  SUPERVISOR_LOG_TAIL_BYTES,
} from './read-run-health.js';
export {
  countRecentOutcomes,
  RECENT_BUCKET_MS,
  RECENT_WINDOW_MS,
  type RecentCounts,
  type RecentOutcomes,
  RecentOutcomeWindow,
} from './recent-outcomes.js';
export { RUN_DIR_HEALTH_VERSION } from './run-dir-health.js';
export {
  DEFAULT_STALE_AFTER_MS,
  decideRunHealth,
  decideSupervisorHealth,
  describeExit,
  formatDuration,
  HEALTHY_STATUSES,
  type LifetimesInput,
  type RunHealth,
  type RunHealthInput,
  type RunHealthStatus,
  type SupervisedExit,
  type SupervisorHealth,
  type TradingState,
} from './run-health.js';
export {
  CHART_PRECISION_BITS,
  DEFAULT_RUN_HISTORY_LIMITS,
  type RecomputedCounters,
  RunHistory,
  type RunHistoryLimits,
} from './run-history.js';
export {
  RUN_RECORD_VERSION,
  type RunFeed,
  type RunRecordDocument,
  type RunStats,
  runFeedSchema,
  runPositionSchema,
  runRecordSchema,
  runStatsSchema,
} from './run-record-schema.js';
export {
  DEFAULT_STAGE_AGGREGATE_LIMITS,
  OTHER_REASONS,
  OTHER_STAGES,
  type StageAggregate,
  type StageAggregateLimits,
  StageAggregator,
} from './stage-aggregate.js';
export {
  parseSupervisorLog,
  parseSupervisorLogLine,
  type SupervisorLogEntry,
} from './supervisor-log-lines.js';
