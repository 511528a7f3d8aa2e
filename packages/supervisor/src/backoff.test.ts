import { describe, expect, it } from 'vitest';
import { backoffDelayMs, seededRandom } from './backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from the base and stops at the cap: min(cap, base * 2^n)', () => {
    const policy = { baseS: 0.5, capS: 3 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelayMs(policy, n))).toEqual([
      500, 1000, 2000, 3000, 3000, 3000,
    ]);
  });

  it('restarts at once with a zero base', () => {
    expect(backoffDelayMs({ baseS: 0, capS: 0 }, 7)).toBe(0);
    expect(backoffDelayMs({ baseS: 0, capS: 10 }, 7)).toBe(0);
  });

  it('does not overflow for huge attempts', () => {
    expect(backoffDelayMs({ baseS: 1, capS: 60 }, 5000)).toBe(60_000);
  });

  it('full jitter draws from [0, delay) and replays with the same seed', () => {
    const policy = { baseS: 1, capS: 8, jitter: true };
    const first = [0, 1, 2, 3, 4, 5].map((n) => backoffDelayMs({ ...policy, random: seededRandom(7) }, n));
    const again = [0, 1, 2, 3, 4, 5].map((n) => backoffDelayMs({ ...policy, random: seededRandom(7) }, n));
    expect(again).toEqual(first);
    const random = seededRandom(42);
    for (let n = 0; n < 200; n += 1) {
      const delay = backoffDelayMs({ ...policy, random }, n % 6);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(8, 2 ** (n % 6)) * 1000);
    }
  });

  it('seededRandom is uniform-ish in [0, 1) and differs between seeds', () => {
    const random = seededRandom(1);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(seededRandom(2)()).not.toBe(seededRandom(1)());
  });
});
