// The byte encoder must write exactly formatStageEventLine()'s bytes, and refuse (-1) what does not fit.
import { describe, expect, it } from 'vitest';
import { formatStageEventLine, type StageEvent } from './stage-event.js';
import { encodeStageEvent } from './stage-event-encoder.js';

const shared = Buffer.alloc(64 * 1024);

function encoded(event: StageEvent, size = shared.length, at = 0): string | undefined {
  const out = size === shared.length ? shared : Buffer.alloc(size);
  const end = encodeStageEvent(event, out, at);
  return end < 0 ? undefined : out.toString('utf8', at, end);
}

describe('encodeStageEvent', () => {
  it('writes the same bytes as formatStageEventLine for loop-like and awkward events', () => {
    let state = 99; // mulberry32: a fixed sample
    const random = () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const events: StageEvent[] = [
      { ts: 0, step: 0, stage: '', outcome: 'ok', latency_ms: 0 },
      { ts: Number.NaN, step: -1, stage: 's', outcome: 'error', latency_ms: Number.POSITIVE_INFINITY },
      { ts: -20.5, step: 1.5, stage: 'x'.repeat(300), outcome: 'rejected', latency_ms: -1 },
      { ts: 1e13, step: 2 ** 53, stage: 'ünï', outcome: 'ok', latency_ms: 1e13 },
      {
        ts: 1_553_817_600_000,
        step: 7,
        stage: 'risk',
        outcome: 'rejected',
        latency_ms: 0.125,
        reason: 'MAX_POSITION',
        detail: 'position=3 limit=2 "quoted"\nnewline \u2028 \u0001 ünï 😀',
        attrs: { position: 3, equity: 10_012.5, note: 'ünïcødé', bad: Number.NaN, ['k'.repeat(80)]: -0 },
      },
    ];
    for (let i = 0; i < 20_000; i++) {
      const event: StageEvent = {
        ts: 1_704_067_200_000 + random() * 1e9,
        step: Math.floor(random() * 1e7),
        stage: ['strategy', 'risk', 'exec', 'position'][i % 4]!,
        outcome: (['ok', 'rejected', 'error'] as const)[i % 3]!,
        latency_ms: random() * 10 ** Math.floor(random() * 6 - 2),
      };
      if (i % 5 === 0) event.reason = `R${i % 7}`;
      if (i % 4 === 3) {
        event.attrs = {
          position: Math.round((random() - 0.5) * 10) / 10,
          equity: 100_000 + (random() - 0.5) * 1000,
          price: Math.round(random() * 1e6) / 100,
        };
      }
      events.push(event);
    }
    for (const event of events) expect(encoded(event)).toBe(formatStageEventLine(event));
  });

  it('writes the same bytes when the cached seconds, step and attribute keys are reused or replaced', () => {
    // A loop's events: four stages a step sharing a second and a step, attrs whose keys come in the same
    // order (the encoder's slot cache) and then in another order or with other keys.
    const events: StageEvent[] = [];
    let ts = 1_704_067_199_998.5;
    for (let step = 1; step <= 400; step++) {
      for (const stage of ['strategy', 'risk', 'exec', 'position']) {
        ts += step % 7 === 0 ? 0.0004 : 0.6105;
        const event: StageEvent = { ts, step, stage, outcome: 'ok', latency_ms: (step % 13) * 0.0371 };
        if (stage === 'position') {
          event.attrs =
            step % 5 === 0
              ? { equity: 100_000 - step / 8, position: step % 3, trading_state: 'HALTED' }
              : { position: (step % 3) - 1, equity: 100_000 + step * 0.125, price: 100 + step / 100 };
        }
        if (stage === 'exec' && step % 3 === 0) event.attrs = { orders: 1, fills: step % 2 };
        events.push(event);
      }
      ts += step % 11 === 0 ? 0 : 997.25; // some steps stay in the same second
    }
    // Seconds that go back (a replay's earlier run), ms below 1000, and the cache's boundary.
    events.push({ ts: 1_704_067_200_999.9995, step: 1, stage: 'risk', outcome: 'ok', latency_ms: 0 });
    events.push({ ts: 1_000, step: 2, stage: 'risk', outcome: 'ok', latency_ms: 2_147_483.648 });
    events.push({ ts: 999.9999, step: 3, stage: 'risk', outcome: 'ok', latency_ms: 2_147_483.647 });
    events.push({ ts: 1_704_067_200_000, step: 4, stage: 'risk', outcome: 'ok', latency_ms: 1e-4 });
    for (const event of events) expect(encoded(event)).toBe(formatStageEventLine(event));
  });

  it('returns -1 instead of writing past the end of the buffer', () => {
    const event: StageEvent = {
      ts: 1,
      step: 1,
      stage: 'exec',
      outcome: 'ok',
      latency_ms: 1,
      detail: 'd'.repeat(500),
    };
    expect(encoded(event, 400)).toBeUndefined();
    expect(
      encoded({ ts: 1, step: 1, stage: 'exec', outcome: 'ok', latency_ms: 1 }, 200, 100),
    ).toBeUndefined();
    expect(encoded(event, 2000, 100)).toBe(formatStageEventLine(event));
  });
});
