// Percentile accuracy of LatencyHistogram against an exact sort, on skewed data, and clamping.
import { build, type JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { isMetricsError } from './errors.js';
import { LatencyHistogram } from './latency-histogram.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exactPercentile(sortedUs: number[], percentile: number): number {
  // Nearest rank; the small epsilon keeps 0.999 * 200000 from rounding up to the next rank.
  const rank = Math.max(1, Math.ceil((percentile / 100) * sortedUs.length - 1e-9));
  return sortedUs[rank - 1]!;
}

describe('LatencyHistogram', () => {
  it.each([
    ['log-normal', 1],
    ['pareto (heavy tail)', 2],
    ['bimodal fast/slow', 3],
  ])(
    'percentiles of %s data (seed %i) are within 1/2048 (< 0.1%%) of an exact sort, never worse than hdr-histogram-js',
    (kind, seed) => {
      const random = rng(seed);
      const histogram = new LatencyHistogram();
      const reference = build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 3_600_000_000,
        numberOfSignificantValueDigits: 3,
        autoResize: false,
      }) as JsHistogram;
      const values: number[] = [];
      for (let i = 0; i < 200_000; i++) {
        let ms: number;
        if (kind === 'log-normal') {
          const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
          ms = Math.exp(z * 1.5 - 1);
        } else if (kind.startsWith('pareto')) {
          ms = 0.05 / (1 - random()) ** (1 / 1.2);
        } else {
          ms = random() < 0.97 ? 0.02 + random() * 0.05 : 200 + random() * 3000;
        }
        ms = Math.min(ms, 3_000_000);
        histogram.recordMs(ms);
        reference.recordValue(Math.round(ms * 1000));
        values.push(Math.round(ms * 1000));
      }
      values.sort((a, b) => a - b);
      for (const p of [50, 90, 95, 99, 99.9, 99.99, 100]) {
        const exact = exactPercentile(values, p);
        const got = histogram.percentileUs(p);
        expect(Math.abs(got - exact) / exact, `p${p}: got ${got} µs, exact ${exact} µs`).toBeLessThanOrEqual(
          0.001,
        );
      }
      expect(histogram.maxMicros).toBe(values.at(-1));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      expect(histogram.meanMicros).toBeCloseTo(mean, 6);
      expect(histogram.clamped).toBe(0);
    },
  );

  it('clamps values above the range to its top and counts them; negative counts as 0', () => {
    const histogram = new LatencyHistogram({ lowestUs: 1, highestUs: 1_000_000 });
    histogram.recordMs(5_000); // 5 s > 1 s
    histogram.recordMs(Number.NaN);
    histogram.recordMs(-3);
    histogram.recordMs(0.5);
    expect(histogram.count).toBe(4);
    expect(histogram.clamped).toBe(2);
    expect(histogram.maxMicros).toBe(1_000_000);
    expect(histogram.percentileUs(25)).toBe(0);
    expect(histogram.percentileUs(100)).toBe(1_000_000);
  });

  it('keeps exact values below 4,096 µs and covers values up to 2^53 µs with the same relative error', () => {
    const small = new LatencyHistogram();
    for (let us = 0; us < 4096; us++) small.recordMs(us / 1000);
    expect(small.percentileUs(50)).toBe(2047);
    expect(small.percentileUs(0.1)).toBe(4);
    const wide = new LatencyHistogram({ lowestUs: 1, highestUs: 2 ** 53 - 1 });
    for (const us of [5_000_000_000, 2 ** 40 + 12_345, 2 ** 52 + 7]) {
      const one = new LatencyHistogram({ lowestUs: 1, highestUs: 2 ** 53 - 1 });
      one.recordMs(us / 1000);
      one.recordMs(us / 1000);
      expect(Math.abs(one.percentileUs(50) - us) / us).toBeLessThanOrEqual(LatencyHistogram.RELATIVE_ERROR);
      wide.recordMs(us / 1000);
    }
    expect(wide.clamped).toBe(0);
  });

  it('is empty-safe and rejects a bad range with a coded error', () => {
    expect(new LatencyHistogram().percentileUs(99)).toBe(0);
    let caught: unknown;
    try {
      new LatencyHistogram({ lowestUs: 10, highestUs: 15 });
    } catch (error) {
      caught = error;
    }
    expect(isMetricsError(caught) && caught.code).toBe('LOOP_METRICS_OPTION_INVALID');
  });
});

describe('LatencyHistogram.percentilesUs', () => {
  it('gives the same answers in one pass as one percentile at a time, in any order', () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) histogram.recordMs(((i * 7919) % 10_007) / 7);
    const wanted = [99, 50, 0, 99.9, 100, 95, 25];
    expect(histogram.percentilesUs(wanted)).toEqual(wanted.map((p) => histogram.percentilesUs([p])[0]));
    expect(histogram.percentilesUs(wanted)[4]).toBe(histogram.maxMicros);
  });
});
