// `loop run --threshold ... [--abort-on-fail]`: the flags, a live judge fed by the loop's stage reports (for
// --abort-on-fail), and the final verdict read from the run dir exactly as `loop check` reads it.
import {
  type CheckResult,
  EXIT_THRESHOLD_FAILED,
  evaluateThresholds,
  type FileThreshold,
  formatCheckTable,
  RunMetricsCollector,
  readRunMetrics,
} from '@loop/check';
import { STAGES, type StageObserver, type StageReport, type StepReport } from '@loop/engine';
import type { StageEventLine } from '@loop/metrics';
import { EXEC_STAGE, execStepAttrs } from '@loop/run-dir';
import { z } from 'zod';
import { checkErrorToCli, gatherThresholds } from './check-output.js';
import { usageError } from './errors.js';
import { type FlagSpecs, intFlag, stringFlag } from './flags.js';

/** The threshold flags of `loop run`. */
export const thresholdFlagSpecs: FlagSpecs = {
  threshold: {
    type: 'string',
    valueName: 'EXPR',
    multiple: true,
    description: 'judge the run at its end like `loop check` (e.g. "exec.p99_ms < 5"); exit 99 if one fails',
  },
  thresholds: { type: 'string', valueName: 'FILE', description: 'thresholds from a JSON or YAML file' },
  'abort-on-fail': {
    type: 'boolean',
    description: 'also judge during the run and stop it when a threshold fails (like k6 abortOnFail)',
  },
  'abort-delay-steps': {
    type: 'string',
    valueName: 'N',
    description: 'with --abort-on-fail: judge every N steps, from step N (like k6 delayAbortEval)',
    defaultText: '100',
  },
};

/** zod shape of {@link thresholdFlagSpecs}. */
export const thresholdFlagShape = {
  threshold: z.array(stringFlag()).optional(),
  thresholds: stringFlag().optional(),
  'abort-on-fail': z.boolean().default(false),
  'abort-delay-steps': intFlag({ min: 1 }).default(100),
};

/** The values of the threshold flags. */
export interface ThresholdFlagValues {
  threshold?: string[] | undefined;
  thresholds?: string | undefined;
  'abort-on-fail': boolean;
  'abort-delay-steps': number;
  'enable-metrics'?: boolean | undefined;
}

/** What failed during the run, when --abort-on-fail stopped it. */
export interface AbortVerdict {
  step: number;
  result: CheckResult;
}

/**
 * The run's thresholds. `observer` feeds a live {@link RunMetricsCollector} the events `loop run` writes and,
 * for thresholds that abort, judges them every `abort-delay-steps` steps; `onAbort` is called once.
 */
export class RunThresholds {
  readonly observer: StageObserver;
  aborted: AbortVerdict | undefined;
  private readonly collector = new RunMetricsCollector();
  private readonly aborting: FileThreshold[];
  private heldPosition: StageReport | undefined;

  constructor(
    readonly thresholds: FileThreshold[],
    abortOnFail: boolean,
    private readonly every: number,
    private readonly onAbort: (verdict: AbortVerdict) => void,
  ) {
    this.aborting = thresholds.filter((t) => abortOnFail || t.abortOnFail);
    this.observer = {
      onStage: (report) => this.onStage(report),
      onStepEnd: (step) => this.onStepEnd(step),
    };
  }

  /** True when some threshold is judged during the run (and the live collector is needed). */
  get live(): boolean {
    return this.aborting.length > 0;
  }

  private onStage(report: StageReport): void {
    // As the metrics writer does: exec carries the step's counts; position is held for the step's book.
    if (report.stage === 'position') {
      this.heldPosition = report;
      return;
    }
    const attrs = report.stage === EXEC_STAGE ? execStepAttrs(report) : undefined;
    this.collector.addEvent(eventOf(report, attrs ? { ...attrs } : undefined));
  }

  private onStepEnd(step: StepReport): void {
    if (this.heldPosition) {
      this.collector.addEvent(eventOf(this.heldPosition, { position: step.position, equity: step.equity }));
      this.heldPosition = undefined;
    }
    if (this.aborted !== undefined || step.step < this.every || step.step % this.every !== 0) return;
    const result = evaluateThresholds(this.collector.finish(), this.aborting, { knownStages: STAGES });
    if (!result.passed) {
      this.aborted = { step: step.step, result };
      this.onAbort(this.aborted);
    }
  }
}

function eventOf(report: StageReport, attrs: StageEventLine['attrs']): StageEventLine {
  const event: StageEventLine = {
    v: 1,
    ts: report.endMs,
    step: report.step,
    stage: report.stage,
    outcome: report.outcome,
    latency_ms: Math.max(0, report.endMs - report.startMs),
  };
  if (report.reason !== undefined) event.reason = report.reason;
  if (attrs !== undefined) event.attrs = attrs;
  return event;
}

/**
 * Compiles the threshold flags before the run dir is touched (bad input exits 2, nothing written); undefined
 * without thresholds. Thresholds need `--enable-metrics`: they are judged from the run's metrics files.
 */
export async function prepareRunThresholds(
  values: ThresholdFlagValues,
  onAbort: (verdict: AbortVerdict) => void,
): Promise<RunThresholds | undefined> {
  const thresholds = await gatherThresholds('run', values.threshold ?? [], values.thresholds);
  if (thresholds.length === 0) {
    if (values['abort-on-fail'])
      throw usageError('loop run: --abort-on-fail: needs --threshold or --thresholds');
    return undefined;
  }
  if (values['enable-metrics'] !== true)
    throw usageError(
      `loop run: ${values.threshold?.length ? '--threshold' : '--thresholds'}: needs --enable-metrics (thresholds are judged from the metrics files)`,
    );
  // The loop's stages are known before it runs: an unknown one is bad input now, not a failure at the end.
  try {
    evaluateThresholds(new RunMetricsCollector().finish(), thresholds, { knownStages: STAGES });
  } catch (error) {
    throw checkErrorToCli('run', '--threshold', error);
  }
  return new RunThresholds(thresholds, values['abort-on-fail'], values['abort-delay-steps'], onAbort);
}

/**
 * Judges the finished run from its run dir, as `loop check` would, and returns the lines to print and
 * whether it passed. A read failure is reported, not thrown: the run itself is done.
 */
export async function judgeRun(
  runDir: string,
  judge: RunThresholds,
): Promise<{ passed: boolean; text: string; exitCode: number }> {
  try {
    const reading = await readRunMetrics(runDir);
    const result = evaluateThresholds(reading.metrics, judge.thresholds, { knownStages: STAGES });
    const head = judge.aborted
      ? `thresholds: the run was stopped at step ${judge.aborted.step} (--abort-on-fail): ${judge.aborted.result.results
          .filter((r) => !r.passed)
          .map((r) => r.message)
          .join('; ')}\n`
      : '';
    return {
      passed: result.passed && judge.aborted === undefined,
      text: head + formatCheckTable(result),
      exitCode: result.passed && judge.aborted === undefined ? 0 : EXIT_THRESHOLD_FAILED,
    };
  } catch (error) {
    const cli = checkErrorToCli('run', '--threshold', error);
    return { passed: false, text: `thresholds: ${(cli as Error).message}\n`, exitCode: 1 };
  }
}
