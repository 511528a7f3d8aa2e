// Checks that a value handed to a render function is a DashboardModel, so misuse gets a coded error, not a TypeError.
import { z } from 'zod';
import { LoopDashboardError } from './errors.js';
import { DASHBOARD_MODEL_VERSION, type DashboardModel } from './model.js';

const count = z.number().int().nonnegative();
const ms = z.number().finite();
const outcome = z.enum(['ok', 'rejected', 'error']);
const attrs = z.record(z.string(), z.union([z.number(), z.string()]));

// Loose objects: a model from a newer minor version (more fields) still renders; what the page reads is checked.
const stageRow = z.looseObject({
  stage: z.string(),
  count,
  p50_ms: ms,
  p95_ms: ms,
  p99_ms: ms,
  max_ms: ms,
  mean_ms: ms,
  ok: count,
  rejected: count,
  error: count,
});

const tailEvent = z.looseObject({
  ts: ms,
  step: count,
  stage: z.string(),
  outcome,
  latency_ms: ms,
  reason: z.string().optional(),
  detail: z.string().optional(),
  attrs: attrs.optional(),
  file: z.string(),
  line: count,
});

const slowestEvents = z.looseObject({
  source: z.enum(['summary', 'files']),
  stages: z.array(
    z.looseObject({
      stage: z.string(),
      events: z.array(
        z.looseObject({
          step: count,
          ts: ms,
          latency_ms: ms,
          outcome,
          reason: z.string().optional(),
          lifetime: count.nullable(),
          file: z.string().nullable(),
          line: count.nullable(),
          stepLines: z.array(tailEvent),
          stepLinesOmitted: count,
        }),
      ),
    }),
  ),
});

const fileRow = z.looseObject({ name: z.string(), lines: count, bytes: count });

/** The shape of a {@link DashboardModel} as the renderer reads it (the health part is checked shallowly). */
const dashboardModelShape = z.looseObject({
  v: z.literal(DASHBOARD_MODEL_VERSION),
  runDir: z.string(),
  empty: z.boolean(),
  summarySource: z.enum(['valid', 'recomputed']),
  overview: z.looseObject({
    processed: count,
    filled: count,
    rejected: count,
    errors: count,
    stageEvents: count,
    firstTs: ms.nullable(),
    lastTs: ms.nullable(),
    processStart: ms.nullable(),
    updatedAt: ms.nullable(),
  }),
  latency: z.looseObject({ p50_ms: ms, p95_ms: ms, p99_ms: ms, max_ms: ms, count }),
  stages: z.array(stageRow),
  reasons: z.array(z.looseObject({ stage: z.string(), outcome, reason: z.string(), count })),
  latencySeries: z.looseObject({
    bucketMs: z.number().positive(),
    stages: z.array(
      z.looseObject({ stage: z.string(), points: z.array(z.tuple([ms, ms, ms, count], z.number())) }),
    ),
  }),
  position: z.looseObject({
    gauges: z.record(z.string(), z.number()),
    series: z.array(z.looseObject({ key: z.string(), points: z.array(z.tuple([ms, ms], z.number())) })),
  }),
  tail: z.array(tailEvent),
  settings: z.array(z.looseObject({ key: z.string(), value: z.string() })).nullable(),
  quality: z.looseObject({
    files: z.array(fileRow),
    filesOmitted: count,
    fileTotals: z.looseObject({ count, lines: count, bytes: count }),
    eventsRead: count,
    skippedLines: count,
    skippedSamples: z.array(z.looseObject({ file: z.string(), line: count, reason: z.string() })),
    skippedFiles: z.array(z.looseObject({ name: z.string(), type: z.string() })).optional(),
    clampedInHistory: count,
    clampedInSummary: count.nullable(),
    writer: z
      .looseObject({
        lines_written: count,
        rotations: count,
        write_errors: count,
        last_write_error: z.string().nullable(),
      })
      .nullable(),
    summaryNote: z.string().nullable(),
    notes: z.array(z.string()),
    invalidInput: z.record(z.string(), count).optional(),
  }),
  health: z
    .looseObject({
      status: z.string(),
      healthy: z.boolean(),
      reason: z.string(),
      lifetimes: z.looseObject({ list: z.array(z.looseObject({})) }),
    })
    .optional(),
  slowest: slowestEvents.optional(),
  customCounters: z.record(z.string(), z.number().finite()).optional(),
});

/** What a value is, for the error message: `a RunHistory`, `null`, `an array`, `a string`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * Throws `LOOP_DASHBOARD_MODEL_INVALID` unless `value` has the shape of a {@link DashboardModel}; `caller`
 * names the function in the message.
 */
export function assertDashboardModel(value: unknown, caller: string): asserts value is DashboardModel {
  const result = dashboardModelShape.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  const hint =
    typeof value !== 'object' || value === null || !('v' in value)
      ? ` (got ${describeValue(value)}; build one with buildModel(runDir) or buildModelFromEvents(events))`
      : '';
  throw new LoopDashboardError(
    'LOOP_DASHBOARD_MODEL_INVALID',
    `${caller}: the model is not a DashboardModel v${DASHBOARD_MODEL_VERSION}${where}: ${issue?.message ?? 'invalid'}${hint}`,
    { context: { caller, ...(where ? { path: where.slice(4) } : {}) } },
  );
}

const nullableNumber = z.number().nullable();
const compareSide = z
  .looseObject({
    lifetime: count,
    step: count,
    file: z.string(),
    line: count,
    events: z.array(
      z.looseObject({
        file: z.string(),
        line: count,
        stage: z.string(),
        outcome: z.string(),
        latency_ms: ms,
        reason: z.string().optional(),
        detail: z.string().optional(),
        attrs: attrs.optional(),
      }),
    ),
  })
  .nullable();
const compareStep = z
  .looseObject({ index: count, a: compareSide, b: compareSide, differences: z.array(z.string()) })
  .nullable();

/** The shape of a `ComparePageModel` as renderComparePage reads it. */
const comparePageShape = z.looseObject({
  runDirA: z.string(),
  runDirB: z.string(),
  verdict: z.string(),
  stepsCompared: count,
  decision: compareStep,
  firstDifference: compareStep,
  settings: z.array(z.looseObject({ key: z.string(), a: z.unknown(), b: z.unknown() })),
  rows: z.array(
    z.looseObject({
      metric: z.string(),
      group: z.string(),
      a: nullableNumber,
      b: nullableNumber,
      diff: nullableNumber,
      ratio: nullableNumber,
    }),
  ),
  notes: z.array(z.string()),
});

/** Throws `LOOP_DASHBOARD_MODEL_INVALID` unless `value` has the shape of a `ComparePageModel`. */
export function assertComparePageModel(value: unknown): void {
  const result = comparePageShape.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new LoopDashboardError(
    'LOOP_DASHBOARD_MODEL_INVALID',
    `renderComparePage: the model is not a ComparePageModel${where}: ${issue?.message ?? 'invalid'} (got ${describeValue(value)})`,
    { context: { caller: 'renderComparePage', ...(where ? { path: where.slice(4) } : {}) } },
  );
}
