// The default feed: seeded synthetic candles (a geometric random walk with rare jumps), endless.
import { assertConfig } from './errors.js';
import type { Candle, Feed, FeedStats } from './feed.js';
import type { Rng } from './rng.js';

/** Options of {@link SyntheticFeed}. */
export interface SyntheticFeedOptions {
  /** The feed's own random stream (e.g. `rng.fork('feed')`). */
  rng: Rng;
  /** Time of the first candle, ms since the epoch. */
  startMs: number;
  /** Time between candles, ms. */
  intervalMs: number;
  /** Price of the first candle's open. Default 100. */
  startPrice?: number;
  /** Standard deviation of one candle's log return, in basis points. Default 10. */
  volatilityBps?: number;
  /** Mean of one candle's log return, in basis points. Default 0. */
  driftBps?: number;
  /** Chance that a candle carries a jump. Default 0.005. */
  jumpProbability?: number;
  /** Standard deviation of a jump, in basis points. Default 150. */
  jumpBps?: number;
  /** Prices are rounded to this tick. Default 0.01. */
  tickSize?: number;
}

/** Start of the synthetic feed under a simulated clock: 2024-01-01T00:00:00Z. */
export const SYNTHETIC_EPOCH_MS = 1_704_067_200_000;

/** Seeded synthetic candles: same seed and options, same candles. */
export class SyntheticFeed implements Feed {
  /** Always `synthetic`. */
  readonly kind = 'synthetic' as const;
  /** Time between candles, ms. */
  readonly intervalMs: number;
  /** Time of the first candle, ms since the epoch. */
  readonly startMs: number;
  readonly #rng: Rng;
  readonly #vol: number;
  readonly #drift: number;
  readonly #jumpProbability: number;
  readonly #jump: number;
  readonly #tick: number;
  readonly #tickDecimals: number;
  #nextMs: number;
  #close: number;
  #candles = 0;

  /** Throws `LOOP_ENGINE_CONFIG_INVALID` naming an option out of range. */
  constructor(options: SyntheticFeedOptions) {
    const {
      startPrice = 100,
      volatilityBps = 10,
      driftBps = 0,
      jumpProbability = 0.005,
      jumpBps = 150,
      tickSize = 0.01,
    } = options;
    assertConfig(Number.isFinite(options.startMs) && options.startMs >= 0, 'startMs', 'must be >= 0');
    assertConfig(options.intervalMs > 0 && Number.isFinite(options.intervalMs), 'intervalMs', 'must be > 0');
    assertConfig(startPrice > 0 && Number.isFinite(startPrice), 'startPrice', 'must be > 0');
    assertConfig(volatilityBps >= 0 && volatilityBps <= 2000, 'volatilityBps', 'must be in [0, 2000]');
    assertConfig(Math.abs(driftBps) <= 1000, 'driftBps', 'must be in [-1000, 1000]');
    assertConfig(jumpProbability >= 0 && jumpProbability <= 1, 'jumpProbability', 'must be in [0, 1]');
    assertConfig(jumpBps >= 0 && jumpBps <= 5000, 'jumpBps', 'must be in [0, 5000]');
    assertConfig(tickSize > 0 && tickSize < startPrice, 'tickSize', 'must be > 0 and below startPrice');
    this.#rng = options.rng;
    this.startMs = options.startMs;
    this.intervalMs = options.intervalMs;
    this.#vol = volatilityBps / 10_000;
    this.#drift = driftBps / 10_000;
    this.#jumpProbability = jumpProbability;
    this.#jump = jumpBps / 10_000;
    this.#tick = tickSize;
    this.#tickDecimals = decimals(tickSize);
    this.#nextMs = options.startMs;
    this.#close = this.#round(startPrice);
  }

  /** The next candle; never `undefined` (the walk is endless). */
  next(): Candle {
    const rng = this.#rng;
    const open = this.#close;
    let r = this.#drift + this.#vol * rng.normal();
    if (rng.chance(this.#jumpProbability)) r += this.#jump * rng.normal();
    // Never below one tick: the walk is multiplicative, but rounding could otherwise reach zero.
    const close = Math.max(this.#tick, this.#round(open * Math.exp(r)));
    const wick = this.#vol / 2;
    const high = Math.max(
      open,
      close,
      this.#round(Math.max(open, close) * (1 + wick * Math.abs(rng.normal()))),
    );
    const low = Math.min(
      open,
      close,
      Math.max(this.#tick, this.#round(Math.min(open, close) * (1 - wick * Math.abs(rng.normal())))),
    );
    const volume = Math.round(10 * Math.exp(0.5 * rng.normal()) * 1e4) / 1e4;
    const candle: Candle = { timeMs: this.#nextMs, open, high, low, close, volume };
    this.#close = close;
    this.#nextMs += this.intervalMs;
    this.#candles++;
    return candle;
  }

  /** Candles made so far; no gaps or skipped rows. */
  stats(): FeedStats {
    return { candles: this.#candles, gaps: 0, missingIntervals: 0, skippedRows: 0 };
  }

  #round(price: number): number {
    // Rounding through the tick count keeps prices like 100.07 exact in their shortest decimal form.
    const ticks = Math.round(price / this.#tick);
    return Number((ticks * this.#tick).toFixed(this.#tickDecimals));
  }
}

function decimals(tick: number): number {
  const text = String(tick);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(12, text.length - dot - 1);
}
