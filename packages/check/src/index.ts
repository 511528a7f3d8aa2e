// @loop/check: judge a Loop run in CI. Thresholds over a run dir's metrics (k6-style, exit 99 on failure),
// a run-vs-run comparison with the first divergent step, JUnit XML. An explicit list: what the README documents.
export {
  type CheckJson,
  checkJson,
  EXIT_BAD_INPUT,
  EXIT_PASSED,
  EXIT_THRESHOLD_FAILED,
  formatCheckTable,
} from './check-report.js';
export { formatComparisonTable, formatDivergence, formatFailOn, formatSettings } from './compare-report.js';
export {
  type DivergenceOptions,
  type DivergenceReport,
  type DivergenceVerdict,
  type EventView,
  findDivergence,
  MARKET_ATTRS,
  type StepDifference,
  type StepSide,
} from './divergence.js';
export { isLoopCheckError, LoopCheckError, type LoopCheckErrorCode } from './errors.js';
export { escapeXml, formatJunitXml, type JunitOptions } from './junit-xml.js';
export { RUN_METRICS, STAGE_METRICS } from './metric-catalog.js';
export {
  assertRunDir,
  compareRunDirs,
  type ReadRunOptions,
  type RunDirComparison,
  type RunReading,
  readRunMetrics,
  type SettingDifference,
} from './read-run.js';
export {
  COMPARISON_SUFFIXES,
  type ComparisonRow,
  type ComparisonSuffix,
  type ComparisonThreshold,
  compareRuns,
  compileComparisonThreshold,
  evaluateComparison,
} from './run-comparison.js';
export {
  type FigureSources,
  type ReasonCount,
  type RunDocumentFigures,
  type RunFigures,
  RunMetrics,
  RunMetricsCollector,
  type RunMetricsLimits,
  type StageFigures,
} from './run-metrics.js';
export { type StepGroup, StepReader } from './step-reader.js';
export {
  type ComparisonOperator,
  type MetricReference,
  parseThreshold,
  type ThresholdExpression,
} from './threshold-expression.js';
export {
  type CheckResult,
  compileThreshold,
  type EvaluateOptions,
  evaluateThresholds,
  formatValue,
  type Threshold,
  type ThresholdResult,
} from './thresholds.js';
export {
  type FileThreshold,
  parseThresholdsFile,
  readThresholdsFile,
  thresholdsFileSchema,
} from './thresholds-file.js';
