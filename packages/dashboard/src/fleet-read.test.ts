import { readRunHealth } from '@loop/run-dir';
import { describe, expect, it } from 'vitest';
import {
  ndjson,
  runDir,
  runRecordOf,
  stageEvents,
  summaryOf,
} from '../../run-dir/test-support/run-dir-fixture.js';
import { readFleet } from './fleet-dashboard.js';

// One wall clock for both reads (the heartbeat's age is measured against it).
const NOW = Date.now();

/**
 * A run dir with three process lifetimes across a rotated file and the current one, and every kind of bad
 * line between the events: corrupt JSON, blank and whitespace-only lines, bytes that are not UTF-8, lines off
 * the schema (which the fast check refuses and zod explains), events with extra keys, and a torn last line.
 */
async function trickyRunDir(): Promise<string> {
  const first = stageEvents(12);
  const second = stageEvents(6); // restarted: steps from 1 again
  const third = stageEvents(3).map((e) =>
    e.stage === 'position'
      ? { ...e, attrs: { ...e.attrs, trading_state: 'REDUCING', trading_state_reason: 'MAX_LOSS: pnl=-5' } }
      : e,
  );
  const rotated = Buffer.concat([
    Buffer.from(ndjson(first.slice(0, 20))),
    Buffer.from('{"v":1,"ts":17,"step":\n\n   \n'),
    Buffer.from([0xff, 0xfe, 0x7b, 0x7d, 0x0a]), // not UTF-8
    Buffer.from(`${JSON.stringify({ ...first[20], outcome: 'maybe' })}\n`),
    Buffer.from(`${JSON.stringify({ ...first[21], step: -1 })}\n`),
    Buffer.from(`${JSON.stringify({ ...first[22], extra: { nested: true } })}\n`),
    Buffer.from(ndjson(first.slice(23))),
    Buffer.from(ndjson(second.slice(0, 10))),
  ]);
  const current = [
    ndjson(second.slice(10)),
    '[1,2,3]\n',
    `${JSON.stringify({ ...second[0], v: 2 })}\n`,
    ndjson(third),
    '{"v":1,"ts":1553817600000,"step":4,"sta', // torn by a crash: no newline
  ].join('');
  return runDir({
    metrics: [current],
    files: { 'metrics.ndjson.1': rotated },
    run: runRecordOf({
      status: 'running',
      ended: null,
      exit_code: null,
      ended_at: null,
      ended_at_ms: null,
      clock: 'real',
    }),
    summary: summaryOf(),
    heartbeat: { ageMs: 120_000 },
  });
}

describe('readFleet reads each run dir by the fast path', () => {
  it('decides the same health as readRunHealth with readEvents and zod on every line', async () => {
    const dir = await trickyRunDir();
    const fast = (await readFleet([dir], { nowMs: NOW })).runs[0]!.health;
    const zod = await readRunHealth(dir, { nowMs: NOW });
    expect(fast).toEqual(zod);
    // The run dir is as tricky as it says: three lifetimes, the bad lines left out, the third one REDUCING.
    expect(fast.lifetimes.totals).toEqual({ lifetimes: 3, steps: 21, events: 82, rejections: 1, errors: 1 });
    expect(fast.lifetimes.list.map((l) => [l.startFile, l.startLine])).toEqual([
      ['metrics.ndjson.1', 1],
      ['metrics.ndjson.1', 53],
      ['metrics.ndjson', 17],
    ]);
    expect(fast.tradingState).toBe('REDUCING');
    expect(fast.status).toBe('stale');
  });

  it('agrees on a run dir the files of which cannot be read, and on one with no files at all', async () => {
    const unreadable = await runDir({
      files: { 'metrics.ndjson': { kind: 'symlink', target: 'metrics.ndjson' } },
    });
    const empty = await runDir({});
    for (const dir of [unreadable, empty]) {
      const fast = (await readFleet([dir], { nowMs: NOW })).runs[0]!.health;
      const zod = await readRunHealth(dir, { nowMs: NOW });
      expect({ ...fast, problems: fast.problems.length }).toEqual({ ...zod, problems: zod.problems.length });
    }
  });
});
