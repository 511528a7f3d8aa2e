// Aggregates of the collector: per-stage stats, outcomes, reasons, counters, gauges, bounded recent ring.
import { describe, expect, it } from 'vitest';
import { metricsSummarySchema } from './schema.js';
import { OTHER_REASON, StageMetricsCollector } from './stage-metrics-collector.js';

describe('StageMetricsCollector', () => {
  it('aggregates per stage and builds a summary the schema accepts', () => {
    const collector = new StageMetricsCollector();
    for (let i = 1; i <= 100; i++) {
      collector.record({ ts: i, step: i, stage: 'strategy', outcome: 'ok', latency_ms: i / 10 });
      collector.record({
        ts: i,
        step: i,
        stage: 'risk',
        outcome: i % 10 === 0 ? 'rejected' : 'ok',
        latency_ms: 1,
        reason: i % 10 === 0 ? 'MAX_POSITION' : undefined,
      });
    }
    collector.count('processed', 100);
    collector.count('rejected', 10);
    collector.setGauge('equity', 10_500);
    collector.setGauge('ignored', Number.NaN);
    const summary = metricsSummarySchema.parse(
      collector.summary({ nowMs: 2000, processStartMs: 1000, pid: null }),
    );
    expect(summary.stage_events_count).toBe(200);
    const strategy = summary.stages_by_name.strategy!;
    expect(strategy).toMatchObject({ count: 100, max_ms: 10, mean_ms: 5.05 });
    // HDR percentiles: within 0.1% of the exact nearest-rank values 5, 9.5 and 9.9 ms.
    expect(Math.abs(strategy.p50_ms - 5) / 5).toBeLessThanOrEqual(0.001);
    expect(Math.abs(strategy.p95_ms - 9.5) / 9.5).toBeLessThanOrEqual(0.001);
    expect(Math.abs(strategy.p99_ms - 9.9) / 9.9).toBeLessThanOrEqual(0.001);
    expect(summary.stages_by_name.risk).toEqual({
      count: 100,
      p50_ms: 1,
      p95_ms: 1,
      p99_ms: 1,
      max_ms: 1,
      mean_ms: 1,
    });
    expect(summary.outcomes_by_stage.risk).toEqual({ ok: 90, rejected: 10, error: 0 });
    expect(summary.reasons_by_stage.risk).toEqual({ rejected: { MAX_POSITION: 10 } });
    expect(summary.counters).toEqual({ processed: 100, filled: 0, rejected: 10, errors: 0 });
    expect(summary.gauges).toEqual({ equity: 10_500 });
    expect(summary.process_start).toBe(1000);
    expect(summary.updated_at).toBe(2000);
  });

  it('keeps only the last N events in the recent ring, oldest first', () => {
    const collector = new StageMetricsCollector({ recentCapacity: 5 });
    for (let i = 0; i < 23; i++)
      collector.record({ ts: i, step: i, stage: 's', outcome: 'ok', latency_ms: 0 });
    expect(collector.recent().map((e) => e.step)).toEqual([18, 19, 20, 21, 22]);
    expect(collector.recent(2).map((e) => e.step)).toEqual([21, 22]);
    expect(new StageMetricsCollector({ recentCapacity: 0 }).recent()).toEqual([]);
  });

  it('bounds distinct reasons per stage and outcome', () => {
    const collector = new StageMetricsCollector({ maxReasonsPerOutcome: 3 });
    for (let i = 0; i < 10; i++)
      collector.record({ ts: i, step: i, stage: 'exec', outcome: 'error', latency_ms: 0, reason: `E${i}` });
    const reasons = collector.summary({ nowMs: 0, processStartMs: 0, pid: 1 }).reasons_by_stage.exec!.error!;
    expect(reasons).toEqual({ E0: 1, E1: 1, E2: 1, [OTHER_REASON]: 7 });
  });

  it('keeps the K slowest events per stage for the summary, a copy of each, and none at K = 0', () => {
    const collector = new StageMetricsCollector({ slowestPerStage: 2 });
    const reused = { ts: 0, step: 0, stage: 'exec', outcome: 'ok' as const, latency_ms: 0 };
    for (const [step, latency] of [
      [1, 5],
      [2, 9],
      [3, 1],
      [4, 9],
      [5, 7],
    ] as const) {
      reused.ts = step * 1000;
      reused.step = step;
      reused.latency_ms = latency;
      collector.record(reused);
    }
    collector.record({
      ts: 9,
      step: 6,
      stage: 'risk',
      outcome: 'rejected',
      reason: 'MAX_POSITION',
      latency_ms: 0.0004,
    });
    const summary = metricsSummarySchema.parse(collector.summary({ nowMs: 0, processStartMs: 0, pid: null }));
    expect(summary.slowest_by_stage).toEqual({
      exec: [
        { step: 2, ts: 2000, latency_ms: 9, outcome: 'ok' },
        { step: 4, ts: 4000, latency_ms: 9, outcome: 'ok' },
      ],
      // Microsecond resolution, as the NDJSON line writes it.
      risk: [{ step: 6, ts: 9, latency_ms: 0, outcome: 'rejected', reason: 'MAX_POSITION' }],
    });
    expect(collector.slowestEvents('exec').map((e) => e.step)).toEqual([2, 4]);
    expect(collector.slowestEvents('never')).toEqual([]);

    const none = new StageMetricsCollector({ slowestPerStage: 0 });
    none.record({ ts: 0, step: 1, stage: 'exec', outcome: 'ok', latency_ms: 3 });
    expect(none.summary({ nowMs: 0, processStartMs: 0, pid: null })).not.toHaveProperty('slowest_by_stage');
    expect(
      new StageMetricsCollector().summary({ nowMs: 0, processStartMs: 0, pid: null }),
    ).not.toHaveProperty('slowest_by_stage');
    for (const bad of [-1, 1.5, 1001, Number.NaN])
      expect(() => new StageMetricsCollector({ slowestPerStage: bad })).toThrow(
        expect.objectContaining({
          code: 'LOOP_METRICS_OPTION_INVALID',
          message: expect.stringContaining('slowestPerStage'),
        }),
      );
  });

  it('passes events, counts and gauges to sinks', () => {
    const collector = new StageMetricsCollector();
    const seen: string[] = [];
    collector.addSink({
      onStageEvent: (e) => seen.push(`event ${e.stage}`),
      onCount: (name, by) => seen.push(`count ${name} ${by}`),
      onGauge: (name, value) => seen.push(`gauge ${name} ${value}`),
    });
    collector.record({ ts: 0, step: 1, stage: 'exec', outcome: 'ok', latency_ms: 0 });
    collector.count('filled');
    collector.setGauge('position', 2);
    expect(seen).toEqual(['event exec', 'count filled 1', 'gauge position 2']);
  });
});
