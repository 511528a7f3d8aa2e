import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';
import { SYNTHETIC_EPOCH_MS, SyntheticFeed } from './synthetic-feed.js';

const candles = (seed: number, n: number) => {
  const feed = new SyntheticFeed({
    rng: new Rng(seed).fork('feed'),
    startMs: SYNTHETIC_EPOCH_MS,
    intervalMs: 1000,
  });
  return Array.from({ length: n }, () => feed.next());
};

describe('SyntheticFeed', () => {
  it('is seeded: same seed, same candles; another seed, other candles', () => {
    expect(candles(1, 500)).toEqual(candles(1, 500));
    expect(candles(1, 500)).not.toEqual(candles(2, 500));
  });

  it('makes valid candles on the interval, each opening at the previous close', () => {
    const list = candles(3, 5_000);
    list.forEach((c, i) => {
      expect(c.timeMs).toBe(SYNTHETIC_EPOCH_MS + i * 1000);
      expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close));
      expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
      expect(c.low).toBeGreaterThan(0);
      expect(c.volume).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(c.open).toBe(list[i - 1]!.close);
    });
    expect(list[0]!.open).toBe(100);
  });
});
