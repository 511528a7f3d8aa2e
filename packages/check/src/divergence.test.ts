import type { ReadEvent, StageEventLine } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { findDivergence } from './divergence.js';
import { compareRuns, compileComparisonThreshold, evaluateComparison } from './run-comparison.js';
import { RunMetricsCollector } from './run-metrics.js';
import { StepReader } from './step-reader.js';

type Edit = (e: StageEventLine) => StageEventLine;

/** `steps` steps of strategy/risk/exec/position, as a reader would yield them (2 files of 10 lines). */
function run(steps: number, edit: Edit = (e) => e): ReadEvent[] {
  const out: ReadEvent[] = [];
  let n = 0;
  for (let step = 1; step <= steps; step++) {
    for (const stage of ['strategy', 'risk', 'exec', 'position']) {
      const base: StageEventLine = { v: 1, ts: step * 1000, step, stage, outcome: 'ok', latency_ms: 0.5 };
      if (stage === 'exec') base.attrs = { orders: step % 3 === 0 ? 1 : 0, fills: 0 };
      if (stage === 'position')
        base.attrs = { position: Math.floor(step / 3), equity: 1000 + step, price: 10 + step };
      const file = n < 10 ? 'metrics.ndjson.1' : 'metrics.ndjson';
      out.push({ event: edit(base), file, line: (n % 10) + 1 });
      n++;
    }
  }
  return out;
}

async function* stream(events: ReadEvent[]): AsyncGenerator<ReadEvent> {
  for (const e of events) yield e;
}

async function diverge(a: ReadEvent[], b: ReadEvent[], maxSteps?: number) {
  const ca = new RunMetricsCollector();
  const cb = new RunMetricsCollector();
  const report = await findDivergence(
    new StepReader(stream(a), (r) => ca.addEvent(r.event)),
    new StepReader(stream(b), (r) => cb.addEvent(r.event)),
    maxSteps === undefined ? {} : { maxSteps },
  );
  return { report, a: ca.finish(), b: cb.finish() };
}

describe('findDivergence', () => {
  it('reports identical runs as identical, and still collects every event of both', async () => {
    const { report, a, b } = await diverge(run(6), run(6));
    expect(report).toMatchObject({
      verdict: 'identical',
      stepsCompared: 6,
      decision: null,
      firstDifference: null,
    });
    expect([a.figures.events, b.figures.events]).toEqual([24, 24]);
  });

  it('finds the first step whose decisions differ, with both sides events and file:line', async () => {
    const edited = run(6, (e) =>
      e.step === 4 && e.stage === 'risk' ? { ...e, outcome: 'rejected', reason: 'MAX_POSITION' } : e,
    );
    const { report } = await diverge(run(6), edited);
    expect(report.verdict).toBe('diverged');
    expect(report.decision).toMatchObject({
      index: 4,
      a: { step: 4, file: 'metrics.ndjson', line: 3 },
      b: { step: 4, file: 'metrics.ndjson', line: 3 },
      differences: ['risk: outcome ok vs rejected', 'risk: reason (none) vs MAX_POSITION'],
    });
    expect(report.decision!.b!.events[1]).toMatchObject({
      stage: 'risk',
      outcome: 'rejected',
      reason: 'MAX_POSITION',
      line: 4,
    });
  });

  it('ignores market values and latency for decisions but reports them as the first difference', async () => {
    const edited = run(6, (e) =>
      e.step === 2 && e.stage === 'exec'
        ? { ...e, latency_ms: 0.9 }
        : e.stage === 'position' && e.step >= 3
          ? { ...e, attrs: { ...e.attrs, price: 1 } }
          : e,
    );
    const { report } = await diverge(run(6), edited);
    expect(report.verdict).toBe('same-decisions');
    expect(report.firstDifference).toMatchObject({ index: 2, differences: ['exec: latency_ms 0.5 vs 0.9'] });
  });

  it('reports a run that ends earlier, a missing event, and stops at maxSteps', async () => {
    const shorter = await diverge(run(6), run(5));
    expect(shorter.report.decision).toMatchObject({
      index: 6,
      b: null,
      differences: ['B has no step here (it ended after 5 steps)'],
    });
    const lost = run(6).filter((r) => !(r.event.step === 3 && r.event.stage === 'exec'));
    expect((await diverge(run(6), lost)).report.decision).toMatchObject({ index: 3 });
    const bounded = await diverge(
      run(6),
      run(6, (e) => (e.step === 5 && e.stage === 'exec' ? { ...e, attrs: { orders: 1, fills: 1 } } : e)),
      3,
    );
    expect(bounded.report).toMatchObject({ verdict: 'bounded', stepsCompared: 3 });
    expect(bounded.a.figures.events).toBe(24);
  });

  it('aligns lifetimes: a restart in one run only is a divergence at the restart', async () => {
    const restarted = [...run(3), ...run(3).map((r) => ({ ...r, file: 'metrics.ndjson' }))];
    const straight = run(6);
    const { report, a } = await diverge(straight, restarted);
    expect(a.figures.lifetimes).toBe(1);
    expect(report.decision).toMatchObject({
      index: 4,
      a: { step: 4, lifetime: 1 },
      b: { step: 1, lifetime: 2 },
    });
    expect(report.decision!.differences[0]).toBe('step number 4 vs 1');
  });
});

describe('compareRuns and --fail-on', () => {
  it('puts B against A: diff B - A and ratio B / A, and fails on an expression that holds', async () => {
    const { a, b } = await diverge(
      run(6),
      run(6, (e) => (e.stage === 'exec' ? { ...e, latency_ms: 1.5 } : e)),
    );
    const rows = compareRuns(a, b);
    expect(rows.find((r) => r.metric === 'exec.p99_ms')).toMatchObject({ a: 0.5, b: 1.5, diff: 1, ratio: 3 });
    expect(rows.find((r) => r.metric === 'events')).toMatchObject({ a: 24, b: 24, diff: 0, ratio: 1 });
    const results = evaluateComparison(a, b, [
      compileComparisonThreshold('exec.p99_ms.ratio > 1.2'),
      compileComparisonThreshold('events.diff != 0'),
      compileComparisonThreshold('pnl.diff < -10'),
    ]);
    expect(results.map((r) => r.passed)).toEqual([false, true, true]);
    expect(results[0]!.message).toBe('exec.p99_ms.ratio = 3, > 1.2');
    expect(results[2]!.message).toContain('no value');
  });

  it('asks for a suffix', () => {
    expect(() => compileComparisonThreshold('exec.p99_ms > 1')).toThrow(
      /column 12: end the metric with .diff/,
    );
  });
});
