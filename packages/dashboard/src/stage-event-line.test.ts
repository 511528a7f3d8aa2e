import { stageEventLineSchema } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { parseStageEventLine } from './stage-event-line.js';

const good = {
  v: 1,
  ts: 1553817600000,
  step: 3,
  stage: 'risk',
  outcome: 'rejected',
  latency_ms: 0.25,
  reason: 'MAX_POSITION',
};

describe('parseStageEventLine', () => {
  it('accepts a valid line', () => {
    const verdict = parseStageEventLine(JSON.stringify({ ...good, attrs: { position: 2, venue: 'paper' } }));
    expect(verdict).toEqual({ ok: true, event: { ...good, attrs: { position: 2, venue: 'paper' } } });
  });

  it('skips torn and non-JSON lines with a reason', () => {
    expect(parseStageEventLine('{"v":1,"ts":15538')).toEqual({
      ok: false,
      reason: 'not JSON (torn or corrupt line)',
    });
  });

  it('names the offending field of a schema mismatch', () => {
    const verdict = parseStageEventLine(JSON.stringify({ ...good, outcome: 'maybe' }));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(/^schema: outcome: /);
  });

  it('agrees with the zod schema on every mutation of a valid line', () => {
    const mutations: Array<[string, unknown]> = [
      ['v', 2],
      ['v', '1'],
      ['ts', 'x'],
      ['ts', null],
      ['step', -1],
      ['step', 1.5],
      ['step', 2 ** 60],
      ['stage', ''],
      ['stage', 'x'.repeat(256)],
      ['stage', 'x'.repeat(257)],
      ['stage', 7],
      ['outcome', 'ok'],
      ['outcome', 'error'],
      ['outcome', 'OK'],
      ['latency_ms', -0.001],
      ['latency_ms', 0],
      ['latency_ms', '1'],
      ['reason', null],
      ['reason', 'r'.repeat(257)],
      ['detail', 'd'.repeat(4096)],
      ['detail', 'd'.repeat(4097)],
      ['attrs', []],
      ['attrs', null],
      ['attrs', { ['k'.repeat(65)]: 1 }],
      ['attrs', { a: true }],
      ['attrs', { a: 's'.repeat(257) }],
      ['attrs', { a: { b: 1 } }],
      ['attrs', {}],
      ['extra', 'ignored'],
    ];
    for (const [key, value] of mutations) {
      const line = JSON.stringify({ ...good, [key]: value });
      const zodAccepts = stageEventLineSchema.safeParse(JSON.parse(line)).success;
      expect({ key, value, ok: parseStageEventLine(line).ok }).toEqual({ key, value, ok: zodAccepts });
    }
    for (const drop of ['v', 'ts', 'step', 'stage', 'outcome', 'latency_ms']) {
      const { [drop]: _dropped, ...rest } = good as Record<string, unknown>;
      expect(parseStageEventLine(JSON.stringify(rest)).ok).toBe(false);
    }
  });
});
