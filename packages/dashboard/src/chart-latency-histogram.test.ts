import { describe, expect, it } from 'vitest';
import { ChartLatencyHistogram, chartSlotOf, chartSlotValue } from './chart-latency-histogram.js';

describe('ChartLatencyHistogram', () => {
  it('maps every value to a slot whose midpoint is within 3.2% (exact below 32 µs)', () => {
    for (const us of [
      0,
      1,
      31,
      32,
      33,
      63,
      64,
      100,
      999,
      1000,
      12_345,
      987_654,
      2 ** 31,
      3_600_000_000,
      2 ** 32 - 1,
    ]) {
      const slot = chartSlotOf(us);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(896);
      const mid = chartSlotValue(slot);
      if (us < 32) expect(mid).toBe(us);
      else expect(Math.abs(mid - us) / us).toBeLessThan(0.032);
    }
  });

  it('slots are monotonic in the value', () => {
    let last = -1;
    for (let us = 0; us < 200_000; us += 7) {
      const slot = chartSlotOf(us);
      expect(slot).toBeGreaterThanOrEqual(last);
      last = slot;
    }
  });

  it('gives percentiles of uniform data and merges exactly', () => {
    const a = new ChartLatencyHistogram();
    const b = new ChartLatencyHistogram();
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).recordMs(i / 100); // 0.01 .. 10 ms
    a.add(b);
    expect(a.total).toBe(1000);
    expect(a.percentileMs(50)).toBeCloseTo(5, 0);
    expect(Math.abs(a.percentileMs(95) - 9.5) / 9.5).toBeLessThan(0.035);
    expect(new ChartLatencyHistogram().percentileMs(50)).toBe(0);
  });
});
