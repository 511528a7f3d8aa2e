// @loop/metrics: per-stage metrics for trading loops, usable in any bot without the rest of Loop.
// Exports exactly what the README documents; public-api.txt lists them (a change shows up in review).
export {
  type Counter,
  type CounterSink,
  DEFAULT_MAX_METRIC_NAMES,
  type Gauge,
  METRIC_NAME_PATTERN,
} from './custom-metrics.js';
export { isMetricsError, MetricsError, type MetricsErrorCode } from './errors.js';
export {
  FLUSH_BATCH_STEPS,
  FLUSH_INTERVAL_MS,
  FLUSH_MODES,
  type FlushMode,
  StepFlushPolicy,
  type StepFlushPolicyOptions,
} from './flush-policy.js';
export {
  emitMetricsWarning,
  type InvalidInputKind,
  type InvalidInputSink,
  type MetricsWarning,
} from './input-report.js';
export { LatencyHistogram, type LatencyHistogramOptions, type LatencyRange } from './latency-histogram.js';
export { makeDirectory } from './make-directory.js';
export {
  type ListedFile,
  MetricsFileSnapshot,
  type SnapshotFile,
  type SnapshotOptions,
  snapshotMetricsFiles,
} from './metrics-file-snapshot.js';
export {
  listMetricsFiles,
  type MetricsEventStream,
  type MetricsFileInfo,
  parseStageEventLine,
  type ReadEvent,
  type ReadOptions,
  type ReadStats,
  readEvents,
  type SkippedLine,
  type SkipReason,
  type TailResult,
  tailEvents,
} from './metrics-reader.js';
export {
  MetricsRecorder,
  type MetricsRecorderOptions,
  openMetricsRecorder,
  type RotationOptions,
} from './metrics-recorder.js';
export { isProcessAlive, type PidLock, type PidLockAttempt, tryAcquirePidLock } from './pid-lock.js';
export {
  METRICS_FILE,
  type MetricsLineWriter,
  ROTATED_FILE_PATTERN,
  RotatingNdjsonWriter,
  type RotatingNdjsonWriterOptions,
  type WriterFileSystem,
  type WriterHealthChange,
  type WriterStats,
} from './rotating-ndjson-writer.js';
export {
  METRICS_SCHEMA_VERSION,
  type MetricsSummary,
  metricsSummarySchema,
  type SlowEvent,
  type StageEventLine,
  type StageOutcome,
  type StageStats,
  slowEventSchema,
  stageEventLineSchema,
  stageOutcomeSchema,
  stageStatsSchema,
} from './schema.js';
export {
  describeFileType,
  describeSkippedMetricsFile,
  type NonRegularFileType,
  type SkippedMetricsFile,
} from './skipped-metrics-file.js';
export { DEFAULT_SLOWEST_PER_STAGE } from './slowest-events.js';
export { formatStageEventLine, reusableStageEvent, type StageEvent } from './stage-event.js';
export { INVALID_EVENT_REASON, type StageEventInput } from './stage-event-input.js';
export type { StageLane } from './stage-lane.js';
export {
  OTHER_REASON,
  type RunCounterName,
  type StageEventSink,
  StageMetricsCollector,
  type StageMetricsCollectorOptions,
  type SummaryContext,
} from './stage-metrics-collector.js';
export {
  reasonOfThrown,
  type StageAttrs,
  type StageOptions,
  type StageResult,
  type StageScope,
  type StageSpan,
  type StageTimer,
  type StageTracer,
} from './stage-timer.js';
export { MAX_STEP_LANES, type StepLanes } from './step-lanes.js';
export { readSummary, SUMMARY_FILE } from './summary-file.js';
export { WRITER_LOCK_FILE } from './writer-lock.js';
export { WRITER_THREAD_BYTES, WRITER_THREAD_LINES } from './writer-thread-layout.js';
