// run.json as `loop run` writes it matches @loop/run-dir's schema: while running, after a simulated run and
// after a replay, and a halted or failed run too.
import { join } from 'node:path';
import { readHeartbeat, readRunRecord, runRecordSchema } from '@loop/run-dir';
import { describe, expect, it } from 'vitest';
import { argv, loop, readRunJson, startLoop, TINY_FEED, tempDir, waitFor } from './harness.js';

describe('run.json and @loop/run-dir', () => {
  it('a simulated run and a replay write documents that match runRecordSchema', async () => {
    const sim = join(tempDir(), 'sim');
    const replay = join(tempDir(), 'replay');
    const [a, b] = await Promise.all([
      loop(['run', '--run-dir', sim, ...argv('--clock simulated --seed 7 --max-steps 200 --enable-metrics')]),
      loop(['run', '--run-dir', replay, '--feed', TINY_FEED, '--feed-skip-bad-rows', '--clock', 'simulated']),
    ]);
    expect(a.exitCode, String(a.stderr)).toBe(0);
    expect(b.exitCode, String(b.stderr)).toBe(0);
    const simRead = await readRunRecord(sim);
    expect(simRead).toMatchObject({
      state: 'valid',
      value: { status: 'ended', ended: 'completed', pid: null },
    });
    const replayRead = await readRunRecord(replay);
    expect(replayRead).toMatchObject({ state: 'valid', value: { feed: { kind: 'replay' } } });
    // Nothing the CLI writes is dropped by the schema (it would be a key the contract does not describe).
    for (const dir of [sim, replay]) {
      const raw = readRunJson(dir);
      expect(Object.keys(runRecordSchema.parse(raw))).toEqual(Object.keys(raw));
      expect(Object.keys(runRecordSchema.parse(raw).stats ?? {})).toEqual(Object.keys(raw.stats));
    }
    expect((await readHeartbeat(sim)).state).toBe('valid');
  });

  it('a running real-clock loop writes a valid `running` record', async () => {
    const dir = join(tempDir(), 'live');
    const live = startLoop(['run', '--run-dir', dir, ...argv('--clock real --step-interval-ms 50 --seed 1')]);
    const parse = () => {
      try {
        return runRecordSchema.safeParse(readRunJson(dir));
      } catch {
        return undefined; // not written yet
      }
    };
    await waitFor(() => parse()?.success === true, 30_000);
    const read = parse();
    expect(read?.data).toMatchObject({ status: 'running', ended: null, exit_code: null });
    live.child.kill('SIGINT');
    const end = await live.done;
    expect(end.exitCode).toBe(0);
    expect(await readRunRecord(dir)).toMatchObject({ state: 'valid', value: { ended: 'signal' } });
  });

  it('a run that fails writes a valid record with its error', async () => {
    const dir = join(tempDir(), 'halt');
    const r = await loop([
      'run',
      '--run-dir',
      dir,
      ...argv('--clock simulated --max-steps 500 --fault-rate 1'),
    ]);
    expect(r.exitCode).not.toBe(0);
    const read = await readRunRecord(dir);
    expect(read.state, JSON.stringify(read)).toBe('valid');
  });
});
