// The dashboard model: plain, JSON-serialisable data that buildModel() produces and renderDashboard() draws.
import type { NonRegularFileType } from '@loop/metrics';
import type {
  AttrSeries,
  DrawdownPoint,
  PositionChange,
  RateBucket,
  RateSeries,
  ReasonExample,
  ReasonRow,
  RestartMark,
  RunHealth,
  SkippedLine,
  SlowStepEvent,
  StageLatencySeries,
  StageRow,
  TailEvent,
} from '@loop/run-dir';

// The rows come from @loop/run-dir's RunHistory; re-exported as part of the model's shape.
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
};

/**
 * One of a stage's slowest events: its figures and, when the NDJSON files hold it, its lifetime, file and line
 * and its step's lines (every stage of that step). A summary exemplar the files no longer hold (pruned) has
 * `lifetime`, `file` and `line` null and no step lines.
 */
export interface SlowestEventRow {
  step: number;
  ts: number;
  latency_ms: number;
  outcome: TailEvent['outcome'];
  reason?: string;
  lifetime: number | null;
  file: string | null;
  line: number | null;
  stepLines: TailEvent[];
  stepLinesOmitted: number;
}

/** The events behind each stage's max and p99, slowest first, and where the list came from. */
export interface SlowestEvents {
  /**
   * `summary`: metrics_summary.json's `slowest_by_stage` (the running process), found in the files;
   * `files`: the slowest events of the latest lifetime in the NDJSON files (no usable summary list).
   */
  source: 'summary' | 'files';
  stages: Array<{ stage: string; events: SlowestEventRow[] }>;
}

/** A reason row with its share of its stage's events in the NDJSON files (0..1), when the files have them. */
export type DashboardReasonRow = ReasonRow & { share?: number };

/** The book: currency, totals, drawdown and the recent position changes. */
export interface BookModel {
  /** The account currency: from run.json (`settings.currency`, `settings.quote_currency`, ...) or `null` when it names none. */
  currency: string | null;
  /** The book's figures and where they came from: run.json's final stats, else the summary's gauges, else the files. */
  totals: {
    source: 'run-record' | 'summary' | 'files';
    equity: number | null;
    realizedPnl: number | null;
    unrealizedPnl: number | null;
    feesPaid: number | null;
    position: number | null;
    price: number | null;
    /** Fills (run.json or the summary's counter). */
    fills: number | null;
    orders: number | null;
    tradedNotional: number | null;
  };
  /** Worst equity-below-peak per bucket and lifetime. */
  drawdown: DrawdownPoint[];
  maxDrawdown: { value: number; ts: number } | null;
  /** The most recent position changes (fills), oldest first, and how many the files hold in all. */
  changes: PositionChange[];
  changesTotal: number;
}

/** Version of the {@link DashboardModel} shape. */
export const DASHBOARD_MODEL_VERSION = 1 as const;

/** Where the page's figures come from and what was wrong with the inputs. */
export interface DataQuality {
  /**
   * NDJSON files read, in chronological order; with many rotated files only the oldest 3 and the newest 8
   * (see `filesOmitted` and `fileTotals`), so the model stays small whatever the history.
   */
  files: Array<{ name: string; lines: number; bytes: number }>;
  /** Files read but not listed in `files` (between the oldest and the newest). */
  filesOmitted: number;
  /** All files read: how many, and their lines and bytes. */
  fileTotals: { count: number; lines: number; bytes: number };
  /** Valid events read from the NDJSON files. */
  eventsRead: number;
  /** Lines skipped because they were torn, not JSON, or did not match the schema. */
  skippedLines: number;
  /** The first skipped lines, with file and line number (bounded). */
  skippedSamples: SkippedLine[];
  /**
   * Entries named like NDJSON files that are not regular files (a FIFO, socket, device or directory), oldest
   * first: skipped, never opened or read. Not files deleted by rotation.
   */
  skippedFiles: Array<{ name: string; type: NonRegularFileType }>;
  /** Latencies above the histogram's range, clamped, in the NDJSON history. */
  clampedInHistory: number;
  /** `histogram.clamped` from the summary, when it was valid. */
  clampedInSummary: number | null;
  /** The summary's writer figures (rotations, write errors), when it was valid. */
  writer: {
    lines_written: number;
    rotations: number;
    write_errors: number;
    last_write_error: string | null;
  } | null;
  /** Set when metrics_summary.json was missing or corrupt and the figures were recomputed from the events. */
  summaryNote: string | null;
  /** Sentences the page shows in its data-quality section (e.g. "the summary was corrupt and was recomputed"). */
  notes: string[];
  /**
   * Invalid input the bot recorded, by kind (the summary's `invalid_input`: unknown outcome, NaN latency, bad
   * name, ...); `{}` when none; absent without a valid summary (and in models made before it existed).
   */
  invalidInput?: Record<string, number>;
}

/** The dashboard's input, built from a run dir. */
export interface DashboardModel {
  v: typeof DASHBOARD_MODEL_VERSION;
  /** The run dir, as given. */
  runDir: string;
  /** True when the run dir holds no events and no summary: the page says "no metrics yet". */
  empty: boolean;
  /** `valid` (metrics_summary.json used), `recomputed` (missing or corrupt: figures from the NDJSON). */
  summarySource: 'valid' | 'recomputed';
  overview: {
    processed: number;
    filled: number;
    rejected: number;
    errors: number;
    stageEvents: number;
    firstTs: number | null;
    lastTs: number | null;
    processStart: number | null;
    updatedAt: number | null;
  };
  /** Latency over all stage events in the NDJSON history. */
  latency: { p50_ms: number; p95_ms: number; p99_ms: number; max_ms: number; count: number };
  stages: StageRow[];
  /** Rejections and errors by stage and reason: from the NDJSON files (all lifetimes) when they have events. */
  reasons: DashboardReasonRow[];
  /** `files` (all lifetimes, with first/last seen and examples) or `summary` (counts since the process started). */
  reasonsSource?: 'files' | 'summary';
  /** Latency over time, per stage, in buckets of `bucketMs`. */
  latencySeries: { bucketMs: number; stages: StageLatencySeries[] };
  /** Position, equity and PnL: latest gauges and their history from event attributes. */
  position: { gauges: Record<string, number>; series: AttrSeries[] };
  tail: TailEvent[];
  /** The settings from run.json, flattened to dotted keys; null when there is no run.json. */
  settings: Array<{ key: string; value: string }> | null;
  quality: DataQuality;
  /** Steps, rejections and errors per time bucket and lifetime (absent in models made before it existed). */
  rates?: RateSeries;
  /** Where each process lifetime after the first began: the restart markers of the time charts. */
  restarts?: { marks: RestartMark[]; dropped: number };
  /** The last rejections and the last errors in the files, oldest first. */
  recent?: { rejections: TailEvent[]; errors: TailEvent[] };
  /** Position and PnL beyond the gauges. */
  book?: BookModel;
  /**
   * The run dir's health (status, lifetimes across restarts, supervisor) as `@loop/run-dir` decides it, at the
   * time the model was built; absent in models made before it existed.
   */
  health?: RunHealth;
  /** The bot's own counters by name (the summary's `custom_counters`); absent without a valid summary or any counter. */
  customCounters?: Record<string, number>;
  /** The slowest events of each stage with their steps' lines (absent in models made before it existed). */
  slowest?: SlowestEvents;
}
