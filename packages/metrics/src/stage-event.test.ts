// The hand-written NDJSON line must be exactly what the zod schema accepts, including awkward strings.
import { describe, expect, it } from 'vitest';
import { stageEventLineSchema } from './schema.js';
import { formatStageEventLine, reusableStageEvent, type StageEvent } from './stage-event.js';

/** A stage event's keys in the line's order (after `v`). */
const EVENT_KEYS = ['ts', 'step', 'stage', 'outcome', 'latency_ms', 'reason', 'detail', 'attrs'];

describe('formatStageEventLine', () => {
  it('writes keys in schema order, one line, and parses back to the same event', () => {
    const event: StageEvent = {
      ts: 1553817600000,
      step: 7,
      stage: 'risk',
      outcome: 'rejected',
      latency_ms: 0.125,
      reason: 'MAX_POSITION',
      detail: 'position=3 limit=2 "quoted"\nnewline \u2028 \u0001',
      attrs: { position: 3, equity: 10_012.5, note: 'ünïcødé' },
    };
    const line = formatStageEventLine(event);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(Object.keys(JSON.parse(line))).toEqual(['v', ...EVENT_KEYS]);
    expect(stageEventLineSchema.parse(JSON.parse(line))).toEqual({ v: 1, ...event });
  });

  it('omits absent optional keys', () => {
    const line = formatStageEventLine({ ts: 1, step: 0, stage: 'exec', outcome: 'ok', latency_ms: 0 });
    expect(line).toBe('{"v":1,"ts":1,"step":0,"stage":"exec","outcome":"ok","latency_ms":0}\n');
  });

  it('repairs what the schema would refuse instead of throwing', () => {
    const line = formatStageEventLine({
      ts: Number.NaN,
      step: -1,
      stage: '',
      outcome: 'error',
      latency_ms: -4,
      reason: 'r'.repeat(300),
      detail: 'd'.repeat(5000),
      attrs: { bad: Number.POSITIVE_INFINITY, good: 1 },
    });
    const parsed = stageEventLineSchema.parse(JSON.parse(line));
    expect(parsed).toMatchObject({ ts: 0, step: 0, stage: 'unknown', latency_ms: 0, attrs: { good: 1 } });
    expect(parsed.reason).toHaveLength(256);
    expect(parsed.detail).toHaveLength(4096);
  });
});

describe('number formatting', () => {
  it('writes timestamps and latencies exactly as JSON would (latency at µs resolution)', () => {
    for (const [ts, latency] of [
      [0, 0],
      [999_999, 0.001],
      [1_000_000, 1.5],
      [1_553_817_600_000, 0.1234567],
      [1_553_817_600_007, 12_345.0004],
      [1_553_817_600_007, 12_345.0004], // same ts again (cached)
      [1.5, 3_000_000_000],
      [-20, 2.0005],
    ] as const) {
      const line = formatStageEventLine({ ts, step: 1, stage: 's', outcome: 'ok', latency_ms: latency });
      const parsed = JSON.parse(line);
      expect(parsed.ts).toBe(ts);
      expect(parsed.latency_ms).toBe(Math.round(latency * 1000) / 1000);
    }
  });
});

describe('reusableStageEvent', () => {
  it('has all eight properties, in one order, and a refilled one formats as a fresh literal does', () => {
    const event = reusableStageEvent();
    expect(Object.keys(event)).toEqual(EVENT_KEYS);
    // Each call is a new object: two loops never share one.
    expect(reusableStageEvent()).not.toBe(event);
    event.ts = 1_700_000_000_000.25;
    event.step = 7;
    event.stage = 'exec';
    event.outcome = 'rejected';
    event.latency_ms = 1.5;
    event.reason = 'MAX_POSITION';
    expect(formatStageEventLine(event)).toBe(
      formatStageEventLine({
        ts: 1_700_000_000_000.25,
        step: 7,
        stage: 'exec',
        outcome: 'rejected',
        latency_ms: 1.5,
        reason: 'MAX_POSITION',
      }),
    );
  });
});
