// Historical replay: the tiny fixture (a gap and a malformed row) in strict and skip modes, under the
// simulated and the real clock, and the real BTC-USD day.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argv, loop, REAL_FEED, readRunJson, TINY_FEED, tempDir } from './harness.js';

describe('loop run --feed FILE', () => {
  it('strict: names the file and line of the malformed row, exits 2 and writes nothing', async () => {
    const dir = join(tempDir(), 'strict');
    const r = await loop(['run', '--run-dir', dir, '--feed', TINY_FEED]);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `loop run: --feed: ${TINY_FEED}:11: expected 6 fields, got 3: "1709251710000,103.4,103.5" (--feed-skip-bad-rows skips bad rows)`,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('skip: skips and counts the bad row, counts the gap, and replays the rest', async () => {
    const dir = join(tempDir(), 'skip');
    const r = await loop([
      'run',
      '--run-dir',
      dir,
      '--feed',
      TINY_FEED,
      ...argv('--feed-skip-bad-rows --ma-fast 3 --ma-slow 8'),
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toContain(
      `feed ${TINY_FEED}: 40 candles, 1 gaps (3 missing candles), 1 bad row skipped`,
    );
    const run = readRunJson(dir);
    expect(run.started_at).toBe('2024-03-01T00:00:00.000Z'); // the first candle's time
    expect(run.feed).toEqual({
      kind: 'replay',
      file: TINY_FEED,
      format: 'csv',
      interval_ms: 60_000,
      candles_in_file: 40,
      first_candle_at: '2024-03-01T00:00:00.000Z',
      last_candle_at: '2024-03-01T00:42:00.000Z',
      gaps_in_file: 1,
      missing_intervals_in_file: 3,
      skipped_rows: 1,
      skipped: [{ line: 11, problem: 'expected 6 fields, got 3: "1709251710000,103.4,103.5"' }],
    });
    expect(run.stats).toMatchObject({
      steps: 40,
      feed: { candles: 40, gaps: 1, missing_intervals: 3, skipped_rows: 1 },
    });
    expect(run.stats.fills).toBeGreaterThan(0);
    expect(run.ended_at_ms).toBeGreaterThan(Date.parse('2024-03-01T00:42:00Z'));
  });

  it('skip, real clock: paces the same candles by --step-interval-ms', async () => {
    const dir = join(tempDir(), 'real');
    const args = [
      'run',
      '--run-dir',
      dir,
      ...argv('--clock real --step-interval-ms 5 --feed'),
      TINY_FEED,
      '--feed-skip-bad-rows',
    ];
    const child = loop(args);
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const run = readRunJson(dir);
    expect(run).toMatchObject({
      ended: 'completed',
      clock: 'real',
      pid: child.pid,
      stats: { steps: 40, feed: { gaps: 1 } },
    });
    expect(run.ended_at_ms - run.started_at_ms).toBeGreaterThanOrEqual(39 * 5 - 1);
  });

  it('replays the real BTC-USD day: 1382 candles, 52 gaps, 58 missing minutes', async () => {
    const dir = join(tempDir(), 'btc');
    const r = await loop(['run', '--run-dir', dir, '--feed', REAL_FEED]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const run = readRunJson(dir);
    expect(run.started_at).toBe('2019-03-29T00:00:00.000Z');
    expect(run.stats).toMatchObject({
      steps: 1382,
      feed: { candles: 1382, gaps: 52, missing_intervals: 58, skipped_rows: 0 },
    });
    expect(run.stats.fills).toBeGreaterThan(0);
  });

  it('stops a replay at --max-steps', async () => {
    const dir = join(tempDir(), 'short');
    await loop(['run', '--run-dir', dir, '--feed', REAL_FEED, '--max-steps', '100']);
    expect(readRunJson(dir).stats.steps).toBe(100);
  });
});
