// End-to-end: listeners that fail do not change supervision; the stats snapshot follows the child.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_STATE_FILE,
  Supervisor,
  type SupervisorEvent,
  type SupervisorOptions,
} from '../src/index.js';
import { parseSupervisorState } from '../src/state-schema.js';
import { testTempDir } from './temp-dir.js';

const tempDir = () => testTempDir('loop-listeners-');

async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(10);
  }
}

function make(options: Omit<SupervisorOptions, 'runDir' | 'command'> & { command: string[] }) {
  const runDir = tempDir();
  const events: SupervisorEvent[] = [];
  const supervisor = new Supervisor({
    runDir,
    handleSignals: false,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    onEvent: (event) => {
      events.push(event);
    },
    ...options,
  });
  return { runDir, events, supervisor };
}

/** The state file without what differs between two identical runs (pids, times). */
function stableState(runDir: string) {
  const state = parseSupervisorState(readFileSync(join(runDir, SUPERVISOR_STATE_FILE), 'utf8'));
  const { supervisor_pid, started_at, updated_at, child_started_at, ...rest } = state;
  return {
    ...rest,
    exits: state.exits.map(({ pid, started_at, ended_at, uptime_ms, ...exit }) => exit),
  };
}

describe('supervisor listeners', () => {
  it('a listener that throws and one that rejects on every event change nothing, and are counted', async () => {
    // A crash loop with a restart-prevented ending: restarts, backoffs, a stop by decision.
    const script =
      'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 4 ] && exit 3; exit 1';
    const common = {
      maxRestarts: 5,
      backoffBaseS: 0.02,
      backoffCapS: 0.05,
      preventRestartExitStatus: [3],
    };
    const clean = make({ command: ['sh', '-c', script], cwd: tempDir(), ...common });
    const cleanOutcome = await clean.supervisor.run();

    const guarded = make({ command: ['sh', '-c', script], cwd: tempDir(), ...common });
    let thrown = 0;
    let rejected = 0;
    guarded.supervisor.on(() => {
      thrown += 1;
      throw new Error('listener boom');
    });
    guarded.supervisor.on(async () => {
      rejected += 1;
      throw new Error('listener rejects');
    });
    const guardedOutcome = await guarded.supervisor.run();
    await waitFor(() => guarded.supervisor.listenerFailures === thrown + rejected);

    expect(cleanOutcome).toEqual({
      status: 'stopped',
      stopReason: 'restart-prevented',
      exitCode: 3,
      restarts: 3,
    });
    expect(guardedOutcome).toEqual(cleanOutcome);
    expect(guarded.events.map((e) => e.type)).toEqual(clean.events.map((e) => e.type));
    expect(stableState(guarded.runDir)).toEqual(stableState(clean.runDir));
    // Every event reached both failing listeners, and each failure was counted.
    expect(thrown).toBe(guarded.events.length);
    expect(rejected).toBe(guarded.events.length);
    expect(guarded.supervisor.listenerFailures).toBe(2 * guarded.events.length);
    expect(guarded.supervisor.stats().listenerFailures).toBe(2 * guarded.events.length);

    // The log: the same lines as the clean run's, plus one listener_failed line per kind.
    const names = (runDir: string) =>
      readFileSync(join(runDir, SUPERVISOR_LOG_FILE), 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => line.split(' ')[1]);
    const guardedLog = readFileSync(join(guarded.runDir, SUPERVISOR_LOG_FILE), 'utf8');
    expect(
      guardedLog.match(/ listener_failed kind=threw event=supervisor_start error="Error: listener boom"\n/g),
    ).toHaveLength(1);
    expect(guardedLog.match(/ listener_failed kind=rejected /g)).toHaveLength(1);
    expect(names(guarded.runDir).filter((name) => name !== 'listener_failed')).toEqual(names(clean.runDir));
  });

  it('on() returns an unsubscribe; the onEvent option keeps working beside added listeners', async () => {
    const run = make({ command: ['sh', '-c', 'exit 1'], maxRestarts: 2, backoffBaseS: 0 });
    const added: string[] = [];
    const off = run.supervisor.on((event) => {
      added.push(event.type);
      if (event.type === 'child-exited') off();
    });
    await run.supervisor.run();
    expect(added).toEqual(['supervisor-started', 'child-started', 'child-exited']);
    expect(run.events.filter((e) => e.type === 'child-started')).toHaveLength(3);
  });
});

describe('supervisor stats', () => {
  it('follow the child: idle, running with a heartbeat age, backoff with the next start, gave up', async () => {
    const cwd = tempDir();
    // Runs 1 and 2 touch a heartbeat and wait for a go file, then fail; run 3 fails at once.
    const script =
      'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ] && exit 5; ' +
      'touch hb; while [ ! -e go$n ]; do sleep 0.02; done; exit 5';
    const run = make({
      command: ['sh', '-c', script],
      cwd,
      maxRestarts: 2,
      backoffBaseS: 1,
      backoffCapS: 1,
      heartbeatFile: join(cwd, 'hb'),
      heartbeatTimeoutS: 600,
    });
    expect(run.supervisor.stats()).toMatchObject({ status: 'idle', childUp: false, restartsTotal: 0 });
    const done = run.supervisor.run();
    await waitFor(() => run.events.some((e) => e.type === 'child-started'));
    const started = run.events.find((e) => e.type === 'child-started');
    const up = run.supervisor.stats();
    expect(up).toMatchObject({
      status: 'running',
      childUp: true,
      childPid: started?.type === 'child-started' ? started.pid : -1,
      restartsTotal: 0,
      lastExitStatus: null,
      backoffDelayMs: null,
      nextStartInMs: null,
      gaveUp: false,
    });
    expect(up.childUptimeMs).toBeGreaterThanOrEqual(0);
    expect(up.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
    writeFileSync(join(cwd, 'go1'), '');
    await waitFor(() => run.events.some((e) => e.type === 'restart-scheduled'));
    const backoff = run.supervisor.stats();
    expect(backoff).toMatchObject({
      status: 'backoff',
      childUp: false,
      childPid: null,
      childUptimeMs: null,
      heartbeatAgeMs: null,
      restartsTotal: 1,
      attempt: 0,
      lastExitCode: 5,
      lastSignal: null,
      lastExitStatus: 5,
      backoffDelayMs: 1000,
    });
    expect(backoff.nextStartInMs).toBeGreaterThan(0);
    expect(backoff.nextStartInMs).toBeLessThanOrEqual(1000);
    await waitFor(() => run.events.filter((e) => e.type === 'child-started').length === 2);
    writeFileSync(join(cwd, 'go2'), '');
    const outcome = await done;
    expect(outcome).toEqual({ status: 'gave_up', stopReason: null, exitCode: 5, restarts: 2 });
    expect(run.supervisor.stats()).toMatchObject({
      status: 'gave_up',
      gaveUp: true,
      childUp: false,
      restartsTotal: 2,
      attempt: 1,
      lastExitCode: 5,
      lastExitStatus: 5,
      backoffDelayMs: 1000,
      nextStartInMs: null,
      watchdogKillsTotal: 0,
      listenerFailures: 0,
      stateWriteFailures: 0,
    });
  });
});
