// The dashboard model: plain, JSON-serialisable data that buildModel() produces and renderDashboard() draws.
import type {
  AttrSeries,
  ReasonRow,
  RunHealth,
  SkippedLine,
  StageLatencySeries,
  StageRow,
  TailEvent,
} from '@loop/run-dir';

// The rows come from @loop/run-dir's RunHistory; re-exported as part of the model's shape.
export type { AttrSeries, ReasonRow, SkippedLine, StageLatencySeries, StageRow, TailEvent };

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
  reasons: ReasonRow[];
  /** Latency over time, per stage, in buckets of `bucketMs`. */
  latencySeries: { bucketMs: number; stages: StageLatencySeries[] };
  /** Position, equity and PnL: latest gauges and their history from event attributes. */
  position: { gauges: Record<string, number>; series: AttrSeries[] };
  tail: TailEvent[];
  /** The settings from run.json, flattened to dotted keys; null when there is no run.json. */
  settings: Array<{ key: string; value: string }> | null;
  quality: DataQuality;
  /**
   * The run dir's health (status, lifetimes across restarts, supervisor) as `@loop/run-dir` decides it, at the
   * time the model was built; absent in models made before it existed.
   */
  health?: RunHealth;
}
