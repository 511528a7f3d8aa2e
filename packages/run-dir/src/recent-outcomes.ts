// Errors and rejections in the last hour, in bounded memory: counts per 10-second bucket, keeping only the
// buckets within an hour of the newest event. The health model sums the window it decides (wall clock or the
// run's own clock). Pure.

/** Width of a bucket: the window's resolution. */
export const RECENT_BUCKET_MS = 10_000;
/** The window the fleet page and `loop status` call "the last hour". */
export const RECENT_WINDOW_MS = 3_600_000;

/** Buckets kept: the window plus one partial bucket at each end. */
const KEPT_BUCKETS = RECENT_WINDOW_MS / RECENT_BUCKET_MS + 2;

/** A snapshot of {@link RecentOutcomeWindow}: plain data. */
export interface RecentOutcomes {
  bucketMs: number;
  /** The newest event's `ts` seen (any outcome), or null before the first event. */
  newestTs: number | null;
  /** Buckets with an error or a rejection, oldest first; `startMs` is a multiple of `bucketMs`. */
  buckets: ReadonlyArray<{ startMs: number; errors: number; rejections: number }>;
}

/** Errors and rejections between two times, as {@link countRecentOutcomes} sums them. */
export interface RecentCounts {
  errors: number;
  rejections: number;
  /** The window: events with `fromMs < ts <= toMs`, at {@link RECENT_BUCKET_MS} resolution. */
  fromMs: number;
  toMs: number;
}

/**
 * Counts errors and rejections per bucket as events arrive in file order. Buckets more than an hour older
 * than the newest event are dropped, so memory stays at most ~362 buckets whatever the run's length. Events
 * older than that (a simulated run restarted from its first candle) are not counted.
 */
export class RecentOutcomeWindow {
  readonly #buckets = new Map<number, { errors: number; rejections: number }>();
  #newestTs: number | null = null;

  /** Adds one event. */
  add(ts: number, outcome: string): void {
    if (this.#newestTs === null || ts > this.#newestTs) this.#newestTs = ts;
    if (outcome !== 'error' && outcome !== 'rejected') return;
    const index = Math.floor(ts / RECENT_BUCKET_MS);
    const newestIndex = Math.floor(this.#newestTs / RECENT_BUCKET_MS);
    if (index <= newestIndex - KEPT_BUCKETS) return;
    let bucket = this.#buckets.get(index);
    if (bucket === undefined) {
      bucket = { errors: 0, rejections: 0 };
      this.#buckets.set(index, bucket);
      if (this.#buckets.size > KEPT_BUCKETS) {
        for (const key of this.#buckets.keys())
          if (key <= newestIndex - KEPT_BUCKETS) this.#buckets.delete(key);
      }
    }
    if (outcome === 'error') bucket.errors += 1;
    else bucket.rejections += 1;
  }

  /** The buckets and the newest time, as plain data. */
  snapshot(): RecentOutcomes {
    const buckets = [...this.#buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, counts]) => ({ startMs: index * RECENT_BUCKET_MS, ...counts }));
    return { bucketMs: RECENT_BUCKET_MS, newestTs: this.#newestTs, buckets };
  }
}

/**
 * Sums the buckets in the window of {@link RECENT_WINDOW_MS} ending at `toMs` (a bucket counts when it ends
 * after `fromMs` and starts at or before `toMs`). Pure.
 */
export function countRecentOutcomes(recent: RecentOutcomes, toMs: number): RecentCounts {
  const fromMs = toMs - RECENT_WINDOW_MS;
  let errors = 0;
  let rejections = 0;
  for (const bucket of recent.buckets) {
    if (bucket.startMs + recent.bucketMs <= fromMs || bucket.startMs > toMs) continue;
    errors += bucket.errors;
    rejections += bucket.rejections;
  }
  return { errors, rejections, fromMs, toMs };
}
