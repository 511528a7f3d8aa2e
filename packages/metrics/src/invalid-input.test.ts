// Invalid input is never silently rewritten: strict mode throws a coded error, the default counts and warns once per kind.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMetricsError, type MetricsErrorCode } from './errors.js';
import type { MetricsWarning } from './input-report.js';
import { openMetricsRecorder } from './metrics-recorder.js';
import { metricsSummarySchema, stageEventLineSchema } from './schema.js';
import type { StageEvent } from './stage-event.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-invalid-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const base = { ts: 1_700_000_000_000, step: 1, stage: 'exec', outcome: 'ok', latency_ms: 1 } as const;
/** Untyped callers' mistakes, as plain JS would pass them. */
const BAD_EVENTS: Array<[string, Record<string, unknown>]> = [
  ['outcome', { ...base, outcome: 'success' }],
  ['stage', { ...base, stage: '' }],
  ['stage', { ...base, stage: undefined }],
  ['latency', { ...base, latency_ms: Number.NaN }],
  ['latency', { ...base, latency_ms: -2 }],
  ['latency', { ...base, latency_ms: '3' }],
  ['ts', { ...base, ts: Number.POSITIVE_INFINITY }],
  ['step', { ...base, step: 1.5 }],
  ['text', { ...base, reason: 'R'.repeat(300) }],
  ['attrs', { ...base, attrs: { equity: Number.NaN, ok: 1 } }],
];

function thrownBy(fn: () => void): { code?: MetricsErrorCode; kind?: unknown } {
  try {
    fn();
  } catch (error) {
    if (isMetricsError(error)) return { code: error.code, kind: error.context.kind };
    throw error;
  }
  return {};
}

describe('strict: true', () => {
  it.each(BAD_EVENTS)(
    'record() throws LOOP_METRICS_EVENT_INVALID for a bad %s and records nothing',
    (kind, event) => {
      const metrics = openMetricsRecorder({ strict: true, handleProcessExit: false });
      expect(thrownBy(() => metrics.record(event as unknown as StageEvent))).toEqual({
        code: 'LOOP_METRICS_EVENT_INVALID',
        kind,
      });
      expect(metrics.collector.stageEventsCount).toBe(0);
      expect(metrics.summary().invalid_input).toEqual({ [kind]: 1 });
    },
  );

  it('throws for a bad counter name, a NaN gauge, a negative increment, and names beyond the limit', () => {
    const metrics = openMetricsRecorder({ strict: true, handleProcessExit: false, maxMetricNames: 1 });
    expect(thrownBy(() => metrics.counter('orders-sent'))).toEqual({
      code: 'LOOP_METRICS_NAME_INVALID',
      kind: 'name',
    });
    expect(thrownBy(() => metrics.count('9lives'))).toEqual({
      code: 'LOOP_METRICS_NAME_INVALID',
      kind: 'name',
    });
    expect(thrownBy(() => metrics.gauge('equity').set(Number.NaN))).toEqual({
      code: 'LOOP_METRICS_VALUE_INVALID',
      kind: 'value',
    });
    expect(thrownBy(() => metrics.counter('orders_sent').inc(-1))).toEqual({
      code: 'LOOP_METRICS_VALUE_INVALID',
      kind: 'value',
    });
    expect(thrownBy(() => metrics.count('processed', Number.NaN))).toEqual({
      code: 'LOOP_METRICS_VALUE_INVALID',
      kind: 'value',
    });
    expect(thrownBy(() => metrics.counter('fills_partial'))).toEqual({
      code: 'LOOP_METRICS_CARDINALITY_EXCEEDED',
      kind: 'cardinality',
    });
    expect(metrics.summary().gauges).toEqual({});
    expect(metrics.summary().custom_counters).toEqual({ orders_sent: 0 });
  });
});

describe('default mode', () => {
  it('records what it can, counts each problem by kind, warns once per kind, and writes schema-valid lines', () => {
    const warnings: MetricsWarning[] = [];
    const metrics = openMetricsRecorder({
      runDir: dir,
      handleProcessExit: false,
      onWarning: (w) => warnings.push(w),
      deterministic: true,
      now: () => 1_700_000_000_000,
    });
    for (const [, event] of BAD_EVENTS) metrics.record(event as unknown as StageEvent);
    metrics.close();
    const lines = fs
      .readFileSync(path.join(dir, 'metrics.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => stageEventLineSchema.parse(JSON.parse(line)));
    expect(lines).toHaveLength(BAD_EVENTS.length);
    expect(lines[0]).toMatchObject({
      stage: 'exec',
      outcome: 'error',
      reason: 'INVALID_EVENT',
      detail: 'outcome=success',
    });
    expect(lines[1]).toMatchObject({ stage: 'unknown', outcome: 'ok', latency_ms: 1 });
    expect(lines[3]).toMatchObject({ stage: 'exec', outcome: 'ok', latency_ms: 0 });
    expect(lines[8]!.reason).toBe('R'.repeat(256));
    expect(lines[9]!.attrs).toEqual({ ok: 1 });
    const summary = metricsSummarySchema.parse(
      JSON.parse(fs.readFileSync(path.join(dir, 'metrics_summary.json'), 'utf8')),
    );
    expect(summary.invalid_input).toEqual({
      attrs: 1,
      latency: 3,
      outcome: 1,
      stage: 2,
      step: 1,
      text: 1,
      ts: 1,
    });
    expect(warnings.map((w) => w.kind)).toEqual([
      'outcome',
      'stage',
      'latency',
      'ts',
      'step',
      'text',
      'attrs',
    ]);
    expect(warnings[0]!.message).toBe(
      '@loop/metrics: stage event outcome "success" is not ok, rejected or error (stage "exec"); recorded as outcome "error", reason INVALID_EVENT, the given outcome and reason in detail. Further outcome problems are only counted (summary invalid_input.outcome); strict: true throws LOOP_METRICS_EVENT_INVALID.',
    );
  });

  it('warns through process.emitWarning when no onWarning is given', async () => {
    const metrics = openMetricsRecorder({ handleProcessExit: false });
    const warned = new Promise<Error & { code?: string }>((resolve) => process.once('warning', resolve));
    metrics.record({ stage: 'exec', outcome: 'success' as 'ok' });
    const warning = await warned;
    expect(warning.name).toBe('LoopMetricsWarning');
    expect(warning.code).toBe('LOOP_METRICS_EVENT_INVALID');
    expect(warning.message).toMatch(/outcome "success"/);
  });

  it('a throwing onWarning does not reach the caller', () => {
    const metrics = openMetricsRecorder({
      handleProcessExit: false,
      onWarning: () => {
        throw new Error('handler bug');
      },
    });
    expect(() => metrics.record({ stage: 'exec', outcome: 'nope' as 'ok' })).not.toThrow();
    expect(metrics.summary().invalid_input).toEqual({ outcome: 1 });
  });
});
