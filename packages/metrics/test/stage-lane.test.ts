// Stage lanes (built package, so the writer thread runs): the same files, summary and reports as record(),
// with and without the writer thread, with events that take the fast path and events that cannot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isMetricsError,
  type MetricsRecorder,
  type MetricsRecorderOptions,
  type MetricsWarning,
  openMetricsRecorder,
  type StageEvent,
  type StageEventInput,
  type StageLane,
  type StepLanes,
} from '../dist/index.js';
import { filesOf, seeded, tempDirs, until } from './writer-thread-kit.js';

const tempDir = tempDirs('loop-stage-lane-');

const LANE_KEYS: Record<string, string[]> = {
  strategy: [],
  risk: [],
  exec: ['orders', 'fills'],
  position: ['position', 'equity', 'price'],
  book: ['__proto__', 'equity'],
};

/** A loop's events: mostly what a lane takes, and now and then what it must hand to record(). */
function* events(count: number): Generator<StageEventInput> {
  const random = seeded(11);
  for (let i = 0; i < count; i++) {
    const step = (i >> 2) + 1;
    const stage = ['strategy', 'risk', 'exec', 'position'][i % 4]!;
    const event: StageEventInput = {
      ts: 1_704_067_200_000 + i * 250 + Math.round(random() * 1000) / 1000,
      step,
      stage,
      outcome: 'ok',
      latency_ms: Math.round(random() * 5000) / 1000,
    };
    if (stage === 'risk' && i % 9 === 1) {
      event.outcome = 'rejected';
      // Known reasons, and a new one now and then (the thread learns it on the way).
      event.reason = i % 45 === 1 ? `NEW_${i}` : 'MAX_POSITION';
      if (i % 27 === 1) event.detail = `position=${i} limit=2 "ü"`;
    }
    if (stage === 'exec' && i % 3 === 0) event.attrs = { orders: i % 5, fills: i % 2 };
    if (stage === 'position') {
      event.attrs = { position: (i % 7) - 3, equity: 100_000 + random(), price: 100 + (i % 13) / 100 };
      if (i % 401 === 3) event.attrs = { ...event.attrs, trading_state: 'HALTED' };
    }
    if (i % 1001 === 5) event.latency_ms = Number.NaN;
    if (i % 1003 === 6) event.outcome = 'weird' as StageEvent['outcome'];
    if (i % 1009 === 7 && event.attrs !== undefined) event.attrs = { ...event.attrs, equity: Number.NaN };
    if (i % 1013 === 8) event.step = -1;
    if (i % 1019 === 9) event.reason = 'r'.repeat(300);
    yield event;
    // A lane whose first key is `__proto__` (an attribute of its own, never the prototype).
    if (i % 50 === 0) {
      yield {
        ts: event.ts,
        step,
        stage: 'book',
        outcome: 'ok',
        latency_ms: 0.25,
        attrs: JSON.parse(`{"__proto__":${i % 3},"equity":${i / 7}}`),
      };
    }
  }
}

/** Records `event` on its stage's lane when its attrs are the lane's keys (or absent), else with record(). */
function recordOnLane(recorder: MetricsRecorder, lanes: Map<string, StageLane>, event: StageEventInput) {
  let lane = lanes.get(event.stage);
  if (lane === undefined) {
    lane = recorder.stageLane(event.stage, LANE_KEYS[event.stage]);
    lanes.set(event.stage, lane);
  }
  const keys = event.attrs === undefined ? [] : Object.keys(event.attrs);
  const args = [
    event.ts!,
    event.step!,
    event.outcome,
    event.latency_ms!,
    event.reason,
    event.detail,
  ] as const;
  if (event.attrs === undefined) lane.record(...args);
  else if (keys.join() === lane.attrKeys.join())
    lane.recordWith(
      keys.map((k) => event.attrs![k] as number),
      ...args,
    );
  else recorder.record(event);
}

const STEP_STAGES = ['strategy', 'risk', 'exec', 'position'];

/**
 * Records a step's events (in order) with stepLanes when they are the four stages, in order, each a plain `ok`
 * with its lane's keys (exec: or none), else one by one as {@link recordOnLane} does.
 */
function recordStep(
  recorder: MetricsRecorder,
  lanes: Map<string, StageLane>,
  group: { lanes?: StepLanes },
  events: StageEventInput[],
) {
  const plain =
    events.length === 4 &&
    events.every((event, i) => {
      const keys = event.attrs === undefined ? undefined : Object.keys(event.attrs).join();
      return (
        event.stage === STEP_STAGES[i] &&
        event.outcome === 'ok' &&
        event.reason === undefined &&
        event.detail === undefined &&
        event.step === events[0]!.step &&
        (keys === undefined ? i !== 3 : keys === LANE_KEYS[event.stage]!.join())
      );
    });
  if (!plain) {
    for (const event of events) recordOnLane(recorder, lanes, event);
    return;
  }
  if (group.lanes === undefined) {
    for (const stage of STEP_STAGES)
      if (!lanes.has(stage)) lanes.set(stage, recorder.stageLane(stage, LANE_KEYS[stage]));
    group.lanes = recorder.stepLanes(STEP_STAGES.map((stage) => lanes.get(stage)!));
  }
  const step = group.lanes;
  events.forEach((event, i) => {
    step.ts[i] = event.ts!;
    step.latencyMs[i] = event.latency_ms!;
    step.withValues[i] = event.attrs === undefined ? 0 : 1;
    if (event.attrs !== undefined) {
      LANE_KEYS[event.stage]!.forEach((k, j) => {
        step.values[i]![j] = event.attrs![k] as number;
      });
    }
  });
  step.recordOk(events[0]!.step!);
}

/** Opens a recorder (deterministic, warnings kept). */
function open(options: MetricsRecorderOptions, warnings: MetricsWarning[]): MetricsRecorder {
  return openMetricsRecorder({
    ...options,
    now: () => 1_704_067_200_000,
    deterministic: true,
    handleProcessExit: false,
    onWarning: (warning) => warnings.push(warning),
  });
}

async function run(options: MetricsRecorderOptions, way: 'record' | 'lane' | 'step', count = 40_000) {
  const warnings: MetricsWarning[] = [];
  const recorder = open(options, warnings);
  const lanes = new Map<string, StageLane>();
  const group: { lanes?: StepLanes } = {};
  const held: StageEventInput[] = [];
  let mid: ReturnType<MetricsRecorder['summary']> | undefined;
  let n = 0;
  for (const event of events(count)) {
    // With the writer thread: the first events while the loop's thread still writes by itself (the thread
    // is not started ahead here), then the rest once the thread has taken over.
    if (n === 20_000) mid = recorder.summary();
    if (n++ === 2000 && options.writerThread) {
      await until(() => recorder.flush() && (recorder.writer as { onThread?: boolean }).onThread === true);
    }
    // A step starts with its strategy event: the previous one ends (its events recorded first, when held).
    if (event.stage === 'strategy' && n > 1) {
      if (way === 'step') recordStep(recorder, lanes, group, held.splice(0));
      recorder.endStep();
    }
    if (way === 'record') recorder.record({ ...event });
    else if (way === 'lane') recordOnLane(recorder, lanes, event);
    else held.push(event);
  }
  if (held.length > 0) recordStep(recorder, lanes, group, held);
  const recent = recorder.collector.recent(8);
  // How many events the writer thread aggregated itself (the summary adds them to the loop's thread's).
  const stages = (
    recorder.collector as unknown as {
      stages: Map<string, { thread?: { load(): void; histogram: { count: number } } }>;
    }
  ).stages;
  recorder.collector.stageStats('strategy');
  let onThread = 0;
  for (const aggregate of stages.values()) {
    aggregate.thread?.load();
    onThread += aggregate.thread?.histogram.count ?? 0;
  }
  recorder.close();
  return { summary: recorder.summary(), mid, warnings, recent, onThread };
}

describe('stageLane', () => {
  it.each([
    ['the writer thread', { flush: 'batch', writerThread: true, recentCapacity: 0 }],
    ['the loop thread', { flush: 'step', recentCapacity: 0 }],
    [
      'rotation, on the thread',
      { flush: 'interval', writerThread: true, recentCapacity: 0, rotate: { maxLines: 997 } },
    ],
  ] as const)(
    'writes the same files, summary and reports as record() (%s)',
    async (_name, options) => {
      const a = tempDir();
      const b = tempDir();
      const c = tempDir();
      const byRecord = await run({ ...options, runDir: a }, 'record');
      const byLane = await run({ ...options, runDir: b }, 'lane');
      const byStep = await run({ ...options, runDir: c }, 'step');
      expect(filesOf(b)).toEqual(filesOf(a));
      expect(filesOf(c)).toEqual(filesOf(a));
      expect(byLane.summary).toEqual(byRecord.summary);
      expect(byStep.summary).toEqual(byRecord.summary);
      // A summary read while the thread holds events waits for it: the same as record()'s then too.
      // (The writer's figures then depend on how far the thread has written.)
      expect({ ...byLane.mid, writer: undefined }).toEqual({ ...byRecord.mid, writer: undefined });
      expect(byRecord.mid?.stage_events_count).toBe(20_000);
      expect(byLane.warnings).toEqual(byRecord.warnings);
      expect(byStep.warnings).toEqual(byRecord.warnings);
      // With the thread, most lane events were aggregated there (record()'s never are), and it added up.
      expect(byRecord.onThread).toBe(0);
      if ((options as MetricsRecorderOptions).writerThread) {
        expect(byLane.onThread).toBeGreaterThan(30_000);
        expect(byStep.onThread).toBeGreaterThan(30_000);
      }
      // The invalid events were reported, not dropped or rewritten silently.
      expect(byRecord.summary.invalid_input).toBeDefined();
      expect(byRecord.summary.stage_events_count).toBe(40_800);
      expect(byRecord.summary.writer).toMatchObject({ lines_written: 40_800, lines_dropped: 0 });
      // The `__proto__` lane's lines, through the lane's own attrs (and the thread's id of the key).
      const lines = fs.readdirSync(b).filter((name) => name.startsWith('metrics.ndjson'));
      const text = lines.map((name) => fs.readFileSync(path.join(b, name), 'utf8')).join('');
      expect(
        text.match(/"stage":"book","outcome":"ok","latency_ms":0\.25,"attrs":\{"__proto__":\d,"equity":/g),
      ).toHaveLength(800);
    },
    120_000,
  );

  it('keeps distinct events for recent() when the recorder keeps recent events', async () => {
    const byRecord = await run({ recentCapacity: 16 }, 'record', 400);
    const byLane = await run({ recentCapacity: 16 }, 'lane', 400);
    expect(byLane.summary).toEqual(byRecord.summary);
    expect(byLane.recent).toEqual(byRecord.recent);
    expect(new Set(byLane.recent).size).toBe(8);
  });

  it('sets the recorder step from a lane event, and reports a recordWith() without values', () => {
    const warnings: MetricsWarning[] = [];
    const recorder = openMetricsRecorder({
      handleProcessExit: false,
      recentCapacity: 0,
      onWarning: (warning) => warnings.push(warning),
    });
    recorder.stageLane('exec').record(1000, 41, 'ok', 0.5);
    expect(recorder.step).toBe(41);
    recorder
      .stageLane('position', ['equity'])
      .recordWith(undefined as unknown as number[], 1001, 42, 'ok', 0.5);
    expect(recorder.step).toBe(42);
    expect(recorder.summary().invalid_input).toMatchObject({ attrs: 1 });
    expect(warnings).toHaveLength(1);
    recorder.close();
  });

  it('counts a lane event in the recorder step and hands it to sinks', () => {
    const seen: StageEvent[] = [];
    const recorder = openMetricsRecorder({ handleProcessExit: false, recentCapacity: 0 });
    recorder.addSink({ onStageEvent: (event) => seen.push({ ...event }) });
    const exec = recorder.stageLane('exec', ['orders', 'fills']);
    exec.recordWith([2, 1], 1000, 41, 'ok', 0.5);
    exec.record(1001, 42, 'error', 0.25, 'STAGE_ERROR', 'boom');
    expect(recorder.step).toBe(42);
    expect(seen).toEqual([
      { ts: 1000, step: 41, stage: 'exec', outcome: 'ok', latency_ms: 0.5, attrs: { orders: 2, fills: 1 } },
      {
        ts: 1001,
        step: 42,
        stage: 'exec',
        outcome: 'error',
        latency_ms: 0.25,
        reason: 'STAGE_ERROR',
        detail: 'boom',
      },
    ]);
    expect(recorder.summary().outcomes_by_stage.exec).toEqual({ ok: 1, rejected: 0, error: 1 });
    recorder.close();
  });

  it('records a `__proto__` key as an attribute of its own, and values that are not numbers as record() does', () => {
    const lines: string[] = [];
    const warnings: MetricsWarning[] = [];
    const recorder = openMetricsRecorder({
      handleProcessExit: false,
      recentCapacity: 0,
      onWarning: (warning) => warnings.push(warning),
    });
    recorder.addSink({ onStageEvent: (event) => lines.push(JSON.stringify(event)) });
    const lane = recorder.stageLane('position', ['__proto__', 'equity']);
    lane.recordWith([1, 2], 1000, 1, 'ok', 0.5);
    // A JavaScript caller's mistakes: reported like record()'s, never thrown.
    lane.recordWith(null as unknown as number[], 1001, 2, 'ok', 0.5);
    lane.recordWith(['x', 3] as unknown as number[], 1002, 3, 'ok', 0.5);
    expect(lines[0]).toBe(
      '{"ts":1000,"step":1,"stage":"position","outcome":"ok","latency_ms":0.5,"attrs":{"__proto__":1,"equity":2}}',
    );
    expect(Object.getPrototypeOf(JSON.parse(lines[0]!).attrs)).toBe(Object.prototype);
    expect(lines).toHaveLength(3);
    // null: both attributes reported and left out; a text value is a valid attribute for record().
    expect(lines[1]).toContain('"step":2,"stage":"position","outcome":"ok","latency_ms":0.5,"attrs":{}');
    expect(lines[2]).toContain('"attrs":{"__proto__":"x","equity":3}');
    expect(recorder.summary().invalid_input).toMatchObject({ attrs: 2 });
    expect(warnings).toHaveLength(1);
    recorder.close();
  });

  it.each([
    ['an empty stage', '', []],
    ['a stage over 256 characters', 'x'.repeat(257), []],
    ['a key over 64 characters', 'exec', ['k'.repeat(65)]],
    ['a key given twice', 'exec', ['orders', 'orders']],
  ])('refuses %s with LOOP_METRICS_OPTION_INVALID', (_name, stage, keys) => {
    const recorder = openMetricsRecorder({ handleProcessExit: false });
    let error: unknown;
    try {
      recorder.stageLane(stage, keys);
    } catch (caught) {
      error = caught;
    }
    expect(isMetricsError(error) && error.code).toBe('LOOP_METRICS_OPTION_INVALID');
    expect((error as Error).message).toMatch(/^stage lane/);
    recorder.close();
  });

  it('throws from a lane in strict mode, as record() does', () => {
    const recorder = openMetricsRecorder({ handleProcessExit: false, strict: true });
    expect(() => recorder.stageLane('risk').record(1, 1, 'ok', Number.NaN)).toThrow(/latency_ms NaN/);
    expect(() => recorder.stageLane('position', ['equity']).recordWith([Number.NaN], 1, 1, 'ok', 0)).toThrow(
      /attribute "equity"/,
    );
    recorder.close();
  });
});

describe('stepLanes', () => {
  it('refuses no lanes, a lane of another recorder and a count out of range with LOOP_METRICS_OPTION_INVALID', () => {
    const recorder = openMetricsRecorder({ handleProcessExit: false });
    const other = openMetricsRecorder({ handleProcessExit: false });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return isMetricsError(error) ? error.code : String(error);
      }
      return 'no throw';
    };
    expect(code(() => recorder.stepLanes([]))).toBe('LOOP_METRICS_OPTION_INVALID');
    expect(code(() => recorder.stepLanes([other.stageLane('risk')]))).toBe('LOOP_METRICS_OPTION_INVALID');
    expect(code(() => recorder.stepLanes([{ stage: 'x', attrKeys: [] } as unknown as StageLane]))).toBe(
      'LOOP_METRICS_OPTION_INVALID',
    );
    const step = recorder.stepLanes([recorder.stageLane('a'), recorder.stageLane('b')]);
    expect(code(() => step.recordOk(1, 3))).toBe('LOOP_METRICS_OPTION_INVALID');
    expect(code(() => step.recordOk(1, -1))).toBe('LOOP_METRICS_OPTION_INVALID');
    expect(code(() => step.recordOk(1, 1.5))).toBe('LOOP_METRICS_OPTION_INVALID');
    step.recordOk(1, 0);
    expect(recorder.summary().stage_events_count).toBe(0);
    step.recordOk(1, 1);
    expect(Object.keys(recorder.summary().stages_by_name)).toEqual(['a']);
    recorder.close();
    other.close();
  });

  it('writes, with the writer thread, what the lanes one by one write, bad numbers included', async () => {
    const record = async (way: 'lanes' | 'step', runDir: string) => {
      const warnings: MetricsWarning[] = [];
      const recorder = open({ runDir, flush: 'batch', writerThread: true, recentCapacity: 0 }, warnings);
      await until(() => recorder.flush() && (recorder.writer as { onThread?: boolean }).onThread === true);
      const lanes = [
        recorder.stageLane('a'),
        recorder.stageLane('b', ['x', 'y']),
        recorder.stageLane('c', ['z']),
      ];
      const group = recorder.stepLanes(lanes);
      const random = seeded(5);
      const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -0];
      for (let n = 1; n <= 3000; n++) {
        // Most steps valid; now and then a bad ts, latency, value, step or a withValues other than 0 and 1.
        let step: number = n;
        if (n % 97 === 0) step = [-1, 1.5, 2 ** 53][n % 3]!;
        for (let i = 0; i < 3; i++) {
          group.ts[i] = 1_704_067_200_000 + n * 1000 + i + Math.round(random() * 1000) / 1000;
          group.latencyMs[i] = Math.round(random() * 3000) / 1000;
          group.withValues[i] = i === 0 ? 0 : n % 5 === 0 ? 0 : n % 11 === 0 ? 7 : 1;
          for (let k = 0; k < group.values[i]!.length; k++) group.values[i]![k] = (n * (k + 1)) % 17;
        }
        if (n % 41 === 0) group.latencyMs[n % 3] = bad[n % 5]!;
        if (n % 43 === 0) group.ts[n % 3] = bad[(n >> 1) % 3]!;
        if (n % 47 === 0) group.values[1 + (n % 2)]![0] = bad[n % 3]!;
        const count = n % 13 === 0 ? n % 3 : 3;
        if (way === 'step') group.recordOk(step, count);
        else {
          for (let i = 0; i < count; i++) {
            if (group.withValues[i] !== 0) {
              lanes[i]!.recordWith(group.values[i]!, group.ts[i]!, step, 'ok', group.latencyMs[i]!);
            } else lanes[i]!.record(group.ts[i]!, step, 'ok', group.latencyMs[i]!);
          }
        }
        recorder.endStep();
      }
      recorder.close();
      return { summary: recorder.summary(), warnings };
    };
    const a = tempDir();
    const b = tempDir();
    const byLanes = await record('lanes', a);
    const byStep = await record('step', b);
    expect(filesOf(b)).toEqual(filesOf(a));
    expect(byStep.summary).toEqual(byLanes.summary);
    expect(byStep.warnings).toEqual(byLanes.warnings);
    // The bad numbers were reported (warnings are said once per kind; the summary counts each).
    const reported = Object.values(byLanes.summary.invalid_input ?? {}).reduce((sum, n) => sum + n, 0);
    expect(reported).toBeGreaterThan(150);
    expect(byLanes.warnings.length).toBeGreaterThan(0);
    expect(byLanes.summary.stage_events_count).toBeGreaterThan(8000);
  }, 120_000);

  it('throws in strict mode, as the lane would, at the first bad number', () => {
    const recorder = openMetricsRecorder({ handleProcessExit: false, strict: true });
    const step = recorder.stepLanes([recorder.stageLane('risk'), recorder.stageLane('position', ['equity'])]);
    step.ts.set([1, 2]);
    step.latencyMs.set([0.5, Number.NaN]);
    expect(() => step.recordOk(1)).toThrow(/latency_ms NaN/);
    // The first lane's event was recorded before the second one threw, as two lane calls would.
    expect(recorder.summary().stages_by_name.risk?.count).toBe(1);
    step.latencyMs[1] = 1;
    step.values[1]![0] = Number.POSITIVE_INFINITY;
    step.withValues[1] = 1;
    expect(() => step.recordOk(2)).toThrow(/attribute "equity"/);
    recorder.close();
  });
});

describe('beforeSummary', () => {
  it('runs before every summary, and a throw in it costs nothing', () => {
    const dir = tempDir();
    let calls = 0;
    const recorder = openMetricsRecorder({
      runDir: dir,
      handleProcessExit: false,
      beforeSummary: () => {
        calls++;
        recorder.setGauge('equity', 100 + calls);
        if (calls === 2) throw new Error('the hook failed');
      },
    });
    expect(recorder.summary().gauges).toEqual({ equity: 101 });
    expect(recorder.writeSummary()).toBe(true);
    recorder.close();
    expect(calls).toBe(3);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'metrics_summary.json'), 'utf8')).gauges).toEqual({
      equity: 103,
    });
  });
});
