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
      let worst = 0;
      let worstReference = 0;
      for (const p of [50, 90, 95, 99, 99.9, 99.99, 100]) {
        const exact = exactPercentile(values, p);
        const got = histogram.percentileUs(p);
        const error = Math.abs(got - exact) / exact;
        expect(error, `p${p}: got ${got} µs, exact ${exact} µs`).toBeLessThanOrEqual(0.001);
        worst = Math.max(worst, error);
        worstReference = Math.max(
          worstReference,
          Math.abs(reference.getValueAtPercentile(p) - exact) / exact,
        );
      }
      expect(
        worst,
        `worst relative error: ours ${worst}, hdr-histogram-js ${worstReference}`,
      ).toBeLessThanOrEqual(worstReference);
      expect(histogram.maxMicros).toBe(values.at(-1));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      expect(histogram.meanMicros).toBeCloseTo(mean, 6);
      expect(histogram.clamped).toBe(0);
    },
  );

  it('clamps values above the range to its top and negative ones to 0, and counts both', () => {
    const histogram = new LatencyHistogram({ lowestUs: 1, highestUs: 1_000_000 });
    histogram.recordMs(5_000); // 5 s > 1 s
    histogram.recordMs(Number.NaN);
    histogram.recordMs(-3);
    histogram.recordMs(0.5);
    expect(histogram.count).toBe(4);
    expect(histogram.clamped).toBe(3);
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

describe('LatencyHistogram.add', () => {
  it('merges counts, clamped, mean and max as if every value had been recorded in one histogram', () => {
    const random = rng(7);
    const range = { lowestUs: 1, highestUs: 10_000_000 };
    const left = new LatencyHistogram(range);
    const right = new LatencyHistogram(range);
    const together = new LatencyHistogram(range);
    for (let i = 0; i < 50_000; i++) {
      const ms = i === 17 ? 60_000 : 0.01 / (1 - random()) ** (1 / 1.1); // one clamped value (60 s > 10 s)
      (i % 3 === 0 ? left : right).recordMs(ms);
      together.recordMs(ms);
    }
    left.add(right);
    expect(left.count).toBe(50_000);
    expect(left.clamped).toBe(together.clamped);
    expect(left.clamped).toBe(1);
    expect(left.maxMicros).toBe(together.maxMicros);
    expect(left.meanMicros).toBeCloseTo(together.meanMicros, 6);
    const ps = [0, 1, 50, 90, 99, 99.9, 100];
    expect(left.percentilesUs(ps)).toEqual(together.percentilesUs(ps));
    expect(right.count).toBe(50_000 - 16_667); // the added histogram is unchanged
  });

  it('adding an empty histogram changes nothing; adding into an empty one copies', () => {
    const full = new LatencyHistogram();
    for (const ms of [1, 2, 3, 400]) full.recordMs(ms);
    const before = full.percentilesUs([50, 100]);
    full.add(new LatencyHistogram());
    expect(full.percentilesUs([50, 100])).toEqual(before);
    const empty = new LatencyHistogram();
    empty.add(full);
    expect(empty.count).toBe(4);
    expect(empty.percentilesUs([50, 100])).toEqual(before);
    expect(empty.meanMicros).toBe(full.meanMicros);
  });

  it('refuses a histogram of another range or precision with a coded error', () => {
    const base = new LatencyHistogram();
    for (const other of [
      new LatencyHistogram({ lowestUs: 1, highestUs: 1_000_000 }),
      new LatencyHistogram(undefined, { precisionBits: 5 }),
    ]) {
      let caught: unknown;
      try {
        base.add(other);
      } catch (error) {
        caught = error;
      }
      expect(isMetricsError(caught) && caught.code).toBe('LOOP_METRICS_OPTION_INVALID');
    }
  });
});

describe('LatencyHistogram precisionBits', () => {
  it('keeps percentiles within 2^-precisionBits of an exact sort, in proportionally less memory', () => {
    const random = rng(11);
    const values: number[] = [];
    const coarse = new LatencyHistogram(undefined, { precisionBits: 5 });
    const fine = new LatencyHistogram();
    for (let i = 0; i < 100_000; i++) {
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const ms = Math.exp(z * 2);
      coarse.recordMs(ms);
      fine.recordMs(ms);
      values.push(Math.round(ms * 1000));
    }
    values.sort((a, b) => a - b);
    expect(coarse.relativeError).toBe(1 / 32);
    expect(fine.relativeError).toBe(LatencyHistogram.RELATIVE_ERROR);
    let worst = 0;
    for (const p of [1, 10, 50, 90, 95, 99, 99.9]) {
      const exact = exactPercentile(values, p);
      const error = Math.abs(coarse.percentileUs(p) - exact) / exact;
      expect(error, `p${p}`).toBeLessThanOrEqual(1 / 32);
      worst = Math.max(worst, error);
    }
    expect(worst).toBeGreaterThan(LatencyHistogram.RELATIVE_ERROR); // coarser than the default, as documented
    expect(coarse.maxMicros).toBe(values.at(-1));
    // Default range: 22 buckets x 2,048 counters (~360 KB) against 28 x 32 (~7 KB).
    expect(fine.counterBytes).toBe(22 * 2048 * 8);
    expect(coarse.counterBytes).toBe(28 * 32 * 8);
  });

  it('keeps values exact below 2^(precisionBits + 1) µs at any precision', () => {
    const histogram = new LatencyHistogram(undefined, { precisionBits: 3 });
    for (let us = 0; us < 16; us++) histogram.recordMs(us / 1000);
    expect([6.25, 50, 93.75].map((p) => histogram.percentileUs(p))).toEqual([0, 7, 14]);
    histogram.recordMs(1_000); // 1,000,000 µs, kept to 1/8
    expect(Math.abs(histogram.percentileUs(99.9) - 1_000_000) / 1_000_000).toBeLessThanOrEqual(1 / 8);
  });

  it.each([1, 15, 2.5, Number.NaN])('rejects precisionBits %s naming the option', (bits) => {
    let caught: unknown;
    try {
      new LatencyHistogram(undefined, { precisionBits: bits });
    } catch (error) {
      caught = error;
    }
    expect(isMetricsError(caught) && caught.code).toBe('LOOP_METRICS_OPTION_INVALID');
    expect((caught as Error).message).toContain('precisionBits');
  });
});
