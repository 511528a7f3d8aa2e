// End-to-end: `loop supervise` prints lifecycle events on stderr (the supervisor.log lines), refuses absurd
// durations, and its exit status always agrees with the state file, however early it is stopped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSupervisorState } from '@loop/supervisor/state-schema';
import { describe, expect, it } from 'vitest';
import { argv, startLoop, tempDir, waitFor } from './harness.js';

const EVENT_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ([a-z_]+)(?: |$)/;

describe('loop supervise: lifecycle events on stderr', () => {
  it('prints started, exited, restart and gave up as the very lines of supervisor.log; --quiet prints none', async () => {
    const runDir = tempDir();
    const result = await startLoop([
      'supervise',
      '--run-dir',
      runDir,
      ...argv('--max-restarts 1 --backoff-base-s 0.05 -- sh -c'),
      'exit 4',
    ]).done;
    expect(result.exitCode).toBe(4);
    const lines = result.stderr.trimEnd().split('\n');
    const events = lines.filter((line) => EVENT_LINE.test(line));
    expect(events.map((line) => EVENT_LINE.exec(line)![1])).toEqual([
      'child_start',
      'child_exit',
      'backoff',
      'child_start',
      'child_exit',
      'gave_up',
    ]);
    expect(events[1]).toMatch(/ child_exit pid=\d+ code=4 signal=- uptime_ms=\d+ reason=exit$/);
    expect(events[2]).toMatch(/ backoff attempt=0 delay_ms=50 restarts=1 stable_run=false$/);
    const log = readFileSync(join(runDir, 'supervisor.log'), 'utf8').split('\n');
    for (const line of events) expect(log).toContain(line);
    expect(lines.filter((line) => !EVENT_LINE.test(line))).toEqual([
      'loop supervise: gave up after 1 restarts; last exit status 4',
    ]);

    const quiet = await startLoop([
      'supervise',
      '--run-dir',
      tempDir(),
      ...argv('--quiet --max-restarts 1 --backoff-base-s 0 -- sh -c'),
      'exit 4',
    ]).done;
    expect(quiet.exitCode).toBe(4);
    expect(quiet.stderr).toBe('loop supervise: gave up after 1 restarts; last exit status 4\n');
  });
});

describe('loop supervise: durations', () => {
  it.each([
    '--reset-after-s',
    '--backoff-base-s',
    '--backoff-cap-s',
    '--kill-timeout-s',
    '--heartbeat-timeout-s',
  ])('%s 1e10 exits 2 with one line naming the flag, before anything is written', async (flag) => {
    const runDir = join(tempDir(), 'run');
    const result = await startLoop(['supervise', '--run-dir', runDir, flag, '1e10', '--', 'true']).done;
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^loop supervise: ${flag}: expected at most 2147483 seconds`));
    expect(existsSync(runDir)).toBe(false);
  });
});

describe('loop supervise: a stop right after start', () => {
  it('exit status and the state file agree at every point of the first second', async () => {
    // The child installs its SIGTERM handler only after 0.3 s (as `loop run` does once loaded): stopped before,
    // it dies of the signal (143); after, it exits 0. Either way the stop went as asked.
    const script = 'sleep 0.3; trap "exit 0" TERM; while :; do sleep 0.05; done';
    for (const delayMs of [0, 150, 300, 450, 600, 800, 1000]) {
      const runDir = tempDir();
      const live = startLoop(['supervise', '--run-dir', runDir, '--', 'sh', '-c', script]);
      const statePath = join(runDir, 'supervisor_state.json');
      // From the moment it is supervising (its state file exists), then after the delay.
      await waitFor(() => existsSync(statePath), 20_000);
      await sleep(delayMs);
      live.child.kill('SIGTERM');
      const { exitCode } = await live.done;
      const state = parseSupervisorState(readFileSync(statePath, 'utf8'));
      expect({ delayMs, exitCode, state: state.exit_code }).toEqual({ delayMs, exitCode: 0, state: 0 });
      expect(state).toMatchObject({ status: 'stopped', stop_reason: 'signal', stop_signal: 'SIGTERM' });
    }
  }, 120_000);
});
