// What a price feed is: a source of OHLCV candles, one per loop step, that counts the gaps it sees.
import { assertConfig } from './errors.js';

/** One OHLCV candle. `timeMs` is the candle's start, ms since the epoch. */
export interface Candle {
  /** Start of the candle's interval, ms since the epoch. */
  timeMs: number;
  /** First traded price of the interval; > 0. */
  open: number;
  /** Highest price; at least `max(open, close)`. */
  high: number;
  /** Lowest price; at most `min(open, close)`, > 0. */
  low: number;
  /** Last price of the interval: the step's current price (the book is marked at it). */
  close: number;
  /** Traded quantity in the interval; >= 0 (the paper exchange does not use it). */
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
  /** `synthetic` (seeded random walk, endless) or `replay` (a candle file). */
  readonly kind: 'synthetic' | 'replay';
  /** The feed's candle interval in ms (a replay file's most common step). */
  readonly intervalMs: number;
  /** Time of the first candle; a simulated clock starts here. */
  readonly startMs: number;
  /** The next candle, or `undefined` when the feed has ended (a synthetic feed never ends). */
  next(): Candle | undefined;
  /** Candles handed out so far and the gaps among them. */
  stats(): FeedStats;
}

/** Counts gaps in a stream of candle times: a step longer than `intervalMs` is one gap. */
export class GapCounter {
  /** The expected step between candles, ms; a longer step is a gap. */
  readonly intervalMs: number;
  /** Steps longer than `intervalMs` seen so far. */
  gaps = 0;
  /** Candles missing in those gaps. */
  missingIntervals = 0;
  #lastMs: number | undefined;

  /** @param intervalMs the expected step between candles, ms; > 0. */
  constructor(intervalMs: number) {
    assertConfig(intervalMs > 0 && Number.isFinite(intervalMs), 'intervalMs', 'must be > 0');
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
