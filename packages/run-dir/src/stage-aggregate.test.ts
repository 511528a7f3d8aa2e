import { describe, expect, it } from 'vitest';
import { OTHER_REASONS, OTHER_STAGES, StageAggregator } from './stage-aggregate.js';

describe('StageAggregator', () => {
  it('counts outcomes, latency and totals per stage in first-seen order', () => {
    const stages = new StageAggregator();
    stages.record('risk', 'ok', 2);
    stages.record('exec', 'error', 5);
    const risk = stages.record('risk', 'rejected', 1);
    expect(risk).toMatchObject({ stage: 'risk', ordinal: 0, count: 2, ok: 1, rejected: 1, error: 0 });
    expect(risk.sumMs).toBe(3);
    expect(risk.maxMs).toBe(2);
    expect(risk.histogram.count).toBe(2);
    expect([...stages.stages()].map((s) => [s.stage, s.ordinal])).toEqual([
      ['risk', 0],
      ['exec', 1],
    ]);
    expect(stages.rejectedEvents).toBe(1);
    expect(stages.errorEvents).toBe(1);
  });

  it('counts stages beyond maxStages and reasons beyond maxReasonsPerStage under the (other) names', () => {
    const stages = new StageAggregator({ maxStages: 2, maxReasonsPerStage: 2 });
    for (const name of ['a', 'b', 'c', 'd']) stages.record(name, 'ok', 1);
    expect([...stages.stages()].map((s) => [s.stage, s.count, s.ordinal])).toEqual([
      ['a', 1, 0],
      ['b', 1, 1],
      [OTHER_STAGES, 2, 2],
    ]);
    const a = stages.record('a', 'rejected', 1);
    for (const reason of ['R1', 'R2', 'R3', 'R4', 'R1']) stages.countReason(a, 'rejected', reason);
    expect(stages.reasonRows()).toEqual([
      { stage: 'a', outcome: 'rejected', reason: 'R1', count: 2 },
      { stage: 'a', outcome: 'rejected', reason: OTHER_REASONS, count: 2 },
      { stage: 'a', outcome: 'rejected', reason: 'R2', count: 1 },
    ]);
  });

  it('keeps a reason per outcome apart', () => {
    const stages = new StageAggregator();
    const exec = stages.record('exec', 'error', 1);
    stages.countReason(exec, 'error', 'X');
    stages.countReason(exec, 'rejected', 'X');
    expect(stages.reasonRows().map((r) => r.outcome)).toEqual(['error', 'rejected']);
  });
});
