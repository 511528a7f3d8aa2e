// End-to-end: `loop supervise --heartbeat-timeout-s N -- loop run ...` works out of the box, hang included.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@loop/supervisor';
import { parseSupervisorState } from '@loop/supervisor/state-schema';
import { expect, it } from 'vitest';
import { argv, BIN, killAfterTest, startLoop, tempDir, waitFor } from './harness.js';

it('restarts a `loop run` whose heartbeat stops (frozen with SIGSTOP), and stops it cleanly on SIGTERM', async () => {
  const runDir = tempDir();
  const statePath = join(runDir, 'supervisor_state.json');
  const logPath = join(runDir, 'supervisor.log');
  const state = () => parseSupervisorState(readFileSync(statePath, 'utf8'));
  const supervisor = startLoop(
    [
      'supervise',
      '--run-dir',
      runDir,
      // 4 s: long enough that a loaded machine's slow Node start (the age counts from the spawn) or a starved
      // beat is not taken for a hang; the frozen child below is still found well inside the waits.
      ...argv('--heartbeat-timeout-s 4 --kill-timeout-s 1 --backoff-base-s 0 --'),
      process.execPath,
      BIN,
      'run',
      '--run-dir',
      runDir,
      ...argv('--clock real --step-interval-ms 100'),
    ],
    { quiet: true },
  );
  await waitFor(
    () => existsSync(statePath) && state().status === 'running' && existsSync(join(runDir, 'heartbeat')),
    60_000,
  );
  const first = state().child_pid!;
  killAfterTest(first);
  // Beating: the watchdog leaves it alone while its heartbeat moves on (two seconds of beats, by the file's clock).
  const beat = () => statSync(join(runDir, 'heartbeat')).mtimeMs;
  const firstBeat = beat();
  await waitFor(() => beat() >= firstBeat + 2000, 60_000);
  expect(state().child_pid).toBe(first);
  process.kill(first, 'SIGSTOP');
  await waitFor(
    () => existsSync(statePath) && state().status === 'running' && state().child_pid !== first,
    60_000,
  );
  const second = state().child_pid!;
  killAfterTest(second);
  expect(isProcessAlive(first)).toBe(false);
  expect(state().exits[0]).toMatchObject({ pid: first, reason: 'watchdog', status: 124 });
  const log = readFileSync(logPath, 'utf8');
  expect(log).toMatch(new RegExp(`watchdog_hung pid=${first} `));
  // Woken with SIGCONT after the SIGTERM, the frozen run normally stops cleanly (code 0); a SIGKILL at the
  // 1 s kill timeout is allowed here for a machine under load (the supervisor's own tests time the SIGCONT).
  expect(log).toMatch(
    new RegExp(`child_exit pid=${first} (code=0 signal=-|code=- signal=SIGKILL) .*reason=watchdog`),
  );
  // The new run beats again, then a SIGTERM ends it the way `loop run` ends: cleanly, exit 0.
  const beatBeforeSecond = beat();
  await waitFor(() => beat() > beatBeforeSecond, 60_000);
  supervisor.child.kill('SIGTERM');
  expect((await supervisor.done).exitCode).toBe(0);
  expect(isProcessAlive(second)).toBe(false);
  expect(state()).toMatchObject({ status: 'stopped', exit_code: 0, restarts: 1, stop_signal: 'SIGTERM' });
}, 180_000);

it('--prevent-restart-exit-status 3: a `loop run` halted by its kill switch is started once, and exit 3 stands', async () => {
  const runDir = tempDir();
  const botDir = join(runDir, 'bot');
  const supervisor = startLoop([
    'supervise',
    '--run-dir',
    runDir,
    ...argv('--restart always --backoff-base-s 0 --max-restarts 3 --prevent-restart-exit-status 3 --'),
    process.execPath,
    BIN,
    'run',
    '--run-dir',
    botDir,
    ...argv('--fault-rate 1 --max-consecutive-errors 2 --max-steps 50'),
  ]);
  const { exitCode, stdout, stderr } = await supervisor.done;
  expect(exitCode).toBe(3);
  // The child really was halted by its kill switch (its own summary), and nothing undid it.
  expect(stdout).toMatch(/HALTED by the kill switch/);
  expect(stderr).toMatch(/not restarting: exit status 3 is in --prevent-restart-exit-status/);
  const state = parseSupervisorState(readFileSync(join(runDir, 'supervisor_state.json'), 'utf8'));
  expect(state).toMatchObject({
    status: 'stopped',
    stop_reason: 'restart-prevented',
    exit_code: 3,
    restarts: 0,
  });
  expect(state.exits).toHaveLength(1);
  expect(state.exits[0]).toMatchObject({ code: 3, status: 3, reason: 'exit' });
  const log = readFileSync(join(runDir, 'supervisor.log'), 'utf8');
  expect(log.match(/ child_start /g)).toHaveLength(1);
  expect(log).toMatch(/ restart_prevented pid=\d+ code=3 prevent_restart_exit_status=3 restart=always /);
  expect(existsSync(join(botDir, 'run.json'))).toBe(true);
});
