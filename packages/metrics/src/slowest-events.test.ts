// SlowestEvents against a full sort: the same K slowest, ties to the earlier event, bounded.
import { describe, expect, it } from 'vitest';
import { SlowestEvents } from './slowest-events.js';

/** A deterministic pseudo-random sequence (xorshift), so the test sees the same events every run. */
function latencies(n: number, seed: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(((x >>> 0) % 1000) / 10); // many ties: 1,000 distinct values
  }
  return out;
}

describe('SlowestEvents', () => {
  it.each([1, 3, 10])('keeps the same %i slowest as a full stable sort, earlier first among ties', (k) => {
    const events = latencies(5_000, 7 + k).map((latency_ms, id) => ({ id, latency_ms }));
    const slowest = new SlowestEvents<(typeof events)[number]>(k);
    for (const event of events) slowest.offer(event);
    const expected = [...events].sort((a, b) => b.latency_ms - a.latency_ms || a.id - b.id).slice(0, k);
    expect(slowest.slowestFirst()).toEqual(expected);
    expect(slowest.size).toBe(k);
  });

  it('holds fewer than K when fewer came, and nothing at capacity 0', () => {
    const slowest = new SlowestEvents<{ latency_ms: number; id: number }>(10);
    slowest.offer({ latency_ms: 1, id: 1 });
    slowest.offer({ latency_ms: 3, id: 2 });
    slowest.offer({ latency_ms: 1, id: 3 });
    expect(slowest.slowestFirst().map((e) => e.id)).toEqual([2, 1, 3]);
    const none = new SlowestEvents<{ latency_ms: number }>(0);
    none.offer({ latency_ms: 5 });
    expect(none.slowestFirst()).toEqual([]);
  });
});
