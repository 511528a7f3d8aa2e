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
  step: Math.round(ts - T0),
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
    expect(
      history.reasonRows().map(({ stage, outcome, reason, count }) => ({ stage, outcome, reason, count })),
    ).toEqual([
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
    history.addEvent(event(T0 + 5, 'position', 1, { step: 1, attrs: { equity: 101 } }), 'f', 2);
    expect(history.latestAttrs()).toEqual({ equity: 101, position: 1 });
    expect(history.attrSeries()).toEqual([
      { key: 'equity', points: [[T0, 101, 1]] },
      { key: 'position', points: [[T0, 1, 1]] },
    ]);
  });
});

describe('RunHistory across restarts, rates, reasons, drawdown and fills', () => {
  /** One step of a `loop run`-like bot: strategy, risk (maybe rejected), position with the book. */
  function step(
    history: RunHistory,
    ts: number,
    n: number,
    book: { position: number; equity: number },
    risk: Partial<StageEventLine> = {},
  ): void {
    const base = { v: 1 as const, step: n, latency_ms: 1 };
    history.addEvent({ ...base, ts, stage: 'strategy', outcome: 'ok' }, 'metrics.ndjson', n * 3);
    history.addEvent(
      { ...base, ts: ts + 1, stage: 'risk', outcome: 'ok', ...risk },
      'metrics.ndjson',
      n * 3 + 1,
    );
    history.addEvent(
      { ...base, ts: ts + 2, stage: 'position', outcome: 'ok', attrs: { ...book, price: 100 + n } },
      'metrics.ndjson',
      n * 3 + 2,
    );
  }

  it('splits series per lifetime (a restarted simulated clock replays the same times) and marks restarts', () => {
    const history = new RunHistory();
    for (let life = 0; life < 3; life++)
      for (let n = 1; n <= 5; n++) step(history, T0 + n * 1000, n, { position: 0, equity: 100 - n });
    expect(history.restarts()).toEqual({
      marks: [
        { ts: T0 + 1000, lifetime: 2 },
        { ts: T0 + 1000, lifetime: 3 },
      ],
      dropped: 0,
    });
    const equity = history.attrSeries().find((s) => s.key === 'equity')!.points;
    // In time order, and within one bucket by lifetime.
    expect(equity.map((p) => p[2])).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    // Each lifetime's own points are in time order and never mixed with another's.
    for (const life of [1, 2, 3])
      expect(equity.filter((p) => p[2] === life).map((p) => p[1])).toEqual([99, 98, 97, 96, 95]);
    const latency = history.latencySeries().stages[0]!.points;
    expect(new Set(latency.map((p) => p[5]))).toEqual(new Set([1, 2, 3]));
    expect(latency.every((p) => p[4] >= p[2] && p[2] >= p[1])).toBe(true); // p99 >= p95 >= p50
    const rates = history.rateSeries();
    expect(rates.buckets.reduce((n, b) => n + b.steps, 0)).toBe(15);
    expect(history.recomputedCounters().processed).toBe(15);
    expect(history.bucketCount()).toBeLessThanOrEqual(96 * 3);
    // Drawdown restarts from each lifetime's own peak: 99 -> 95 is -4, never -4 against an older lifetime.
    expect(history.maxDrawdown()).toEqual({ value: -4, ts: T0 + 5002 });
    expect(Math.min(...history.drawdownSeries().map((p) => p[1]))).toBe(-4);
  });

  it('counts rejections and errors per bucket by reason, with first and last examples per reason', () => {
    const history = new RunHistory({ maxRateReasons: 2, recentProblems: 3, maxDetailChars: 12 });
    const reasons = ['MAX_POSITION', 'MAX_NOTIONAL', 'MAX_POSITION', 'COOLDOWN', 'COOLDOWN', 'MAX_POSITION'];
    reasons.forEach((reason, i) => {
      step(
        history,
        T0 + i * 60_000,
        i + 1,
        { position: 0, equity: 100 },
        {
          outcome: 'rejected',
          reason,
          detail: `${reason.toLowerCase()} detail number ${i}`,
        },
      );
    });
    history.addEvent(
      {
        v: 1,
        ts: T0 + 7 * 60_000,
        step: 8,
        stage: 'exec',
        outcome: 'error',
        latency_ms: 1,
        reason: 'STAGE_ERROR',
      },
      'metrics.ndjson',
      99,
    );
    const rows = history.reasonRows();
    const pos = rows.find((r) => r.reason === 'MAX_POSITION')!;
    expect(pos).toMatchObject({
      stage: 'risk',
      outcome: 'rejected',
      count: 3,
      firstTs: T0 + 1,
      lastTs: T0 + 5 * 60_000 + 1,
    });
    expect(pos.firstExample).toEqual({
      ts: T0 + 1,
      step: 1,
      detail: 'max_position…',
      file: 'metrics.ndjson',
      line: 4,
    });
    expect(pos.lastExample).toMatchObject({ step: 6, line: 19 });
    expect(rows.find((r) => r.reason === 'MAX_NOTIONAL')!.lastExample).toBeUndefined();
    expect(rows.find((r) => r.reason === 'STAGE_ERROR')!.firstExample).toEqual({
      ts: T0 + 420_000,
      step: 8,
      file: 'metrics.ndjson',
      line: 99,
    });
    const rates = history.rateSeries();
    // Two reasons apart, then one "(other reasons)" slot per outcome.
    expect(rates.reasons).toEqual([
      { stage: 'risk', outcome: 'rejected', reason: 'MAX_POSITION' },
      { stage: 'risk', outcome: 'rejected', reason: 'MAX_NOTIONAL' },
      { stage: OTHER_STAGES, outcome: 'rejected', reason: OTHER_REASONS },
      { stage: OTHER_STAGES, outcome: 'error', reason: OTHER_REASONS },
    ]);
    const sums = rates.reasons.map((_, i) => rates.buckets.reduce((n, b) => n + b.byReason[i]!, 0));
    expect(sums).toEqual([3, 1, 2, 1]);
    expect(rates.buckets.reduce((n, b) => n + b.rejected, 0)).toBe(6);
    expect(rates.buckets.reduce((n, b) => n + b.errors, 0)).toBe(1);
    const recent = history.recentProblems();
    expect(recent.rejections.map((e) => e.step)).toEqual([4, 5, 6]);
    expect(recent.errors.map((e) => e.reason)).toEqual(['STAGE_ERROR']);
  });

  it('keeps the last position changes (fills) with the mark price, per lifetime', () => {
    const history = new RunHistory({ recentPositionChanges: 2 });
    step(history, T0 + 1000, 1, { position: 0, equity: 100 });
    step(history, T0 + 2000, 2, { position: 2, equity: 100 });
    step(history, T0 + 3000, 3, { position: 2, equity: 101 });
    step(history, T0 + 4000, 4, { position: -1, equity: 99 });
    step(history, T0 + 1000, 1, { position: 1, equity: 100 }); // a restart, starting flat: +1
    const { changes, total } = history.positionChanges();
    expect(total).toBe(3);
    expect(changes.map((c) => [c.step, c.change, c.position, c.price, c.lifetime])).toEqual([
      [4, -3, -1, 104, 1],
      [1, 1, 1, 101, 2],
    ]);
  });

  it('keeps the newest changes in order however often the ring wraps, and hands out copies', () => {
    const history = new RunHistory({ recentPositionChanges: 3 });
    for (let s = 1; s <= 5; s++) step(history, T0 + s * 1000, s, { position: s, equity: 100 });
    const early = history.positionChanges();
    for (let s = 6; s <= 11; s++) step(history, T0 + s * 1000, s, { position: s, equity: 100 });
    expect(early.changes.map((c) => c.step)).toEqual([3, 4, 5]);
    const late = history.positionChanges();
    expect(late.total).toBe(11);
    expect(late.changes.map((c) => [c.step, c.position, c.change])).toEqual([
      [9, 9, 1],
      [10, 10, 1],
      [11, 11, 1],
    ]);
    expect(new RunHistory({ recentPositionChanges: 0 }).positionChanges()).toEqual({ changes: [], total: 0 });
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
