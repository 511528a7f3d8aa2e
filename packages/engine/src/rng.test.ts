import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.next());

describe('Rng', () => {
  it('gives the same numbers for the same seed, and different ones for another seed', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    expect(draw(new Rng(42), 100)).not.toEqual(draw(new Rng(43), 100));
    expect(draw(new Rng(2 ** 40 + 1), 10)).not.toEqual(draw(new Rng(1), 10));
  });

  it('draws in [0, 1) with a plausible mean, and standard normals with mean 0 and variance 1', () => {
    const rng = new Rng(7);
    const xs = draw(rng, 20_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
    const zs = Array.from({ length: 20_000 }, () => rng.normal());
    const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
    const variance = zs.reduce((a, b) => a + (b - mean) ** 2, 0) / zs.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
  });

  it('forks independent streams: drawing from one does not shift another', () => {
    const a = new Rng(42);
    const feedA = a.fork('feed');
    draw(a.fork('latency'), 1000);
    const b = new Rng(42);
    expect(draw(feedA, 50)).toEqual(draw(b.fork('feed'), 50));
    expect(draw(new Rng(42).fork('feed'), 10)).not.toEqual(draw(new Rng(42).fork('latency'), 10));
    expect(draw(new Rng(42).fork('feed'), 10)).not.toEqual(draw(new Rng(42), 10));
  });

  it('refuses a seed that is not a safe integer', () => {
    for (const seed of [1.5, Number.NaN, 2 ** 53]) {
      expect(() => new Rng(seed)).toThrow(
        expect.objectContaining({
          code: 'LOOP_ENGINE_CONFIG_INVALID',
          message: `seed: must be a safe integer, got ${seed}`,
        }),
      );
    }
  });
});
