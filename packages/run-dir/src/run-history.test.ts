import type { StageEventLine } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { RunHistory } from './run-history.js';
import { OTHER_REASONS, OTHER_STAGES } from './stage-aggregate.js';

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

describe('RunHistory percentiles', () => {
  const exact = (sorted: number[], p: number) =>
    sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;

  it('keeps stage and overall percentiles to 1/2048 and chart buckets (merged on widening) to 1/32', () => {
    const history = new RunHistory({ maxBuckets: 4 });
    const byStage = new Map<string, number[]>();
    const byBucket = new Map<number, number[]>(); // exec latencies per 1-minute bucket
    let x = 12_345;
    for (let i = 0; i < 24_000; i++) {
      x = (x * 48_271) % 2_147_483_647;
      const stage = i % 2 === 0 ? 'exec' : 'risk';
      const latency = Math.round(((x % 1_000_000) / 1000) ** 1.5) / 1000; // skewed, 0 .. ~31.6 ms, µs steps
      const ts = T0 + i * 10; // 240 s: widened from 10 ms to 1-minute buckets
      history.addEvent(event(ts, stage, latency), 'f', i + 1);
      if (!byStage.has(stage)) byStage.set(stage, []);
      byStage.get(stage)!.push(latency);
      const minute = Math.floor(ts / 60_000) * 60_000;
      if (stage === 'exec') {
        if (!byBucket.has(minute)) byBucket.set(minute, []);
        byBucket.get(minute)!.push(latency);
      }
    }
    const all = [...byStage.values()].flat().sort((a, b) => a - b);
    const overall = history.overallLatency();
    expect(overall.count).toBe(24_000);
    for (const [got, p] of [
      [overall.p50_ms, 50],
      [overall.p95_ms, 95],
      [overall.p99_ms, 99],
    ] as const)
      expect(Math.abs(got - exact(all, p)) / exact(all, p), `overall p${p}`).toBeLessThanOrEqual(1 / 2048);
    for (const row of history.stageRows()) {
      const sorted = byStage.get(row.stage)!.sort((a, b) => a - b);
      expect(Math.abs(row.p99_ms - exact(sorted, 99)) / exact(sorted, 99)).toBeLessThanOrEqual(1 / 2048);
      expect(row.max_ms).toBe(sorted.at(-1));
    }
    const series = history.latencySeries();
    expect(series.bucketMs).toBe(60_000);
    const points = series.stages.find((s) => s.stage === 'exec')!.points;
    expect(points.map((p) => p[0])).toEqual([...byBucket.keys()]);
    for (const [ts, p50, p95, count] of points) {
      const sorted = byBucket.get(ts)!.sort((a, b) => a - b);
      expect(count).toBe(sorted.length);
      expect(Math.abs(p50 - exact(sorted, 50)) / exact(sorted, 50)).toBeLessThanOrEqual(1 / 32);
      expect(Math.abs(p95 - exact(sorted, 95)) / exact(sorted, 95)).toBeLessThanOrEqual(1 / 32);
    }
  });
});
