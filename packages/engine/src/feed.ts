// What a price feed is: a source of OHLCV candles, one per loop step, that counts the gaps it sees.

/** One OHLCV candle. `timeMs` is the candle's start, ms since the epoch. */
export interface Candle {
  timeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** What a feed has seen so far. */
export interface FeedStats {
  /** Candles handed to the loop. */
  candles: number;
  /** Gaps between consecutive candles (a step longer than the feed's interval). */
  gaps: number;
  /** Candles missing in those gaps (a 3-minute gap in 1-minute candles is 2 missing). */
  missingIntervals: number;
  /** Rows of a replay file skipped as bad (`--feed-skip-bad-rows`); always 0 for the synthetic feed. */
  skippedRows: number;
}

/** A source of candles, pulled one per step. */
export interface Feed {
  readonly kind: 'synthetic' | 'replay';
  /** The feed's candle interval in ms (a replay file's most common step). */
  readonly intervalMs: number;
  /** Time of the first candle; a simulated clock starts here. */
  readonly startMs: number;
  /** The next candle, or `undefined` when the feed has ended (a synthetic feed never ends). */
  next(): Candle | undefined;
  stats(): FeedStats;
}

/** Counts gaps in a stream of candle times: a step longer than `intervalMs` is one gap. */
export class GapCounter {
  readonly intervalMs: number;
  gaps = 0;
  missingIntervals = 0;
  #lastMs: number | undefined;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Records the next candle time. */
  see(timeMs: number): void {
    const last = this.#lastMs;
    this.#lastMs = timeMs;
    if (last === undefined) return;
    const step = timeMs - last;
    if (step > this.intervalMs) {
      this.gaps++;
      this.missingIntervals += Math.max(1, Math.round(step / this.intervalMs) - 1);
    }
  }
}

/** The most common step between consecutive times (the smaller one on a tie); `fallbackMs` if fewer than two. */
export function inferIntervalMs(times: readonly number[], fallbackMs: number): number {
  if (times.length < 2) return fallbackMs;
  const counts = new Map<number, number>();
  for (let i = 1; i < times.length; i++) {
    const step = times[i]! - times[i - 1]!;
    counts.set(step, (counts.get(step) ?? 0) + 1);
  }
  let best = fallbackMs;
  let bestCount = 0;
  for (const [step, count] of counts) {
    if (count > bestCount || (count === bestCount && step < best)) {
      best = step;
      bestCount = count;
    }
  }
  return best;
}
