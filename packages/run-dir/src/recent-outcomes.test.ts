import { describe, expect, it } from 'vitest';
import { LifetimeTracker } from './lifetimes.js';
import { countRecentOutcomes, RECENT_BUCKET_MS, RecentOutcomeWindow } from './recent-outcomes.js';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const MIN = 60_000;

describe('RecentOutcomeWindow', () => {
  it('counts errors and rejections in the hour ending at the given time, not before it', () => {
    const window = new RecentOutcomeWindow();
    window.add(T0, 'error'); // 2 h before the end: outside
    window.add(T0 + 30 * MIN, 'rejected'); // 1.5 h before: outside
    window.add(T0 + 61 * MIN, 'rejected'); // inside
    window.add(T0 + 90 * MIN, 'error');
    window.add(T0 + 90 * MIN, 'ok');
    window.add(T0 + 119 * MIN, 'rejected');
    window.add(T0 + 120 * MIN, 'ok');
    const recent = window.snapshot();
    expect(recent.newestTs).toBe(T0 + 120 * MIN);
    expect(countRecentOutcomes(recent, T0 + 120 * MIN)).toEqual({
      errors: 1,
      rejections: 2,
      fromMs: T0 + 60 * MIN,
      toMs: T0 + 120 * MIN,
    });
    // Later on the wall clock, the same files have fewer in their last hour.
    expect(countRecentOutcomes(recent, T0 + 151 * MIN)).toMatchObject({ errors: 0, rejections: 1 });
    expect(countRecentOutcomes(recent, T0 + 300 * MIN)).toMatchObject({ errors: 0, rejections: 0 });
  });

  it('keeps bounded memory over a long run and drops events older than an hour before the newest', () => {
    const window = new RecentOutcomeWindow();
    for (let i = 0; i < 200_000; i++) window.add(T0 + i * 1000, i % 3 === 0 ? 'error' : 'rejected');
    const recent = window.snapshot();
    expect(recent.buckets.length).toBeLessThanOrEqual(3_600_000 / RECENT_BUCKET_MS + 2);
    const end = T0 + 199_999 * 1000;
    const counted = countRecentOutcomes(recent, end);
    // Exact count of events with ts in (end - 1 h, end], to the bucket's resolution.
    let errors = 0;
    let rejections = 0;
    for (let i = 0; i < 200_000; i++) {
      const ts = T0 + i * 1000;
      if (Math.floor(ts / RECENT_BUCKET_MS) * RECENT_BUCKET_MS + RECENT_BUCKET_MS <= end - 3_600_000)
        continue;
      if (i % 3 === 0) errors++;
      else rejections++;
    }
    expect(counted).toMatchObject({ errors, rejections });
    // A restart that goes back to the first candle (a simulated run) is not counted as recent.
    window.add(T0, 'error');
    expect(countRecentOutcomes(window.snapshot(), end).errors).toBe(errors);
  });

  it('is fed by LifetimeTracker across lifetimes', () => {
    const tracker = new LifetimeTracker();
    const ev = (step: number, ts: number, outcome: 'ok' | 'rejected' | 'error') => ({
      ts,
      step,
      stage: 'risk',
      outcome,
      reason: outcome === 'ok' ? undefined : 'X',
    });
    tracker.add(ev(1, T0, 'error'), 'metrics.ndjson', 1);
    tracker.add(ev(2, T0 + MIN, 'rejected'), 'metrics.ndjson', 2);
    tracker.add(ev(1, T0 + 2 * MIN, 'rejected'), 'metrics.ndjson', 3); // a restart
    expect(tracker.totals().lifetimes).toBe(2);
    expect(countRecentOutcomes(tracker.recent(), T0 + 2 * MIN)).toMatchObject({ errors: 1, rejections: 2 });
  });
});
