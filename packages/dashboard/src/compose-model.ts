// Puts a streamed RunHistory, the summary and run.json together into the dashboard model. Pure.
import type { MetricsSummary, SkippedMetricsFile, StageOutcome } from '@loop/metrics';
import {
  type DocumentRead,
  decideRunHealth,
  type HeartbeatReading,
  type LifetimeTracker,
  type RunHistory,
  type RunRecordDocument,
  type SupervisorLogEntry,
  type SupervisorState,
} from '@loop/run-dir';
import { composeBook } from './book-model.js';
import { formatCount, formatTime } from './display-format.js';
import {
  DASHBOARD_MODEL_VERSION,
  type DashboardModel,
  type DashboardReasonRow,
  type ReasonRow,
  type SlowestEventRow,
  type SlowestEvents,
  type StageRow,
} from './model.js';
import { flattenSettings } from './settings-rows.js';

/** Oldest files listed in the model when there are many. */
export const FILES_HEAD = 3;
/** Newest files listed in the model when there are many. */
export const FILES_TAIL = 8;

/** Reason rows shown at most; the rest are summed into a note. */
export const MAX_REASON_ROWS = 100;

/** The inputs of {@link composeDashboardModel}. */
export interface ModelInputs {
  runDir: string;
  history: RunHistory;
  files: Array<{ name: string; lines: number; bytes: number }>;
  /** Rotated files deleted before they could be read (`--metrics-rotate-keep`); 0 when every one was read. */
  unreadRotatedFiles?: number;
  /** Entries named like metrics files that are not regular files, skipped (oldest first). */
  skippedFiles?: readonly SkippedMetricsFile[];
  summary: DocumentRead<MetricsSummary>;
  runInfo: DocumentRead<Record<string, unknown>>;
  /**
   * The last process lifetime in the files (the one a valid summary counts, since it counts one process):
   * its number, events and newest `ts`. Without it, every event is taken as one lifetime.
   */
  currentLifetime?: { number: number; events: number; lastTs: number } | null;
}

/**
 * How far (ms, on the run's clock) the summary's `updated_at` may trail its process's newest event before the
 * page says the summary is behind: the writer rewrites it every second (`summaryIntervalMs`), plus a margin.
 */
export const SUMMARY_LAG_ALLOWED_MS = 2_500;

function summaryStages(summary: MetricsSummary): StageRow[] {
  const names = new Set([...Object.keys(summary.stages_by_name), ...Object.keys(summary.outcomes_by_stage)]);
  return [...names].map((stage) => {
    const stats = summary.stages_by_name[stage];
    const outcomes = summary.outcomes_by_stage[stage];
    return {
      stage,
      count: stats?.count ?? 0,
      p50_ms: stats?.p50_ms ?? 0,
      p95_ms: stats?.p95_ms ?? 0,
      p99_ms: stats?.p99_ms ?? 0,
      max_ms: stats?.max_ms ?? 0,
      mean_ms: stats?.mean_ms ?? 0,
      ok: outcomes?.ok ?? 0,
      rejected: outcomes?.rejected ?? 0,
      error: outcomes?.error ?? 0,
    };
  });
}

function summaryReasons(summary: MetricsSummary): ReasonRow[] {
  const rows: ReasonRow[] = [];
  for (const [stage, byOutcome] of Object.entries(summary.reasons_by_stage)) {
    for (const [outcome, reasons] of Object.entries(byOutcome)) {
      for (const [reason, count] of Object.entries(reasons ?? {})) {
        rows.push({ stage, outcome: outcome as StageOutcome, reason, count });
      }
    }
  }
  return rows.sort((a, b) => b.count - a.count);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Why a valid summary's count differs from the events of its process in the files, or null when it does not
 * differ, or trails them only as much as a summary rewritten every second does. The summary counts one
 * process: it is compared with the last lifetime in the files, never with events of earlier lifetimes.
 */
function summaryCountNote(
  valid: MetricsSummary | null,
  history: RunHistory,
  currentLifetime: ModelInputs['currentLifetime'],
  unread: number,
): string | null {
  if (valid === null || history.events === 0 || history.lastTs === null) return null;
  const current = currentLifetime ?? { number: 1, events: history.events, lastTs: history.lastTs };
  const counted = valid.stage_events_count;
  if (counted === current.events) return null;
  const held =
    current.number > 1
      ? `${current.events} of its process (lifetime ${current.number}; ${history.events} across all lifetimes)`
      : String(current.events);
  const head = `The summary counts ${plural(counted, 'stage event')} since its process started; the NDJSON files hold ${held}`;
  const tail = ' Charts and recent events come from the NDJSON files.';
  if (counted < current.events) {
    const lagMs = current.lastTs - valid.updated_at;
    if (lagMs <= SUMMARY_LAG_ALLOWED_MS) return null;
    return `${head}: the summary is behind the files (last written at ${formatTime(valid.updated_at)}, ${formatCount(Math.round(lagMs / 1000))} s before the newest event; it is rewritten every second while the loop runs, so one that stays behind means its writer stopped or is stuck).${tail}`;
  }
  const reasons = [
    ...(unread > 0 ? ['rotated files were deleted'] : []),
    ...(history.skipped > 0 ? ['lines were skipped'] : []),
  ];
  return `${head} (${reasons.length > 0 ? reasons.join(', or ') : 'lines were lost, or the summary is from another run'}).${tail}`;
}

/** Builds the model from its inputs: the summary's figures when it is valid, else figures recomputed from events. */
export function composeDashboardModel(inputs: ModelInputs): DashboardModel {
  const { history, summary, runInfo } = inputs;
  const notes: string[] = [];
  let summaryNote: string | null = null;
  const valid = summary.state === 'valid' ? summary.value : null;
  const recomputed = history.recomputedCounters();
  if (summary.state === 'corrupt') {
    summaryNote = `metrics_summary.json is corrupt (${summary.reason}); the figures below are recomputed from ${plural(history.events, 'NDJSON event')} (processed = distinct steps, filled = the exec events' attrs.fills summed).`;
  } else if (summary.state === 'missing' && history.events > 0) {
    summaryNote = `metrics_summary.json is missing; the figures below are recomputed from ${plural(history.events, 'NDJSON event')} (processed = distinct steps, filled = the exec events' attrs.fills summed).`;
  }
  const unread = inputs.unreadRotatedFiles ?? 0;
  if (unread > 0) {
    notes.push(
      `${plural(unread, 'rotated NDJSON file')} had been deleted (--metrics-rotate-keep) before this page could read ${unread === 1 ? 'it' : 'them'}: ${unread === 1 ? 'its' : 'their'} events are not in the charts, the tail or figures recomputed from the files.`,
    );
  }
  const skippedFiles = [...(inputs.skippedFiles ?? [])];
  if (skippedFiles.length > 0) {
    notes.push(
      skippedFiles.length === 1
        ? `1 entry named like an NDJSON file is not a regular file and was skipped (never opened or read; not deleted by rotation): ${skippedFiles[0]!.name}; see the list above.`
        : `${skippedFiles.length} entries named like NDJSON files are not regular files and were skipped (never opened or read; not deleted by rotation): ${skippedFiles.map((f) => f.name).join(', ')}; see the list above.`,
    );
  }
  const note = summaryCountNote(valid, history, inputs.currentLifetime, unread);
  if (note !== null) notes.push(note);
  if (history.skipped > 0) {
    notes.push(
      `${plural(history.skipped, 'NDJSON line')} skipped (torn, not JSON, or not matching the schema); see the list above.`,
    );
  }
  const clampedInHistory = history.clamped();
  if (clampedInHistory > 0)
    notes.push(`${plural(clampedInHistory, 'latency')} above one hour were clamped in the charts.`);
  if (valid && valid.histogram.clamped > 0) {
    notes.push(
      `The summary's histograms clamped ${plural(valid.histogram.clamped, 'value')} outside ${valid.histogram.lowest_us}..${valid.histogram.highest_us} µs.`,
    );
  }
  if (valid && valid.writer.write_errors > 0) {
    notes.push(
      `The writer failed ${plural(valid.writer.write_errors, 'time')}${valid.writer.last_write_error ? ` (last: ${valid.writer.last_write_error})` : ''}.`,
    );
  }
  if (runInfo.state === 'corrupt') notes.push(`run.json ${runInfo.reason}; settings are not shown.`);

  // The files span every lifetime and keep first/last seen and examples; the summary counts one process.
  const fromFiles = history.events > 0 || !valid;
  const stageEvents = new Map(history.stageRows().map((s) => [s.stage, s.count]));
  const allReasons: DashboardReasonRow[] = fromFiles
    ? history.reasonRows().map((r) => {
        const base = stageEvents.get(r.stage) ?? 0;
        return base > 0 ? { ...r, share: r.count / base } : r;
      })
    : summaryReasons(valid);
  const reasons = allReasons.slice(0, MAX_REASON_ROWS);
  if (allReasons.length > reasons.length) {
    notes.push(`${allReasons.length - reasons.length} less frequent reasons are not listed.`);
  }
  const counters = valid ? valid.counters : recomputed;
  return {
    v: DASHBOARD_MODEL_VERSION,
    runDir: inputs.runDir,
    empty: history.events === 0 && history.skipped === 0 && valid === null,
    summarySource: valid ? 'valid' : 'recomputed',
    overview: {
      processed: counters.processed,
      filled: counters.filled,
      rejected: counters.rejected,
      errors: counters.errors,
      stageEvents: valid ? valid.stage_events_count : history.events,
      firstTs: history.firstTs,
      lastTs: history.lastTs,
      processStart: valid ? valid.process_start : null,
      updatedAt: valid ? valid.updated_at : null,
    },
    latency: history.overallLatency(),
    stages: valid ? summaryStages(valid) : history.stageRows(),
    reasons,
    reasonsSource: fromFiles ? 'files' : 'summary',
    latencySeries: history.latencySeries(),
    position: {
      gauges: { ...history.latestAttrs(), ...(valid?.gauges ?? {}) },
      series: history.attrSeries(),
    },
    tail: history.tail(),
    settings: runInfo.state === 'valid' ? flattenSettings(runInfo.value) : null,
    quality: {
      files:
        inputs.files.length <= FILES_HEAD + FILES_TAIL + 1
          ? inputs.files
          : [...inputs.files.slice(0, FILES_HEAD), ...inputs.files.slice(-FILES_TAIL)],
      filesOmitted:
        inputs.files.length > FILES_HEAD + FILES_TAIL + 1 ? inputs.files.length - FILES_HEAD - FILES_TAIL : 0,
      fileTotals: inputs.files.reduce(
        (t, f) => ({ count: t.count + 1, lines: t.lines + f.lines, bytes: t.bytes + f.bytes }),
        {
          count: 0,
          lines: 0,
          bytes: 0,
        },
      ),
      eventsRead: history.events,
      skippedLines: history.skipped,
      skippedSamples: history.skippedLines(),
      skippedFiles: skippedFiles.map((f) => ({ name: f.name, type: f.type })),
      clampedInHistory,
      clampedInSummary: valid ? valid.histogram.clamped : null,
      writer: valid
        ? {
            lines_written: valid.writer.lines_written,
            rotations: valid.writer.rotations,
            write_errors: valid.writer.write_errors,
            last_write_error: valid.writer.last_write_error,
          }
        : null,
      summaryNote,
      notes,
      ...(valid ? { invalidInput: { ...(valid.invalid_input ?? {}) } } : {}),
    },
    rates: history.rateSeries(),
    restarts: history.restarts(),
    recent: history.recentProblems(),
    book: composeBook(history, valid, runInfo.state === 'valid' ? runInfo.value : null),
    slowest: slowestEvents(history, valid),
    ...(valid?.custom_counters && Object.keys(valid.custom_counters).length > 0
      ? { customCounters: { ...valid.custom_counters } }
      : {}),
  };
}

/**
 * The summary's slowest events per stage (those behind the max and p99 the Stages table shows from it), each found
 * among the latest lifetime's slowest in the files for its step's lines; without a summary list, the files' own.
 */
function slowestEvents(history: RunHistory, valid: MetricsSummary | null): SlowestEvents {
  const fromFiles = history.slowestEvents();
  const listed = valid?.slowest_by_stage;
  if (listed === undefined || Object.keys(listed).length === 0) return { source: 'files', stages: fromFiles };
  const byStage = new Map(fromFiles.map((s) => [s.stage, s.events]));
  return {
    source: 'summary',
    stages: Object.entries(listed).map(([stage, events]) => ({
      stage,
      events: events.map((e): SlowestEventRow => {
        // ts is at microsecond resolution in both; the step and ts of one lifetime name one event of a stage.
        const found = byStage.get(stage)?.find((f) => f.step === e.step && Math.abs(f.ts - e.ts) < 0.002);
        if (found) return found;
        return {
          step: e.step,
          ts: e.ts,
          latency_ms: e.latency_ms,
          outcome: e.outcome,
          ...(e.reason === undefined ? {} : { reason: e.reason }),
          lifetime: null,
          file: null,
          line: null,
          stepLines: [],
          stepLinesOmitted: 0,
        };
      }),
    })),
  };
}

/** The run dir's documents a model is made of: what buildModel() reads, what buildModelFromEvents() is given. */
export interface ModelDocuments {
  summary: DocumentRead<MetricsSummary>;
  /** run.json as any object (its settings are listed). */
  runInfo: DocumentRead<Record<string, unknown>>;
  /** run.json checked against the run record schema (the health model reads it). */
  run: DocumentRead<RunRecordDocument>;
  heartbeat: DocumentRead<HeartbeatReading>;
  supervisor: DocumentRead<SupervisorState>;
  supervisorLog: readonly SupervisorLogEntry[];
}

/** Everything a whole model (figures and health) is composed from. */
export interface ModelSources {
  runDir: string;
  history: RunHistory;
  lifetimes: LifetimeTracker;
  files: Array<{ name: string; lines: number; bytes: number }>;
  unreadRotatedFiles?: number;
  /** Entries named like metrics files that are not regular files, skipped (the follower's `skippedFiles()`). */
  skippedFiles?: readonly SkippedMetricsFile[];
  documents: ModelDocuments;
  /** Wall clock now (ms): the health model's heartbeat age and uptimes are taken at this time. */
  nowMs: number;
  isAlive: (pid: number) => boolean | null;
  /** The health model's heartbeat threshold, when not its default. */
  staleAfterMs?: number | undefined;
}

/**
 * The one composition both builders go through: the figures ({@link composeDashboardModel}) and the run's
 * health as @loop/run-dir decides it. Pure, given `isAlive`.
 */
export function composeModelFromSources(sources: ModelSources): DashboardModel {
  const { documents, lifetimes } = sources;
  const model = composeDashboardModel({
    runDir: sources.runDir,
    history: sources.history,
    files: sources.files,
    unreadRotatedFiles: sources.unreadRotatedFiles ?? 0,
    skippedFiles: sources.skippedFiles ?? [],
    summary: documents.summary,
    runInfo: documents.runInfo,
    currentLifetime: lifetimes.lifetimes().at(-1) ?? null,
  });
  model.health = decideRunHealth({
    nowMs: sources.nowMs,
    run: documents.run,
    summary: documents.summary,
    heartbeat: documents.heartbeat,
    supervisor: documents.supervisor,
    supervisorLog: documents.supervisorLog,
    lifetimes: {
      list: [...lifetimes.lifetimes()],
      dropped: lifetimes.dropped,
      totals: lifetimes.totals(),
      recent: lifetimes.recent(),
    },
    isAlive: sources.isAlive,
    skippedFiles: sources.skippedFiles ?? [],
    ...(sources.staleAfterMs === undefined ? {} : { staleAfterMs: sources.staleAfterMs }),
  });
  return model;
}
