// End-to-end: a real Supervisor running real child processes (sh -c), observed through its events and files.
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isProcessAlive,
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_STATE_FILE,
  type SupervisionOutcome,
  Supervisor,
  type SupervisorEvent,
  type SupervisorEventOf,
  type SupervisorEventType,
  type SupervisorOptions,
} from '../src/index.js';
import { parseSupervisorState } from '../src/state-schema.js';
import { testTempDir } from './temp-dir.js';

const running: Supervisor[] = [];
const pids: number[] = [];

afterEach(async () => {
  for (const supervisor of running.splice(0)) supervisor.stop('SIGKILL');
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function tempDir(): string {
  return testTempDir('loop-supervise-');
}

interface Supervised {
  supervisor: Supervisor;
  events: SupervisorEvent[];
  output: () => string;
  done: Promise<SupervisionOutcome>;
}

function start(options: Omit<SupervisorOptions, 'runDir'> & { runDir?: string }): Supervised {
  const events: SupervisorEvent[] = [];
  const stdout = new PassThrough();
  let output = '';
  stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const supervisor = new Supervisor({
    runDir: tempDir(),
    handleSignals: false,
    stdout,
    stderr: stdout,
    ...options,
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'child-started') pids.push(event.pid);
    },
  });
  running.push(supervisor);
  return { supervisor, events, output: () => output, done: supervisor.run() };
}

const ofType = <T extends SupervisorEventType>(events: SupervisorEvent[], type: T) =>
  events.filter((e): e is SupervisorEventOf<T> => e.type === type);

function readState(runDir: string) {
  return parseSupervisorState(readFileSync(join(runDir, SUPERVISOR_STATE_FILE), 'utf8'));
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe('restart and backoff', () => {
  it('observed delays follow min(cap, base * 2^n), then it gives up with the last exit code', async () => {
    const runDir = tempDir();
    const run = start({
      runDir,
      command: ['sh', '-c', 'exit 3'],
      maxRestarts: 4,
      backoffBaseS: 0.1,
      backoffCapS: 0.4,
    });
    const outcome = await run.done;
    expect(outcome).toEqual({ status: 'gave_up', stopReason: null, exitCode: 3, restarts: 4 });
    const expected = [100, 200, 400, 400];
    expect(ofType(run.events, 'restart-scheduled').map((e) => e.delayMs)).toEqual(expected);
    const exits = ofType(run.events, 'child-exited');
    const starts = ofType(run.events, 'child-started');
    expect(starts).toHaveLength(5);
    expected.forEach((delay, n) => {
      const gap = starts[n + 1]!.monotonicMs - exits[n]!.monotonicMs;
      expect(gap).toBeGreaterThanOrEqual(delay - 2);
      expect(gap).toBeLessThan(delay + 300);
    });
    const state = readState(runDir);
    expect(state).toMatchObject({
      status: 'gave_up',
      restarts: 4,
      exit_code: 3,
      last_exit_code: 3,
      attempt: 3,
    });
    expect(state.last_delay_ms).toBe(400);
    expect(state.exits.map((e) => e.status)).toEqual([3, 3, 3, 3, 3]);
  });

  it('honours max-restarts with zero backoff (restart at once) and with zero restarts', async () => {
    const many = start({ command: ['sh', '-c', 'exit 7'], maxRestarts: 3, backoffBaseS: 0, backoffCapS: 0 });
    expect(await many.done).toEqual({ status: 'gave_up', stopReason: null, exitCode: 7, restarts: 3 });
    expect(ofType(many.events, 'child-started')).toHaveLength(4);
    const none = start({ command: ['sh', '-c', 'exit 7'], maxRestarts: 0 });
    expect(await none.done).toEqual({ status: 'gave_up', stopReason: null, exitCode: 7, restarts: 0 });
    expect(ofType(none.events, 'child-started')).toHaveLength(1);
  });

  it('a run that lasted reset-after-s restarts at attempt 0 again', async () => {
    const runDir = tempDir();
    // Runs 1, 2, 4, 5 fail at once; run 3 is stable (0.8 s > reset-after 0.5 s) and then fails.
    const script =
      'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -eq 3 ] && sleep 0.8; exit 1';
    const run = start({
      runDir,
      cwd: runDir,
      command: ['sh', '-c', script],
      maxRestarts: 2,
      backoffBaseS: 0.1,
      backoffCapS: 10,
      resetAfterS: 0.5,
    });
    expect(await run.done).toMatchObject({ status: 'gave_up', exitCode: 1, restarts: 4 });
    const backoffs = ofType(run.events, 'restart-scheduled');
    expect(backoffs.map((e) => e.delayMs)).toEqual([100, 200, 100, 200]);
    expect(backoffs.map((e) => e.stableRun)).toEqual([false, false, true, false]);
    expect(readFileSync(join(runDir, 'count'), 'utf8').trim()).toBe('5');
  });

  it.each([
    ['on-failure', 'stopped', 'clean-exit', 1, 0],
    ['never', 'stopped', 'policy-never', 1, 0],
    ['always', 'gave_up', null, 3, 2],
  ] as const)(
    'restart %s on exit 0: %s (%s) after %i runs',
    async (restart, status, stopReason, runs, restarts) => {
      const run = start({ command: ['sh', '-c', 'exit 0'], restart, maxRestarts: 2, backoffBaseS: 0 });
      expect(await run.done).toEqual({ status, stopReason, exitCode: 0, restarts });
      expect(ofType(run.events, 'child-started')).toHaveLength(runs);
    },
  );

  it('restart never ends after a failure with the child status', async () => {
    const run = start({ command: ['sh', '-c', 'exit 5'], restart: 'never' });
    expect(await run.done).toEqual({
      status: 'stopped',
      stopReason: 'policy-never',
      exitCode: 5,
      restarts: 0,
    });
  });

  it('a command that disappears is a failed run with status 127, not a crash', async () => {
    const dir = tempDir();
    const script = join(dir, 'bot.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    const supervisor = new Supervisor({
      command: [script],
      runDir: join(dir, 'run'),
      restart: 'never',
      handleSignals: false,
    });
    rmSync(script);
    expect(await supervisor.run()).toEqual({
      status: 'stopped',
      stopReason: 'policy-never',
      exitCode: 127,
      restarts: 0,
    });
    expect(readState(join(dir, 'run')).exits[0]).toMatchObject({ reason: 'spawn-error', status: 127 });
  });
});

describe('prevent restart exit status', () => {
  it('restart always: exit 4 is restarted, exit 3 is not; stopped with 3, and the state and log say why', async () => {
    const runDir = tempDir();
    // Runs 1 and 2 exit 4, run 3 exits 3 (as `loop run` does when its kill switch halts trading).
    const script =
      'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -lt 3 ] && exit 4; exit 3';
    const run = start({
      runDir,
      cwd: runDir,
      command: ['sh', '-c', script],
      restart: 'always',
      backoffBaseS: 0,
      preventRestartExitStatus: [3],
    });
    expect(await run.done).toEqual({
      status: 'stopped',
      stopReason: 'restart-prevented',
      exitCode: 3,
      restarts: 2,
    });
    expect(ofType(run.events, 'child-started')).toHaveLength(3);
    expect(readFileSync(join(runDir, 'count'), 'utf8').trim()).toBe('3');
    const state = readState(runDir);
    expect(state).toMatchObject({
      status: 'stopped',
      stop_reason: 'restart-prevented',
      prevent_restart_exit_status: [3],
      exit_code: 3,
      last_exit_code: 3,
      restarts: 2,
      child_pid: null,
    });
    expect(state.exits.map((e) => e.status)).toEqual([4, 4, 3]);
    const log = readFileSync(join(runDir, SUPERVISOR_LOG_FILE), 'utf8');
    const lastPid = state.exits[2]!.pid;
    expect(log).toMatch(
      new RegExp(
        `restart_prevented pid=${lastPid} code=3 prevent_restart_exit_status=3 restart=always restarts=2\n`,
      ),
    );
    expect(log).toMatch(
      /supervisor_exit status=stopped stop_reason=restart-prevented exit_code=3 restarts=2\n/,
    );
  });

  it('an unlisted code is still restarted until max-restarts; by default nothing is prevented', async () => {
    const listed = start({
      command: ['sh', '-c', 'exit 4'],
      restart: 'always',
      maxRestarts: 2,
      backoffBaseS: 0,
      preventRestartExitStatus: [3],
    });
    expect(await listed.done).toEqual({ status: 'gave_up', stopReason: null, exitCode: 4, restarts: 2 });
    expect(ofType(listed.events, 'restart-prevented')).toHaveLength(0);
    const unlisted = start({ command: ['sh', '-c', 'exit 3'], maxRestarts: 1, backoffBaseS: 0 });
    expect(await unlisted.done).toEqual({ status: 'gave_up', stopReason: null, exitCode: 3, restarts: 1 });
    expect(ofType(unlisted.events, 'child-started')).toHaveLength(2);
  });

  it('a bad code is refused before anything is written', () => {
    const runDir = join(tempDir(), 'run');
    expect(() => new Supervisor({ command: ['true'], runDir, preventRestartExitStatus: [3, 300] })).toThrow(
      /preventRestartExitStatus: expected exit codes from 0 to 255, got 300/,
    );
    expect(existsSync(runDir)).toBe(false);
  });
});

describe('stopping', () => {
  it('forwards the stop signal; a child that handles it exits cleanly and no SIGKILL is needed', async () => {
    const runDir = tempDir();
    const run = start({
      runDir,
      cwd: runDir,
      command: [
        'sh',
        '-c',
        'trap "echo got-term > marker; exit 0" TERM; echo ready > ready; while :; do sleep 0.05; done',
      ],
      killTimeoutS: 5,
    });
    await waitFor(() => existsSync(join(runDir, 'ready')));
    run.supervisor.stop('SIGTERM');
    expect(await run.done).toEqual({ status: 'stopped', stopReason: 'signal', exitCode: 0, restarts: 0 });
    expect(readFileSync(join(runDir, 'marker'), 'utf8').trim()).toBe('got-term');
    expect(ofType(run.events, 'group-killed')).toHaveLength(0);
    expect(readState(runDir)).toMatchObject({ status: 'stopped', stop_signal: 'SIGTERM', exit_code: 0 });
  });

  it('wakes a stopped (SIGSTOP) child so it handles SIGTERM at once instead of waiting for the kill timeout', async () => {
    const runDir = tempDir();
    const run = start({ runDir, command: ['sleep', '300'], killTimeoutS: 10 });
    await waitFor(() => ofType(run.events, 'child-started').length === 1);
    const child = Number(ofType(run.events, 'child-started')[0]!.pid);
    process.kill(child, 'SIGSTOP');
    const stopAt = performance.now();
    run.supervisor.stop('SIGTERM');
    expect(await run.done).toEqual({ status: 'stopped', stopReason: 'signal', exitCode: 143, restarts: 0 });
    expect(performance.now() - stopAt).toBeLessThan(5_000); // not the 10 s kill timeout
    expect(ofType(run.events, 'group-killed')).toHaveLength(0);
  });

  it('kills a child that ignores SIGTERM after the timeout, together with its grandchild', async () => {
    const runDir = tempDir();
    const run = start({
      runDir,
      cwd: runDir,
      command: ['sh', '-c', 'trap "" TERM; sleep 300 & echo $! > grandchild.pid; wait'],
      killTimeoutS: 0.5,
    });
    await waitFor(
      () =>
        existsSync(join(runDir, 'grandchild.pid')) &&
        readFileSync(join(runDir, 'grandchild.pid'), 'utf8').endsWith('\n'),
    );
    const grandchild = Number(readFileSync(join(runDir, 'grandchild.pid'), 'utf8'));
    pids.push(grandchild);
    const child = Number(ofType(run.events, 'child-started')[0]!.pid);
    expect(isProcessAlive(child)).toBe(true);
    expect(isProcessAlive(grandchild)).toBe(true);
    const stopAt = performance.now();
    run.supervisor.stop('SIGTERM');
    const outcome = await run.done;
    expect(performance.now() - stopAt).toBeGreaterThanOrEqual(450);
    expect(outcome).toEqual({ status: 'stopped', stopReason: 'signal', exitCode: 137, restarts: 0 });
    expect(ofType(run.events, 'group-killed')).toHaveLength(1);
    expect(isProcessAlive(child)).toBe(false);
    expect(isProcessAlive(grandchild)).toBe(false);
  });

  it('cleans up what a child left running in its group before restarting', async () => {
    const runDir = tempDir();
    const run = start({
      runDir,
      cwd: runDir,
      command: ['sh', '-c', 'sleep 300 & echo $! > grandchild.pid; exit 1'],
      restart: 'never',
      killTimeoutS: 2,
    });
    expect(await run.done).toMatchObject({ status: 'stopped', exitCode: 1 });
    const grandchild = Number(readFileSync(join(runDir, 'grandchild.pid'), 'utf8'));
    pids.push(grandchild);
    expect(ofType(run.events, 'group-leftover')).toHaveLength(1);
    expect(isProcessAlive(grandchild)).toBe(false);
  });

  it('a stop during the backoff cancels the restart', async () => {
    const run = start({ command: ['sh', '-c', 'exit 4'], backoffBaseS: 30 });
    await waitFor(() => ofType(run.events, 'restart-scheduled').length === 1);
    run.supervisor.stop('SIGINT');
    expect(await run.done).toEqual({ status: 'stopped', stopReason: 'signal', exitCode: 4, restarts: 1 });
    expect(ofType(run.events, 'child-started')).toHaveLength(1);
  });
});

describe('hang watchdog', () => {
  it('stops a child whose heartbeat goes stale and restarts it', async () => {
    const runDir = tempDir();
    const run = start({
      runDir,
      cwd: runDir,
      command: ['sh', '-c', 'touch heartbeat; exec sleep 300'],
      heartbeatTimeoutS: 0.4,
      killTimeoutS: 1,
      maxRestarts: 1,
      backoffBaseS: 0,
    });
    expect(await run.done).toEqual({ status: 'gave_up', stopReason: null, exitCode: 124, restarts: 1 });
    expect(ofType(run.events, 'watchdog-kill')).toHaveLength(2);
    const starts = ofType(run.events, 'child-started').map((e) => e.pid);
    expect(starts).toHaveLength(2);
    for (const pid of starts) expect(isProcessAlive(pid)).toBe(false);
    const state = readState(runDir);
    expect(state.exits.map((e) => [e.reason, e.signal, e.status])).toEqual([
      ['watchdog', 'SIGTERM', 124],
      ['watchdog', 'SIGTERM', 124],
    ]);
    // It did beat once per start, so this is a hang, not a wrong --heartbeat-file: no hint.
    expect(ofType(run.events, 'watchdog-kill').map((e) => e.heartbeatSeen)).toEqual([true, true]);
    expect(run.output()).not.toContain('was not touched');
  });

  it('ages the heartbeat on the monotonic clock: a beat stamped in the future (wall clock stepped back) still times out', async () => {
    const runDir = tempDir();
    const run = start({
      runDir,
      cwd: runDir,
      // One beat whose mtime is an hour ahead of the wall clock, then a hang.
      command: ['sh', '-c', 'touch -d "@$(( $(date +%s) + 3600 ))" heartbeat; exec sleep 300'],
      heartbeatTimeoutS: 0.4,
      killTimeoutS: 1,
      maxRestarts: 0,
    });
    expect(await run.done).toEqual({ status: 'gave_up', stopReason: null, exitCode: 124, restarts: 0 });
    expect(ofType(run.events, 'watchdog-kill').map((e) => e.heartbeatSeen)).toEqual([true]);
  });

  it('says so when the child never touched the heartbeat file (a wrong --heartbeat-file, most likely)', async () => {
    const runDir = tempDir();
    const run = start({
      runDir,
      cwd: runDir,
      command: ['sh', '-c', 'touch elsewhere; exec sleep 300'],
      heartbeatFile: join(runDir, 'heartbeat'),
      heartbeatTimeoutS: 0.4,
      killTimeoutS: 1,
      restart: 'never',
    });
    expect(await run.done).toMatchObject({ status: 'stopped', exitCode: 124 });
    expect(ofType(run.events, 'watchdog-kill').map((e) => e.heartbeatSeen)).toEqual([false]);
    expect(run.output()).toContain(`${join(runDir, 'heartbeat')} was not touched since the command started`);
    expect(run.output()).toContain('--heartbeat-file');
  });

  it('leaves a child that keeps beating alone', async () => {
    const runDir = tempDir();
    const run = start({
      runDir,
      cwd: runDir,
      command: ['sh', '-c', 'i=0; while [ $i -lt 25 ]; do touch beat; sleep 0.1; i=$((i+1)); done; exit 0'],
      heartbeatFile: join(runDir, 'beat'),
      // Shorter than the run (2.5 s): a child that stopped beating would be caught.
      heartbeatTimeoutS: 1,
    });
    expect(await run.done).toEqual({ status: 'stopped', stopReason: 'clean-exit', exitCode: 0, restarts: 0 });
    expect(ofType(run.events, 'watchdog-kill')).toHaveLength(0);
  });
});

describe('state file, logs and lock', () => {
  it('the state file is valid JSON of the schema at every moment a reader polls it', async () => {
    const runDir = tempDir();
    const path = join(runDir, SUPERVISOR_STATE_FILE);
    const run = start({ runDir, command: ['sh', '-c', 'exit 1'], maxRestarts: 60, backoffBaseS: 0 });
    let finished = false;
    void run.done.then(() => {
      finished = true;
    });
    let reads = 0;
    let lastRestarts = 0;
    const statuses = new Set<string>();
    while (!finished) {
      if (existsSync(path)) {
        const state = parseSupervisorState(readFileSync(path, 'utf8'));
        expect(state.restarts).toBeGreaterThanOrEqual(lastRestarts);
        lastRestarts = state.restarts;
        statuses.add(state.status);
        reads += 1;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await run.done;
    expect(reads).toBeGreaterThan(50);
    expect(readState(runDir)).toMatchObject({ status: 'gave_up', restarts: 60 });
    expect(readState(runDir).exits).toHaveLength(20);
    expect(statuses.has('running')).toBe(true);
  });

  it('supervisor.log is only appended to, across runs, one ISO-timed line an event', async () => {
    const runDir = tempDir();
    const logPath = join(runDir, SUPERVISOR_LOG_FILE);
    await start({ runDir, command: ['sh', '-c', 'exit 1'], maxRestarts: 2, backoffBaseS: 0 }).done;
    const first = readFileSync(logPath, 'utf8');
    const second = start({
      runDir,
      command: ['sh', '-c', 'exit 1'],
      maxRestarts: 20,
      backoffBaseS: 0.01,
      backoffCapS: 0.02,
    });
    let previous = first;
    let finished = false;
    void second.done.then(() => {
      finished = true;
    });
    while (!finished) {
      const now = readFileSync(logPath, 'utf8');
      expect(now.startsWith(previous)).toBe(true);
      previous = now;
      await sleep(5);
    }
    const all = readFileSync(logPath, 'utf8');
    expect(all.startsWith(first)).toBe(true);
    const lines = all.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [a-z_]+( |$)/);
    expect(lines.filter((l) => / supervisor_start /.test(l))).toHaveLength(2);
    expect(lines.filter((l) => / supervisor_exit /.test(l))).toHaveLength(2);
  });

  it('child output passes through and --child-log appends it across restarts', async () => {
    const runDir = tempDir();
    const childLog = join(runDir, 'child.log');
    writeFileSync(childLog, 'earlier\n');
    const run = start({
      runDir,
      childLog,
      command: ['sh', '-c', 'echo out; echo err >&2; exit 1'],
      maxRestarts: 1,
      backoffBaseS: 0,
    });
    await run.done;
    const log = readFileSync(childLog, 'utf8');
    expect(log.startsWith('earlier\n')).toBe(true);
    expect(log.match(/^out$/gm)).toHaveLength(2);
    expect(log.match(/^err$/gm)).toHaveLength(2);
    expect(run.output().match(/out/g)).toHaveLength(2);
  });

  it('creates the folders of a --child-log that do not exist yet', async () => {
    const runDir = tempDir();
    const childLog = join(runDir, 'logs', 'bot', 'child.log');
    const run = start({ runDir, childLog, command: ['sh', '-c', 'echo hello'] });
    expect(await run.done).toMatchObject({ status: 'stopped', exitCode: 0 });
    expect(readFileSync(childLog, 'utf8')).toBe('hello\n');
  });

  it('one supervisor per run dir: a second one is refused and writes nothing', async () => {
    const runDir = tempDir();
    const first = start({ runDir, command: ['sleep', '300'], killTimeoutS: 1 });
    await waitFor(() => ofType(first.events, 'child-started').length === 1);
    await waitFor(
      () => existsSync(join(runDir, SUPERVISOR_STATE_FILE)) && readState(runDir).status === 'running',
    );
    const stateBefore = readFileSync(join(runDir, SUPERVISOR_STATE_FILE), 'utf8');
    const logBefore = readFileSync(join(runDir, SUPERVISOR_LOG_FILE), 'utf8');
    const second = new Supervisor({ runDir, command: ['true'], handleSignals: false });
    await expect(second.run()).rejects.toMatchObject({ code: 'LOOP_SUPERVISOR_LOCKED' });
    expect(readFileSync(join(runDir, SUPERVISOR_STATE_FILE), 'utf8')).toBe(stateBefore);
    expect(readFileSync(join(runDir, SUPERVISOR_LOG_FILE), 'utf8')).toBe(logBefore);
    first.supervisor.stop();
    expect(await first.done).toMatchObject({ status: 'stopped', exitCode: 143 });
  });

  it('a missing command is refused before the run dir is created', () => {
    const runDir = join(tempDir(), 'never-created');
    expect(() => new Supervisor({ runDir, command: ['no-such-command-for-loop'] })).toThrowError(
      expect.objectContaining({ code: 'LOOP_SUPERVISOR_COMMAND_NOT_FOUND' }),
    );
    expect(existsSync(runDir)).toBe(false);
  });
});
