// Same seed and flags -> byte-identical run dirs; another seed -> different files.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argv, loop, readRunDir, TINY_FEED, tempDir } from './harness.js';

async function runDir(args: string[]): Promise<Record<string, Buffer>> {
  const dir = join(tempDir(), 'run');
  const r = await loop(['run', '--run-dir', dir, ...args]);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return readRunDir(dir);
}

const base = [
  ...argv(
    '--clock simulated --exchange paper --max-steps 1500 --fault-rate 0.005 --max-consecutive-errors 100',
  ),
];

describe('loop run determinism', () => {
  it('writes byte-identical files for the same seed, and different ones for another seed', async () => {
    const a = await runDir([...base, '--seed', '7']);
    const b = await runDir([...base, '--seed', '7']);
    const c = await runDir([...base, '--seed', '8']);
    expect(Object.keys(a)).toEqual(['heartbeat', 'run.json']);
    expect(b).toEqual(a);
    expect(Object.keys(c)).toEqual(Object.keys(a));
    expect(c['run.json']!.equals(a['run.json']!)).toBe(false);
  });

  it('holds with metrics on, when this build has them: every file of the run dir', async () => {
    const help = await loop(['run', '--help']);
    if (!String(help.stdout).includes('--enable-metrics')) return;
    const args = [...base, '--enable-metrics', '--metrics-rotate-max-lines', '1000'];
    const a = await runDir([...args, '--seed', '7']);
    const b = await runDir([...args, '--seed', '7']);
    const c = await runDir([...args, '--seed', '8']);
    expect(Object.keys(a).length).toBeGreaterThan(3);
    expect(b).toEqual(a);
    for (const name of Object.keys(a).filter((n) => n !== 'heartbeat')) {
      expect(c[name]?.equals(a[name]!), name).not.toBe(true);
    }
  });

  it('is deterministic for a replay too', async () => {
    const args = ['--feed', TINY_FEED, ...argv('--feed-skip-bad-rows --ma-fast 3 --ma-slow 8 --seed 1')];
    expect(await runDir(args)).toEqual(await runDir(args));
  });
});
