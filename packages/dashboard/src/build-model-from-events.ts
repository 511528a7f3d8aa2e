// buildModelFromEvents(): the dashboard model of stage events held in memory, composed as buildModel() composes
// a run dir's, so another tool can render a page without writing a run dir.
import {
  type MetricsSummary,
  metricsSummarySchema,
  type StageEvent,
  type StageEventLine,
  stageEventLineSchema,
} from '@loop/metrics';
import {
  type DocumentRead,
  LifetimeTracker,
  pidIsAlive,
  RunHistory,
  type RunHistoryLimits,
  type RunRecordDocument,
  runRecordSchema,
  type SupervisorState,
  supervisorStateSchema,
} from '@loop/run-dir';
import type { ZodType } from 'zod';
import { composeModelFromSources } from './compose-model.js';
import { LoopDashboardError } from './errors.js';
import type { DashboardModel } from './model.js';
import { describeValue } from './model-shape.js';
import { checkHistoryLimits, checkOptionsObject, checkText, invalidOption } from './option-checks.js';
import { isPlainStageEvent } from './stage-event-line.js';

const CALLER = 'buildModelFromEvents';

/** The file name tail events get when the model is built from events (their `line` is the 1-based position). */
export const EVENTS_SOURCE = 'events';

/** Options of {@link buildModelFromEvents}: the documents a run dir would hold, all optional. */
export interface BuildModelFromEventsOptions {
  /**
   * A `metrics_summary.json` document (as `@loop/metrics` writes it). When given, the counters and the Stages
   * table come from it, as from a run dir's valid summary; otherwise they are recomputed from the events.
   */
  summary?: MetricsSummary;
  /**
   * The run's settings, as `run.json` holds them: any JSON object is listed as settings; one that matches
   * `@loop/run-dir`'s run record schema also feeds the health model (status, trading state, equity).
   */
  run?: Record<string, unknown>;
  /** A `supervisor_state.json` document (`@loop/supervisor`), for the health model's supervisor part. */
  supervisor?: SupervisorState;
  /** Wall clock now (ms since the epoch) for the health model; default `Date.now()`. Fix it for same bytes. */
  now?: number;
  /** What the page calls the source (its title and the model's `runDir`); default `in-memory`. */
  label?: string;
  /** How many recent events the page lists (default 50). */
  tailLines?: number;
  /** Finer limits on the model's size (buckets, stages, reasons), as for `buildModel`. */
  limits?: Partial<Omit<RunHistoryLimits, 'tailLines'>>;
}

/** Fields of an event: a recorded `StageEvent` (no `v`) or a line read back (`v: 1`). */
type EventInput = StageEvent | StageEventLine;

function eventLine(value: unknown, index: number): StageEventLine {
  const candidate =
    typeof value === 'object' && value !== null && !Array.isArray(value) && !('v' in value)
      ? { v: 1, ...value }
      : value;
  if (isPlainStageEvent(candidate)) return candidate;
  const result = stageEventLineSchema.safeParse(candidate);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
  const got = where === '' ? ` (got ${describeValue(value)})` : '';
  throw new LoopDashboardError(
    'LOOP_DASHBOARD_EVENT_INVALID',
    `${CALLER}: events[${index}]${where}: ${issue?.message ?? 'invalid'}${got}`,
    { context: { index, ...(where ? { path: where.slice(1) } : {}) } },
  );
}

function document<T>(name: string, value: unknown, schema: ZodType<T>): DocumentRead<T> {
  if (value === undefined) return { state: 'missing' };
  const result = schema.safeParse(value);
  if (result.success) return { state: 'valid', value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
  throw invalidOption(CALLER, `${name}${where}: ${issue?.message ?? 'invalid'}`, `${name}${where}`);
}

/**
 * Builds the same {@link DashboardModel} that `buildModel(runDir)` builds from a run dir, from stage events held
 * in memory (in the order they happened), so `renderDashboard(buildModelFromEvents(events))` draws a page
 * without a run dir. Events are what `record()` takes (`StageEvent`) or what the NDJSON holds
 * (`StageEventLine`, `v: 1`). Both builders go through one composition: the model differs from a run dir's
 * holding the same events only in its source fields, `runDir` (the `label`), `quality.files` and
 * `quality.fileTotals` (no files: empty and zero), and each tail event's `file` (`events`) and `line` (its
 * 1-based position in `events`). Memory is bounded as for `buildModel`: events are aggregated, not kept.
 *
 * @throws LoopDashboardError `LOOP_DASHBOARD_EVENT_INVALID` naming the first event that is not a stage event
 *   (index and field), `LOOP_DASHBOARD_OPTION_INVALID` for an option that is not what it documents (a
 *   summary or supervisor state that does not match its schema, a bad limit).
 */
export function buildModelFromEvents(
  events: Iterable<EventInput>,
  options: BuildModelFromEventsOptions = {},
): DashboardModel {
  if (
    typeof events !== 'object' ||
    events === null ||
    typeof (events as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function'
  ) {
    throw invalidOption(
      CALLER,
      `events must be an iterable of stage events, got ${describeValue(events)}`,
      'events',
    );
  }
  checkOptionsObject(CALLER, 'options', options);
  const limits = checkHistoryLimits(CALLER, options.tailLines, options.limits);
  const label = options.label ?? 'in-memory';
  checkText(CALLER, 'label', label);
  const nowMs = options.now ?? Date.now();
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
    throw invalidOption(CALLER, `now must be a finite number of ms, got ${describeValue(nowMs)}`, 'now');
  }
  const summary = document('summary', options.summary, metricsSummarySchema);
  const supervisor = document('supervisor', options.supervisor, supervisorStateSchema);
  const run = options.run;
  checkOptionsObject(CALLER, 'run', run);
  let runRecord: DocumentRead<RunRecordDocument> = { state: 'missing' };
  if (run !== undefined) {
    // As from a run dir: any object is listed as settings; a run record that does not match is `corrupt` for
    // the health model (and says why there), not an error.
    const result = runRecordSchema.safeParse(run);
    const issue = result.success ? undefined : result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    runRecord = result.success
      ? { state: 'valid', value: result.data }
      : { state: 'corrupt', reason: `does not match the schema: ${where}${issue?.message ?? 'invalid'}` };
  }

  const history = new RunHistory(limits);
  const lifetimes = new LifetimeTracker();
  let index = 0;
  for (const value of events) {
    const event = eventLine(value, index);
    index += 1;
    history.addEvent(event, EVENTS_SOURCE, index);
    lifetimes.add(event, EVENTS_SOURCE, index);
  }
  return composeModelFromSources({
    runDir: label,
    history,
    lifetimes,
    files: [],
    documents: {
      summary,
      runInfo: run === undefined ? { state: 'missing' } : { state: 'valid', value: run },
      run: runRecord,
      heartbeat: { state: 'missing' },
      supervisor,
      supervisorLog: [],
    },
    nowMs,
    isAlive: pidIsAlive,
  });
}
