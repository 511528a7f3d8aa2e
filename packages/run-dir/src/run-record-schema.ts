// zod schema of run.json, the run's record that `loop run` writes when the loop starts and when it ends.
import { z } from 'zod';

/** Version of run.json's layout (its `v`). */
export const RUN_RECORD_VERSION = 1 as const;

const isoTime = z.string().datetime({ offset: true });
const count = z.number().int().nonnegative();

/** The book at the end of the run (after the end-of-run settlement). */
export const runPositionSchema = z.object({
  position: z.number(),
  average_entry: z.number(),
  mark_price: z.number(),
  realized_pnl: z.number(),
  unrealized_pnl: z.number(),
  fees_paid: z.number(),
  cash: z.number(),
  equity: z.number(),
});

/** The run's totals, written when it ends. */
export const runStatsSchema = z.object({
  steps: count,
  orders: count,
  fills: count,
  /** Fills booked at the end of the run because the position stage had failed on the last step(s). */
  settled_fills: count,
  cancels: count,
  open_orders: count,
  rejections: count,
  rejections_by_reason: z.record(z.string(), count),
  errors: count,
  errors_by_stage: z.record(z.string(), count),
  last_error: z.string().nullable(),
  observer_errors: count,
  last_observer_error: z.string().nullable(),
  trading_state: z.enum(['ACTIVE', 'REDUCING', 'HALTED']),
  trading_state_reason: z.string().nullable(),
  traded_notional: z.number(),
  position: runPositionSchema,
  feed: z.object({
    candles: count,
    gaps: count,
    missing_intervals: count,
    skipped_rows: count,
  }),
});

/** Where the candles came from: `synthetic`, or `replay` with the file's facts (more keys may be added). */
export const runFeedSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('synthetic'), interval_ms: z.number().positive() }),
  z.looseObject({
    kind: z.literal('replay'),
    file: z.string(),
    format: z.string(),
    interval_ms: z.number().positive(),
    candles_in_file: count,
    first_candle_at: isoTime,
    last_candle_at: isoTime,
    gaps_in_file: count,
    missing_intervals_in_file: count,
    skipped_rows: count,
    skipped: z.array(z.unknown()),
  }),
]);

/**
 * Schema of run.json. `status` is `running` from the start until the run ends, then `ended` with `ended`
 * (why), `exit_code`, `stats` and the metrics writer's figures. `pid` is null in simulated runs (so that
 * their files are byte-identical).
 */
export const runRecordSchema = z.object({
  v: z.literal(RUN_RECORD_VERSION),
  /** The command that wrote it, e.g. `loop run`. */
  command: z.string(),
  status: z.enum(['running', 'ended']),
  /** Why the run stopped: all steps done or the feed ended, a signal, the kill switch, a failure. */
  ended: z.enum(['completed', 'signal', 'halted', 'error']).nullable(),
  exit_code: z.number().int().nullable(),
  error: z.string().nullable().optional(),
  clock: z.enum(['simulated', 'real']),
  seed: z.number(),
  exchange: z.string(),
  pid: z.number().int().positive().nullable(),
  started_at: isoTime,
  started_at_ms: z.number(),
  ended_at: isoTime.nullable(),
  ended_at_ms: z.number().nullable(),
  /** Versions of the command and the packages it composes. */
  versions: z.record(z.string(), z.string()),
  /** Every flag but the run dir, defaults filled in. */
  settings: z.record(z.string(), z.unknown()),
  feed: runFeedSchema,
  stats: runStatsSchema.optional(),
  /** The metrics writer's figures at the end (null when metrics were off). */
  metrics_writer: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** A parsed run.json. */
export type RunRecordDocument = z.infer<typeof runRecordSchema>;
/** The `stats` of run.json. */
export type RunStats = z.infer<typeof runStatsSchema>;
/** The `feed` of run.json. */
export type RunFeed = z.infer<typeof runFeedSchema>;
