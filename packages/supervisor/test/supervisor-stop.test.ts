// A stop at any moment of the first second: the state file's exit_code is the supervisor's exit status.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  SUPERVISOR_CHILD_FILE,
  SUPERVISOR_STATE_FILE,
  Supervisor,
  supervisorExitStatus,
} from '../src/index.js';
import { parseSupervisorState } from '../src/state-schema.js';
import { testTempDir } from './temp-dir.js';

describe('a stop right after start', () => {
  it('state exit_code, the outcome and the exit status agree at 21 points in the first second', async () => {
    // SIGTERM kills the child before 0.3 s (status 143) and is trapped after (status 0).
    const script = 'sleep 0.3; trap "exit 0" TERM; while :; do sleep 0.05; done';
    const seen = new Set<number>();
    for (let delayMs = 0; delayMs <= 1000; delayMs += 50) {
      const runDir = testTempDir('loop-stop-');
      const supervisor = new Supervisor({
        command: ['sh', '-c', script],
        runDir,
        handleSignals: false,
        stdout: new PassThrough(),
        stderr: new PassThrough(),
      });
      const done = supervisor.run();
      await sleep(delayMs);
      supervisor.stop('SIGTERM');
      const outcome = await done;
      const state = parseSupervisorState(readFileSync(join(runDir, SUPERVISOR_STATE_FILE), 'utf8'));
      seen.add(outcome.exitCode);
      expect(outcome.stopReason).toBe('signal');
      expect(supervisorExitStatus(outcome)).toBe(0);
      expect(state).toMatchObject({ status: 'stopped', stop_reason: 'signal', exit_code: 0 });
      // The child's own status is kept where it belongs.
      if (state.exits.length > 0) expect(state.exits.at(-1)!.status).toBe(outcome.exitCode);
      expect(existsSync(join(runDir, SUPERVISOR_CHILD_FILE))).toBe(false);
    }
    // Both sides of the race were exercised (killed by the signal, and a clean exit on it).
    expect(seen.has(0)).toBe(true);
  }, 120_000);

  it('a child SIGKILLed at the kill timeout still says so: exit status 137 in the state and the outcome', async () => {
    const runDir = testTempDir('loop-stop-');
    const supervisor = new Supervisor({
      command: ['sh', '-c', 'trap "" TERM; : > ready; while :; do sleep 0.05; done'],
      runDir,
      cwd: runDir,
      handleSignals: false,
      killTimeoutS: 0.3,
    });
    const done = supervisor.run();
    // Only once the child ignores SIGTERM (a loaded machine may take a while to start sh).
    const until = Date.now() + 20_000;
    while (!existsSync(join(runDir, 'ready')) && Date.now() < until) await sleep(10);
    supervisor.stop('SIGTERM');
    const outcome = await done;
    expect(supervisorExitStatus(outcome)).toBe(137);
    expect(parseSupervisorState(readFileSync(join(runDir, SUPERVISOR_STATE_FILE), 'utf8')).exit_code).toBe(
      137,
    );
  });
});
