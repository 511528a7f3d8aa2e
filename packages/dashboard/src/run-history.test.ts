import type { StageEventLine } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { OTHER_REASONS, OTHER_STAGES, RunHistory } from './run-history.js';

const T0 = Date.UTC(2026, 0, 1);
const event = (
  ts: number,
  stage = 'exec',
  latency = 1,
  extra: Partial<StageEventLine> = {},
): StageEventLine => ({
  v: 1,
  ts,
  step: Math.floor((ts - T0) / 1000),
  stage,
  outcome: 'ok',
  latency_ms: latency,
  ...extra,
});

describe('RunHistory', () => {
  it('re-buckets as the span grows: never more than maxBuckets, counts preserved', () => {
    const history = new RunHistory({ maxBuckets: 10 });
    for (let i = 0; i < 1000; i++) history.addEvent(event(T0 + i * 1000, 'exec', (i % 10) + 1), 'f', i + 1);
    const series = history.latencySeries();
    expect(history.bucketCount()).toBeLessThanOrEqual(10);
    expect(series.bucketMs).toBe(300_000); // 1000 s into at most 10 buckets: 5-minute rung
    const points = series.stages[0]!.points;
    expect(points.reduce((n, p) => n + p[3], 0)).toBe(1000);
    expect(points.map((p) => p[0] % 300_000)).toEqual(points.map(() => 0));
    // latencies 1..10 ms uniformly in every bucket: p50 about 5 ms, p95 about 10 ms (3% resolution)
    expect(points[1]![1]).toBeGreaterThan(4.8);
    expect(points[1]![1]).toBeLessThan(5.3);
    expect(points[1]![2]).toBeGreaterThan(9.6);
  });

  it('handles time going backwards (a restarted simulated clock) within the same bounds', () => {
    const history = new RunHistory({ maxBuckets: 8 });
    for (let i = 0; i < 100; i++) history.addEvent(event(T0 + i * 60_000), 'f', i + 1);
    for (let i = 0; i < 100; i++) history.addEvent(event(T0 - 3_600_000 + i * 60_000), 'g', i + 1);
    expect(history.bucketCount()).toBeLessThanOrEqual(8);
    expect(history.latencySeries().stages[0]!.points.reduce((n, p) => n + p[3], 0)).toBe(200);
    expect(history.firstTs).toBe(T0 - 3_600_000);
    expect(history.lastTs).toBe(T0 + 99 * 60_000);
  });

  it('caps distinct stages and reasons, counting the rest under (other)', () => {
    const history = new RunHistory({ maxStages: 3, maxReasonsPerStage: 2 });
    for (let i = 0; i < 5; i++) history.addEvent(event(T0 + i, `stage-${i}`), 'f', i + 1);
    for (let i = 0; i < 4; i++) {
      history.addEvent(
        event(T0 + 10 + i, 'stage-0', 1, { outcome: 'rejected', reason: `R${i}` }),
        'f',
        10 + i,
      );
    }
    expect(history.stageRows().map((s) => [s.stage, s.count])).toEqual([
      ['stage-0', 5],
      ['stage-1', 1],
      ['stage-2', 1],
      [OTHER_STAGES, 2],
    ]);
    expect(history.reasonRows()).toEqual([
      { stage: 'stage-0', outcome: 'rejected', reason: OTHER_REASONS, count: 2 },
      { stage: 'stage-0', outcome: 'rejected', reason: 'R0', count: 1 },
      { stage: 'stage-0', outcome: 'rejected', reason: 'R1', count: 1 },
    ]);
  });

  it('keeps the last tailLines events in order, and clamps latencies above one hour', () => {
    const history = new RunHistory({ tailLines: 3 });
    for (let i = 1; i <= 7; i++)
      history.addEvent(event(T0 + i, 'exec', i === 7 ? 5_000_000 : 1), 'metrics.ndjson', i);
    expect(history.tail().map((e) => e.line)).toEqual([5, 6, 7]);
    expect(history.clamped()).toBe(1);
    expect(history.overallLatency().max_ms).toBe(5_000_000);
    expect(new RunHistory({ tailLines: 0 }).tail()).toEqual([]);
  });

  it('tracks the last numeric attributes per bucket and overall', () => {
    const history = new RunHistory();
    history.addEvent(
      event(T0, 'position', 1, { attrs: { equity: 100, position: 1, venue: 'paper' } }),
      'f',
      1,
    );
    history.addEvent(event(T0 + 5, 'position', 1, { attrs: { equity: 101 } }), 'f', 2);
    expect(history.latestAttrs()).toEqual({ equity: 101, position: 1 });
    expect(history.attrSeries()).toEqual([
      { key: 'equity', points: [[T0, 101]] },
      { key: 'position', points: [[T0, 1]] },
    ]);
  });
});
