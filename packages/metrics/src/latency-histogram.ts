// Latency percentiles of one stage: an HDR histogram over integer microseconds with a fixed range.
import { build, type JsHistogram } from 'hdr-histogram-js';
import { MetricsError } from './errors.js';

/** Range of a {@link LatencyHistogram}, in integer microseconds. */
export interface LatencyRange {
  /** Smallest value told apart from 0; default 1 µs. */
  lowestUs: number;
  /** Largest value tracked; larger values are clamped to it and counted; default 1 hour. */
  highestUs: number;
}

/** Default range: 1 µs to 1 hour, at 3 significant digits (at most 0.1% relative error). */
export const DEFAULT_LATENCY_RANGE: Readonly<LatencyRange> = Object.freeze({
  lowestUs: 1,
  highestUs: 3_600_000_000,
});

/** Checks a range, throwing `LOOP_METRICS_OPTION_INVALID` naming the bad field. */
export function validateLatencyRange(range: LatencyRange): LatencyRange {
  const { lowestUs, highestUs } = range;
  if (!Number.isSafeInteger(lowestUs) || lowestUs < 1) {
    throw new MetricsError(
      'LOOP_METRICS_OPTION_INVALID',
      `histogram lowestUs must be an integer >= 1, got ${lowestUs}`,
    );
  }
  if (!Number.isSafeInteger(highestUs) || highestUs < 2 * lowestUs) {
    throw new MetricsError(
      'LOOP_METRICS_OPTION_INVALID',
      `histogram highestUs must be an integer >= 2 * lowestUs (${2 * lowestUs}), got ${highestUs}`,
    );
  }
  return range;
}

/**
 * Fixed-size latency histogram of one stage. Memory does not grow with the number of values; mean and
 * max are exact, percentiles have at most 0.1% relative error (nearest-rank, like an exact sort).
 */
export class LatencyHistogram {
  /** Number of recorded values. */
  count = 0;
  /** Values above `highestUs` (or not finite), recorded as `highestUs`. */
  clamped = 0;
  private sumUs = 0;
  private maxUs = 0;
  private readonly highestUs: number;
  private readonly hdr: JsHistogram;

  constructor(range: LatencyRange = DEFAULT_LATENCY_RANGE) {
    validateLatencyRange(range);
    this.highestUs = range.highestUs;
    this.hdr = build({
      lowestDiscernibleValue: range.lowestUs,
      highestTrackableValue: range.highestUs,
      numberOfSignificantValueDigits: 3,
      bitBucketSize: 64,
      autoResize: false,
      useWebAssembly: false,
    }) as JsHistogram;
  }

  /** Records one latency in milliseconds (rounded to the microsecond; negative counts as 0). */
  recordMs(latencyMs: number): void {
    let us = Math.round(latencyMs * 1000);
    if (!(us >= 0 && us <= this.highestUs)) {
      if (us < 0) {
        us = 0;
      } else {
        // Above the range, or NaN: recorded at the top and counted.
        us = this.highestUs;
        this.clamped++;
      }
    }
    this.hdr.recordValue(us);
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /**
   * Value at `percentile` (0-100) in microseconds, nearest-rank like an exact sort; 0 when empty. Reported
   * as the low end of its HDR bucket (so equal values come back exact) and never above the exact max.
   */
  percentileUs(percentile: number): number {
    if (this.count === 0) return 0;
    if (percentile >= 100) return this.maxUs;
    return Math.min(this.hdr.lowestEquivalentValue(this.hdr.getValueAtPercentile(percentile)), this.maxUs);
  }

  /** Exact maximum in microseconds. */
  get maxMicros(): number {
    return this.maxUs;
  }

  /** Exact mean in microseconds; 0 when empty. */
  get meanMicros(): number {
    return this.count === 0 ? 0 : this.sumUs / this.count;
  }
}
