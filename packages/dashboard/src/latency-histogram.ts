// HDR latency histograms (hdr-histogram-js) in microseconds, with out-of-range values clamped and counted.
import * as hdr from 'hdr-histogram-js';

/** Lowest latency told apart, in microseconds. */
export const LATENCY_LOWEST_US = 1;
/** Highest latency recorded as is (one hour); longer latencies are clamped to it and counted. */
export const LATENCY_HIGHEST_US = 3_600_000_000;

/** A latency histogram; `clamped` counts values that were above {@link LATENCY_HIGHEST_US}. */
export interface LatencyHistogram {
  readonly hdr: hdr.Histogram;
  clamped: number;
}

/**
 * A new histogram. `digits` is HDR's significant value digits: 3 for whole-history stage totals, 2 for the
 * many small per-bucket histograms (about 5 KB each instead of about 90 KB).
 */
export function createLatencyHistogram(digits: 2 | 3): LatencyHistogram {
  return {
    hdr: hdr.build({
      lowestDiscernibleValue: LATENCY_LOWEST_US,
      highestTrackableValue: LATENCY_HIGHEST_US,
      numberOfSignificantValueDigits: digits,
      bitBucketSize: 32,
      useWebAssembly: false,
    }),
    clamped: 0,
  };
}

/** Records a latency given in milliseconds, at microsecond resolution. */
export function recordLatencyMs(histogram: LatencyHistogram, latencyMs: number): void {
  let us = Math.round(latencyMs * 1000);
  if (us > LATENCY_HIGHEST_US) {
    us = LATENCY_HIGHEST_US;
    histogram.clamped += 1;
  }
  histogram.hdr.recordValue(us);
}

/** Adds `from` into `into` (used when two time buckets merge). */
export function mergeLatencyHistogram(into: LatencyHistogram, from: LatencyHistogram): void {
  into.hdr.add(from.hdr);
  into.clamped += from.clamped;
}

/** A percentile (0-100) in milliseconds; 0 for an empty histogram. */
export function latencyPercentileMs(histogram: LatencyHistogram, percentile: number): number {
  if (histogram.hdr.totalCount === 0) return 0;
  return histogram.hdr.getValueAtPercentile(percentile) / 1000;
}
