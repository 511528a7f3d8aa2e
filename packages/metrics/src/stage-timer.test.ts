// The timing API from outside: metrics.stage() (sync, async, throws, rejections), metrics.start().end(), defaults.
import { describe, expect, it } from 'vitest';
import { isMetricsError } from './errors.js';
import type { MetricsWarning } from './input-report.js';
import { type MetricsRecorderOptions, openMetricsRecorder } from './metrics-recorder.js';

/** A recorder in memory on a hand-driven clock: `advance(ms)` moves both `now` and the latency clock. */
function recorderOnClock(options: MetricsRecorderOptions = {}) {
  let now = 1_700_000_000_000;
  const warnings: MetricsWarning[] = [];
  const metrics = openMetricsRecorder({
    now: () => now,
    handleProcessExit: false,
    onWarning: (w) => warnings.push(w),
    ...options,
  });
  return {
    metrics,
    warnings,
    advance: (ms: number) => {
      now += ms;
    },
    start: now,
  };
}

describe('metrics.stage()', () => {
  it('times a sync stage on the recorder clock, returns its value, records ok with ts and step defaulted', () => {
    const { metrics, advance, start } = recorderOnClock();
    const value = metrics.stage('strategy', () => {
      advance(3);
      return 42;
    });
    expect(value).toBe(42);
    expect(metrics.collector.recent()).toEqual([
      { ts: start, step: 1, stage: 'strategy', outcome: 'ok', latency_ms: 3 },
    ]);
  });

  it('records a rejection with reason, detail and attributes (merged with the options attrs)', () => {
    const { metrics, advance } = recorderOnClock();
    metrics.stage(
      'risk',
      (s) => {
        advance(0.25);
        s.reject('MAX_POSITION', 'position=3 limit=2', { position: 3 });
      },
      { step: 9, attrs: { symbol: 'ETH' } },
    );
    expect(metrics.collector.recent()[0]).toMatchObject({
      step: 9,
      stage: 'risk',
      outcome: 'rejected',
      latency_ms: 0.25,
      reason: 'MAX_POSITION',
      detail: 'position=3 limit=2',
      attrs: { symbol: 'ETH', position: 3 },
    });
    expect(metrics.summary().reasons_by_stage.risk).toEqual({ rejected: { MAX_POSITION: 1 } });
  });

  it('times an async stage across await and records before the promise settles', async () => {
    const { metrics, advance } = recorderOnClock();
    const pending = metrics.stage('exec', async (s) => {
      await new Promise((resolve) => setImmediate(resolve));
      advance(7);
      await Promise.resolve();
      s.ok('FILLED');
      return 'order-1';
    });
    expect(metrics.collector.stageEventsCount).toBe(0);
    await expect(pending).resolves.toBe('order-1');
    expect(metrics.collector.recent()).toMatchObject([
      { stage: 'exec', outcome: 'ok', reason: 'FILLED', latency_ms: 7 },
    ]);
  });

  it('records a thrown error as error with its code (or name) as reason, and rethrows the same error', () => {
    const { metrics } = recorderOnClock();
    const coded = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(() =>
      metrics.stage('exec', () => {
        throw coded;
      }),
    ).toThrow(coded);
    expect(() =>
      metrics.stage('risk', (s) => {
        s.reject('LIMIT'); // a throw after a reject still records error
        throw new TypeError('x is undefined');
      }),
    ).toThrow(TypeError);
    expect(() =>
      metrics.stage('position', () => {
        throw 'plain string';
      }),
    ).toThrow('plain string');
    expect(metrics.collector.recent().map((e) => [e.stage, e.outcome, e.reason, e.detail])).toEqual([
      ['exec', 'error', 'ECONNRESET', 'socket hang up'],
      ['risk', 'error', 'TypeError', 'x is undefined'],
      ['position', 'error', 'THROWN', 'plain string'],
    ]);
  });

  it('records a rejected promise as error and rejects with the same reason', async () => {
    const { metrics, advance } = recorderOnClock();
    const failure = Object.assign(new Error('insufficient margin'), { code: 'MARGIN' });
    await expect(
      metrics.stage('exec', async () => {
        advance(2);
        await Promise.resolve();
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(metrics.collector.recent()).toMatchObject([
      { stage: 'exec', outcome: 'error', reason: 'MARGIN', detail: 'insufficient margin', latency_ms: 2 },
    ]);
    expect(metrics.summary().outcomes_by_stage.exec).toEqual({ ok: 0, rejected: 0, error: 1 });
  });

  it('records nested stages once each, the inner one first', async () => {
    const { metrics, advance } = recorderOnClock();
    await metrics.stage('step', async () => {
      advance(1);
      await metrics.stage('exec', async () => {
        advance(2);
      });
      advance(1);
    });
    expect(metrics.collector.recent().map((e) => [e.stage, e.latency_ms])).toEqual([
      ['exec', 2],
      ['step', 4],
    ]);
  });

  it('uses performance.now() and Date.now() when no clock is given', () => {
    const metrics = openMetricsRecorder({ handleProcessExit: false });
    const before = Date.now();
    const sum = metrics.stage('strategy', () => {
      let total = 0;
      for (let i = 0; i < 1000; i++) total += i;
      return total;
    });
    expect(sum).toBe(499_500);
    const after = Date.now();
    const [event] = metrics.collector.recent();
    expect(event!.ts).toBeGreaterThanOrEqual(before);
    expect(event!.ts).toBeLessThanOrEqual(after);
    expect(event!.latency_ms).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(event!.latency_ms * 1000)).toBe(false); // sub-ms: not Date.now()
    metrics.close();
  });
});

describe('metrics.start()', () => {
  it('records on end() and returns the latency', () => {
    const { metrics, advance } = recorderOnClock();
    const timer = metrics.start('risk', { attrs: { symbol: 'ETH' } });
    advance(1.5);
    expect(timer.end({ outcome: 'rejected', reason: 'MAX_POSITION', detail: 'position=3' })).toBe(1.5);
    expect(metrics.collector.recent()).toMatchObject([
      {
        stage: 'risk',
        outcome: 'rejected',
        reason: 'MAX_POSITION',
        detail: 'position=3',
        latency_ms: 1.5,
        attrs: { symbol: 'ETH' },
      },
    ]);
  });

  it('a second end() is reported once and not counted again', () => {
    const { metrics, advance, warnings } = recorderOnClock();
    for (let i = 0; i < 3; i++) {
      const timer = metrics.start('exec');
      advance(1);
      timer.reject('LIMIT');
      expect(timer.end()).toBe(1);
      advance(5);
      expect(timer.end()).toBe(1);
    }
    const summary = metrics.summary();
    expect(summary.stages_by_name.exec?.count).toBe(3);
    expect(summary.outcomes_by_stage.exec).toEqual({ ok: 0, rejected: 3, error: 0 });
    expect(summary.invalid_input).toEqual({ timer: 3 });
    expect(warnings.map((w) => [w.kind, w.code])).toEqual([['timer', 'LOOP_METRICS_TIMER_ENDED']]);
    expect(warnings[0]!.message).toMatch(/stage timer "exec" \(step 1\) ended twice/);
  });

  it('strict: a second end() throws LOOP_METRICS_TIMER_ENDED', () => {
    const { metrics } = recorderOnClock({ strict: true });
    const timer = metrics.start('exec');
    timer.end();
    let thrown: unknown;
    try {
      timer.end();
    } catch (error) {
      thrown = error;
    }
    expect(isMetricsError(thrown) && thrown.code).toBe('LOOP_METRICS_TIMER_ENDED');
    expect(metrics.summary().stages_by_name.exec?.count).toBe(1);
  });
});

describe('record() defaults', () => {
  it('needs only stage and outcome: ts from now(), the current step, latency 0', () => {
    const { metrics, advance, start } = recorderOnClock();
    metrics.record({ stage: 'strategy', outcome: 'ok' });
    metrics.endStep();
    advance(60_000);
    metrics.record({ stage: 'strategy', outcome: 'ok' });
    metrics.record({ stage: 'exec', outcome: 'ok', step: 7, latency_ms: 2 });
    metrics.record({ stage: 'position', outcome: 'ok' });
    metrics.endStep();
    metrics.record({ stage: 'strategy', outcome: 'ok' });
    expect(metrics.collector.recent().map((e) => [e.ts - start, e.step, e.stage, e.latency_ms])).toEqual([
      [0, 1, 'strategy', 0],
      [60_000, 2, 'strategy', 0],
      [60_000, 7, 'exec', 2],
      [60_000, 7, 'position', 0],
      [60_000, 8, 'strategy', 0],
    ]);
    expect(metrics.step).toBe(8);
    expect(metrics.summary().invalid_input).toBeUndefined();
  });
});
