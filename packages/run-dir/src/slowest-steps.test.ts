// The slowest events of the latest lifetime with their steps' lines, as RunHistory keeps them for the page.
import type { StageEventLine } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { RunHistory } from './run-history.js';

const STAGES = ['strategy', 'risk', 'exec', 'position'] as const;

/** Steps `from..to` of one lifetime: four stages a step; exec's latency is `execMs(step)`, the rest 0.1 ms. */
function steps(from: number, to: number, execMs: (step: number) => number): StageEventLine[] {
  const out: StageEventLine[] = [];
  for (let step = from; step <= to; step++)
    for (const stage of STAGES)
      out.push({
        v: 1,
        ts: 1_000 * step,
        step,
        stage,
        outcome: 'ok',
        latency_ms: stage === 'exec' ? execMs(step) : 0.1,
      });
  return out;
}

function historyOf(events: StageEventLine[], limits: Partial<{ slowestPerStage: number }> = {}): RunHistory {
  const history = new RunHistory(limits);
  events.forEach((event, i) => {
    history.addEvent(event, 'metrics.ndjson', i + 1);
  });
  return history;
}

describe('RunHistory.slowestEvents', () => {
  it('keeps the K slowest per stage, slowest first, earlier first among ties, each with its whole step', () => {
    // exec latency cycles 0..6 ms: 6 ms at steps 6, 13, 20, ...; 5 ms at 5, 12, 19, ...
    const history = historyOf(
      steps(1, 50, (step) => step % 7),
      { slowestPerStage: 3 },
    );
    const exec = history.slowestEvents().find((s) => s.stage === 'exec')!;
    expect(exec.events.map((e) => [e.step, e.latency_ms])).toEqual([
      [6, 6],
      [13, 6],
      [20, 6],
    ]);
    const first = exec.events[0]!;
    expect(first).toMatchObject({ lifetime: 1, stage: 'exec', ts: 6_000, file: 'metrics.ndjson', line: 23 });
    expect(first.stepLines.map((l) => [l.stage, l.step, l.line])).toEqual([
      ['strategy', 6, 21],
      ['risk', 6, 22],
      ['exec', 6, 23],
      ['position', 6, 24],
    ]);
    expect(first.stepLinesOmitted).toBe(0);
    // Every kept event's lines are its own step's, though the steps in between reused the buffer.
    for (const e of exec.events) expect(new Set(e.stepLines.map((l) => l.step))).toEqual(new Set([e.step]));
    expect(history.slowestEvents().map((s) => s.stage)).toEqual([...STAGES]);
  });

  it('covers only the latest lifetime (as the summary of the running process does), and names it', () => {
    const history = historyOf([...steps(1, 10, () => 50), ...steps(1, 4, (step) => step)]);
    const exec = history.slowestEvents().find((s) => s.stage === 'exec')!;
    expect(exec.events.map((e) => [e.lifetime, e.step, e.latency_ms])).toEqual([
      [2, 4, 4],
      [2, 3, 3],
      [2, 2, 2],
      [2, 1, 1],
    ]);
  });

  it('shows a step still being read with the lines read so far, and caps a step at 16 lines', () => {
    const history = historyOf(steps(1, 1, () => 9).slice(0, 3));
    expect(history.slowestEvents().find((s) => s.stage === 'exec')!.events[0]!.stepLines).toHaveLength(3);
    const wide: StageEventLine[] = Array.from({ length: 20 }, (_, i) => ({
      v: 1,
      ts: 1,
      step: 1,
      stage: `s${i}`,
      outcome: 'ok',
      latency_ms: i === 0 ? 7 : 1,
    }));
    const s0 = historyOf(wide).slowestEvents()[0]!.events[0]!;
    expect(s0.stepLines).toHaveLength(16);
    expect(s0.stepLinesOmitted).toBe(4);
  });

  it("lists only a slow event's own step, after longer steps whose lines were not kept", () => {
    // Steps 2-3 keep nothing (slowestPerStage 1: their events are not slower), so their lines are dropped; step 4
    // has two lines and its second is the slowest `b`: its step lines are those two, nothing of the longer steps.
    const line = (step: number, stage: string, latency: number): StageEventLine => ({
      v: 1,
      ts: 1_000 * step,
      step,
      stage,
      outcome: 'ok',
      latency_ms: latency,
    });
    const history = historyOf(
      [
        ...['a', 'b', 'c', 'd', 'e'].map((stage) => line(1, stage, 5)),
        ...['a', 'b', 'c', 'd', 'e'].map((stage) => line(2, stage, 1)),
        ...['a', 'b', 'c', 'd', 'e', 'f'].map((stage) => line(3, stage, 1)),
        line(4, 'a', 1),
        line(4, 'b', 8),
      ],
      { slowestPerStage: 1 },
    );
    const b = history.slowestEvents().find((s) => s.stage === 'b')!.events[0]!;
    expect([b.step, b.latency_ms]).toEqual([4, 8]);
    expect(b.stepLines.map((l) => [l.step, l.stage, l.line])).toEqual([
      [4, 'a', 17],
      [4, 'b', 18],
    ]);
    const a = history.slowestEvents().find((s) => s.stage === 'a')!.events[0]!;
    expect(a.stepLines.map((l) => l.stage)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(history.slowestEvents().find((s) => s.stage === 'f')!.events[0]!.stepLines).toHaveLength(6);
  });

  it('keeps nothing with slowestPerStage 0', () => {
    expect(
      historyOf(
        steps(1, 5, () => 1),
        { slowestPerStage: 0 },
      ).slowestEvents(),
    ).toEqual([]);
  });
});
