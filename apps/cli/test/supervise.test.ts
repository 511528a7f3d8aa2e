// End-to-end: `loop supervise` as a real process, with real signals, real children and its files on disk.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@loop/supervisor';
import { parseSupervisorState } from '@loop/supervisor/state-schema';
import { describe, expect, it } from 'vitest';
import { argv, BIN, killAfterTest, type Live, startLoop, tempDir, waitFor } from './harness.js';

/** `loop supervise ...args`, live. */
const supervise = (args: string[], options: { cwd?: string } = {}): Live =>
  startLoop(['supervise', ...args], options);

/** `loop supervise --run-dir <runDir> ...flags -- sh -c <script>`, live. */
const superviseSh = (runDir: string, flags: string[], script: string): Live =>
  supervise(['--run-dir', runDir, ...flags, '--', 'sh', '-c', script]);

const readState = (runDir: string) =>
  parseSupervisorState(readFileSync(join(runDir, 'supervisor_state.json'), 'utf8'));

/** stderr without the lifecycle lines `loop supervise` prints (`<ISO time> <event> ...`, as in supervisor.log). */
const withoutEventLines = (stderr: string): string =>
  stderr.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [a-z_]+( .*)?\n/gm, '');

/** The pid a test child wrote to `<runDir>/grandchild.pid`, once the whole line is there; else undefined. */
const grandchildPid = (runDir: string): number | undefined => {
  const file = join(runDir, 'grandchild.pid');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return text.endsWith('\n') ? Number(text) : undefined;
};

/** SIGKILLs a live `loop supervise` and waits for it to die (not `done`: its orphans keep its pipes open). */
async function killSupervisor(live: Live): Promise<void> {
  const killed = new Promise((resolve) => live.child.once('exit', resolve));
  live.child.kill('SIGKILL');
  await killed;
}

describe('loop supervise: bad input', () => {
  it('refuses a --run-dir under /proc or through a file with exit 2 (no endless mkdir)', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    for (const [runDir, errno] of [
      ['/proc/loop-no-such', 'ENOENT'],
      [join(file, 'sub'), 'ENOTDIR'],
    ] as const) {
      const result = await supervise(['--run-dir', runDir, '--', 'true']).done;
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr.trim()).toMatch(
        new RegExp(`^loop supervise: --run-dir: cannot create run dir .*: ${errno}`),
      );
    }
  });

  it.each([
    [[], /--run-dir: is required/],
    [['--run-dir', 'RUN'], /no command to supervise/],
    [['--run-dir', 'RUN', '--'], /no command to supervise/],
    [
      ['--run-dir', 'RUN', '--', 'no-such-command-for-loop', 'x'],
      /command "no-such-command-for-loop" not found on PATH/,
    ],
    [['--run-dir', 'RUN', '--', './missing.sh'], /command "\.\/missing\.sh" does not exist/],
    [
      ['--run-dir', 'RUN', '--max-restarts', '-1', '--', 'true'],
      /--max-restarts: expected a number >= 0, got "-1"/,
    ],
    [
      ['--run-dir', 'RUN', '--backoff-base-s', '-0.5', '--', 'true'],
      /--backoff-base-s: expected a number >= 0/,
    ],
    [
      ['--run-dir', 'RUN', '--backoff-base-s', '5', '--backoff-cap-s', '1', '--', 'true'],
      /--backoff-cap-s: the cap \(1\) is below the base \(5\)/,
    ],
    [['--run-dir', 'RUN', '--kill-timeout-s', '0', '--', 'true'], /--kill-timeout-s: expected a number > 0/],
    [
      ['--run-dir', 'RUN', '--heartbeat-timeout-s', '0', '--', 'true'],
      /--heartbeat-timeout-s: expected a number > 0/,
    ],
    [
      ['--run-dir', 'RUN', '--heartbeat-file', 'hb', '--', 'true'],
      /--heartbeat-file: needs --heartbeat-timeout-s/,
    ],
    [
      ['--run-dir', 'RUN', '--restart', 'sometimes', '--', 'true'],
      /--restart: expected one of on-failure, always, never/,
    ],
    [['--run-dir', 'RUN', '--bogus', '--', 'true'], /unknown flag --bogus/],
    [
      ['--run-dir', 'RUN', '--prevent-restart-exit-status', '', '--', 'true'],
      /--prevent-restart-exit-status: expected comma-separated exit codes, got nothing/,
    ],
    [
      ['--run-dir', 'RUN', '--prevent-restart-exit-status', '3,,4', '--', 'true'],
      /--prevent-restart-exit-status: expected comma-separated exit codes, got an empty item in "3,,4"/,
    ],
    [
      ['--run-dir', 'RUN', '--prevent-restart-exit-status', '3,', '--', 'true'],
      /--prevent-restart-exit-status: .*empty item/,
    ],
    [
      ['--run-dir', 'RUN', '--prevent-restart-exit-status', 'halt', '--', 'true'],
      /--prevent-restart-exit-status: expected exit codes from 0 to 255, got "halt"/,
    ],
    [
      ['--run-dir', 'RUN', '--prevent-restart-exit-status', '3,256', '--', 'true'],
      /--prevent-restart-exit-status: expected exit codes from 0 to 255, got "256" in "3,256"/,
    ],
    [
      ['--run-dir', 'RUN', '--prevent-restart-exit-status', '-1', '--', 'true'],
      /--prevent-restart-exit-status: expected exit codes from 0 to 255, got "-1"/,
    ],
    [
      ['--run-dir', 'RUN', '--prevent-restart-exit-status', '3.5', '--', 'true'],
      /--prevent-restart-exit-status: expected exit codes from 0 to 255, got "3.5"/,
    ],
    [
      ['--run-dir', 'RUN', '--prevent-restart-exit-status', '3,x', '--print-systemd-unit', '--', 'true'],
      /--prevent-restart-exit-status: expected exit codes from 0 to 255, got "x"/,
    ],
    // Paths that cannot be made: one line, exit 2, and never the endless mkdir of Node's recursive mode.
    [
      ['--run-dir', 'RUN', '--child-log', '/proc/loop-no-such/child.log', '--', 'true'],
      /--child-log: cannot open the child log \/proc\/loop-no-such\/child\.log: ENOENT/,
    ],
    [['--run-dir', 'RUN', '--child-log', '/tmp', '--', 'true'], /--child-log: .*EISDIR/],
  ])('%j: exit 2, a message naming the problem, nothing written', async (args, message) => {
    const dir = tempDir();
    const runDir = join(dir, 'run');
    const { done } = supervise(
      args.map((a) => (a === 'RUN' ? runDir : a)),
      { cwd: dir },
    );
    const result = await done;
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(runDir)).toBe(false);
  });

  it('a zero backoff is allowed and restarts at once', async () => {
    const runDir = join(tempDir(), 'run');
    const result = await superviseSh(
      runDir,
      argv('--backoff-base-s 0 --backoff-cap-s 0 --max-restarts 2'),
      'exit 1',
    ).done;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/gave up after 2 restarts/);
    expect(readState(runDir)).toMatchObject({ status: 'gave_up', restarts: 2, last_delay_ms: 0 });
  });
});

describe('loop supervise: jitter', () => {
  it('--jitter draws each delay from [0, min(cap, base * 2^n)); the same --jitter-seed replays them', async () => {
    const delays = async () => {
      const runDir = join(tempDir(), 'run');
      const args = ['--run-dir', runDir, '--jitter', '--jitter-seed', '11', '--backoff-base-s', '0.05'];
      args.push('--backoff-cap-s', '0.2', '--max-restarts', '4', '--', 'sh', '-c', 'exit 1');
      expect((await supervise(args).done).exitCode).toBe(1);
      const log = readFileSync(join(runDir, 'supervisor.log'), 'utf8');
      return [...log.matchAll(/ backoff attempt=\d+ delay_ms=(\d+) /g)].map((m) => Number(m[1]));
    };
    const first = await delays();
    expect(first).toHaveLength(4);
    first.forEach((delay, n) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(200, 50 * 2 ** n));
    });
    expect(first).not.toEqual([50, 100, 200, 200]);
    expect(await delays()).toEqual(first);
  });
});

describe('loop supervise: signals', () => {
  const trapAll =
    'for s in TERM INT HUP; do trap "echo $s > got; exit 0" $s; done; touch ready; while :; do sleep 0.05; done';

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'forwards %s to the child and exits with its status',
    async (signal) => {
      const runDir = tempDir();
      const { child, done } = supervise(
        ['--run-dir', runDir, '--kill-timeout-s', '5', '--', 'sh', '-c', trapAll],
        { cwd: runDir },
      );
      await waitFor(() => existsSync(join(runDir, 'ready')));
      child.kill(signal);
      const result = await done;
      expect(result.exitCode).toBe(0);
      expect(readFileSync(join(runDir, 'got'), 'utf8').trim()).toBe(signal.slice(3));
      expect(readState(runDir)).toMatchObject({
        status: 'stopped',
        stop_signal: signal,
        exit_code: 0,
        child_pid: null,
      });
      expect(readFileSync(join(runDir, 'supervisor.log'), 'utf8')).toMatch(
        new RegExp(`stop_requested signal=${signal}`),
      );
    },
  );

  it('SIGTERM: a child that ignores it is killed after --kill-timeout-s with its grandchild; no orphan', async () => {
    const runDir = tempDir();
    const { child, done } = supervise(
      [
        '--run-dir',
        runDir,
        ...argv('--kill-timeout-s 0.5 -- sh -c'),
        'trap "" TERM; sleep 300 & echo $! > grandchild.pid; wait',
      ],
      { cwd: runDir },
    );
    await waitFor(() => grandchildPid(runDir) !== undefined);
    await waitFor(
      () => existsSync(join(runDir, 'supervisor_state.json')) && readState(runDir).child_pid !== null,
    );
    const childPid = readState(runDir).child_pid!;
    const grandchild = grandchildPid(runDir)!;
    killAfterTest(childPid, grandchild);
    expect(isProcessAlive(childPid)).toBe(true);
    expect(isProcessAlive(grandchild)).toBe(true);
    child.kill('SIGTERM');
    const result = await done;
    expect(result.exitCode).toBe(137);
    expect(isProcessAlive(childPid)).toBe(false);
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(readFileSync(join(runDir, 'supervisor.log'), 'utf8')).toMatch(
      /kill_group pid=\d+ signal=SIGKILL after_s=0\.5/,
    );
  });
});

describe('loop supervise: files', () => {
  it('a reader polling supervisor_state.json from another process never sees a parse error', async () => {
    const runDir = tempDir();
    const path = join(runDir, 'supervisor_state.json');
    const { child, done } = superviseSh(runDir, argv('--backoff-base-s 0 --max-restarts 80'), 'exit 1');
    let reads = 0;
    const failures: string[] = [];
    while (child.exitCode === null) {
      if (existsSync(path)) {
        try {
          parseSupervisorState(readFileSync(path, 'utf8'));
          reads += 1;
        } catch (error) {
          failures.push(String(error));
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await done).exitCode).toBe(1);
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    expect(readState(runDir)).toMatchObject({ status: 'gave_up', restarts: 80 });
  });

  it('--heartbeat-timeout-s alone watches <run-dir>/heartbeat and restarts a hung child', async () => {
    const runDir = tempDir();
    const result = await supervise([
      '--run-dir',
      runDir,
      ...argv(
        '--heartbeat-timeout-s 0.4 --kill-timeout-s 1 --max-restarts 1 --backoff-base-s 0 -- sleep 300',
      ),
    ]).done;
    expect(result.exitCode).toBe(124);
    const log = readFileSync(join(runDir, 'supervisor.log'), 'utf8');
    expect(log.match(/ watchdog_hung /g)).toHaveLength(2);
    expect(log).toContain(`heartbeat_file=${join(runDir, 'heartbeat')}`);
  });

  it('a second supervisor on the same run dir is refused; a stale lock is taken over', async () => {
    const runDir = tempDir();
    const first = supervise(['--run-dir', runDir, '--', 'sleep', '300']);
    await waitFor(
      () => existsSync(join(runDir, 'supervisor_state.json')) && readState(runDir).status === 'running',
    );
    const second = await supervise(['--run-dir', runDir, '--', 'true']).done;
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`already supervised by pid ${first.child.pid}`));
    first.child.kill('SIGTERM');
    expect((await first.done).exitCode).toBe(0); // a stop that was asked for
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    writeFileSync(join(runDir, 'supervisor.lock'), `${dead}\n`);
    const third = await supervise(['--run-dir', runDir, '--', 'true']).done;
    expect(third.exitCode).toBe(0);
    expect(readFileSync(join(runDir, 'supervisor.log'), 'utf8')).toContain(`took_over_lock_from=${dead}`);
    expect(existsSync(join(runDir, 'supervisor.lock'))).toBe(false);
  });

  it('stops the orphaned child of a supervisor that was SIGKILLed before starting a new one', async () => {
    const runDir = tempDir();
    const first = supervise(
      ['--run-dir', runDir, '--', 'sh', '-c', 'sleep 300 & echo $! > grandchild.pid; wait'],
      {
        cwd: runDir,
      },
    );
    await waitFor(
      () =>
        existsSync(join(runDir, 'supervisor_state.json')) &&
        readState(runDir).status === 'running' &&
        grandchildPid(runDir) !== undefined,
    );
    const orphan = readState(runDir).child_pid!;
    const grandchild = grandchildPid(runDir)!;
    killAfterTest(orphan, grandchild);
    await killSupervisor(first);
    expect(isProcessAlive(orphan)).toBe(true);
    const second = await supervise(['--run-dir', runDir, '--kill-timeout-s', '2', '--', 'true']).done;
    expect(second.exitCode).toBe(0);
    expect(isProcessAlive(orphan)).toBe(false);
    expect(isProcessAlive(grandchild)).toBe(false);
    const log = readFileSync(join(runDir, 'supervisor.log'), 'utf8');
    expect(log).toMatch(new RegExp(`orphan_group pid=${orphan} members=2 supervisor_pid=${first.child.pid}`));
    expect(log).toContain(`took_over_lock_from=${first.child.pid}`);
  });

  it('stops the leftovers of a child whose supervisor was SIGKILLed while draining them', async () => {
    const runDir = tempDir();
    // The child exits at once, leaving a grandchild that ignores SIGTERM: the supervisor drains the group for
    // up to the kill timeout, and is SIGKILLed meanwhile.
    const first = supervise(
      [
        ...['--run-dir', runDir, '--kill-timeout-s', '60', '--max-restarts', '0', '--'],
        ...['sh', '-c', '(trap "" TERM; exec sleep 300) & echo $! > grandchild.pid; exit 1'],
      ],
      { cwd: runDir },
    );
    await waitFor(
      () =>
        grandchildPid(runDir) !== undefined &&
        readFileSync(join(runDir, 'supervisor.log'), 'utf8').includes('group_leftover'),
    );
    const grandchild = grandchildPid(runDir)!;
    killAfterTest(grandchild);
    // The state file is replaced off the restart path: wait until it says so too.
    await waitFor(() => {
      if (!existsSync(join(runDir, 'supervisor_state.json'))) return false;
      const state = readState(runDir);
      return state.status === 'stopping' && state.child_pid !== null;
    });
    await killSupervisor(first);
    expect(isProcessAlive(grandchild)).toBe(true);
    const second = await supervise(['--run-dir', runDir, '--kill-timeout-s', '0.5', '--', 'true']).done;
    expect(second.exitCode).toBe(0);
    expect(isProcessAlive(grandchild)).toBe(false);
    expect(readFileSync(join(runDir, 'supervisor.log'), 'utf8')).toMatch(/orphan_group pid=\d+ members=1 /);
  });

  it('leaves a process alone whose pid merely matches an old child_pid', async () => {
    const runDir = tempDir();
    expect((await supervise(['--run-dir', runDir, '--', 'true']).done).exitCode).toBe(0);
    // Pretend the last child was this test runner's own group leader, started long ago.
    const state = JSON.parse(readFileSync(join(runDir, 'supervisor_state.json'), 'utf8'));
    const bystander = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    killAfterTest(bystander.pid!);
    state.child_pid = bystander.pid;
    state.child_started_at = new Date(Date.now() - 3_600_000).toISOString();
    writeFileSync(join(runDir, 'supervisor_state.json'), JSON.stringify(state));
    expect((await supervise(['--run-dir', runDir, '--', 'true']).done).exitCode).toBe(0);
    expect(isProcessAlive(bystander.pid!)).toBe(true);
    expect(readFileSync(join(runDir, 'supervisor.log'), 'utf8')).not.toContain('orphan_group');
  });

  it('--child-log appends the output, which also passes through', async () => {
    const runDir = tempDir();
    const result = await superviseSh(
      runDir,
      ['--child-log', join(runDir, 'child.log')],
      'echo hello; echo oops >&2',
    ).done;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('hello\n');
    expect(withoutEventLines(result.stderr)).toBe('oops\n');
    expect(readFileSync(join(runDir, 'child.log'), 'utf8')).toMatch(
      /hello\n[\s\S]*oops\n|oops\n[\s\S]*hello\n/,
    );
  });
});

describe('loop supervise --prevent-restart-exit-status', () => {
  it('--restart always: a child exiting 3 is not restarted; exit 3, and the state, log and stderr say why', async () => {
    const runDir = tempDir();
    const result = await superviseSh(
      runDir,
      argv('--restart always --backoff-base-s 0 --prevent-restart-exit-status 3,4'),
      'exit 3',
    ).done;
    expect(result.exitCode).toBe(3);
    expect(withoutEventLines(result.stderr)).toBe(
      'loop supervise: not restarting: exit status 3 is in --prevent-restart-exit-status\n',
    );
    const state = readState(runDir);
    expect(state).toMatchObject({
      status: 'stopped',
      stop_reason: 'restart-prevented',
      prevent_restart_exit_status: [3, 4],
      exit_code: 3,
      restarts: 0,
    });
    expect(state.exits).toHaveLength(1);
    const log = readFileSync(join(runDir, 'supervisor.log'), 'utf8');
    expect(log.match(/ child_start /g)).toHaveLength(1);
    expect(log).toMatch(
      / restart_prevented pid=\d+ code=3 prevent_restart_exit_status="3,4" restart=always restarts=0\n/,
    );
    expect(log).toMatch(/ supervisor_exit status=stopped stop_reason=restart-prevented exit_code=3 /);
  });

  it('a code not in the list is still restarted (exit 4 with 3 listed gives up after --max-restarts)', async () => {
    const runDir = tempDir();
    const result = await superviseSh(
      runDir,
      argv('--restart always --backoff-base-s 0 --max-restarts 2 --prevent-restart-exit-status 3'),
      'exit 4',
    ).done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toMatch(/gave up after 2 restarts/);
    expect(readState(runDir)).toMatchObject({ status: 'gave_up', stop_reason: null, restarts: 2 });
    const log = readFileSync(join(runDir, 'supervisor.log'), 'utf8');
    expect(log.match(/ child_start /g)).toHaveLength(3);
    expect(log).not.toMatch(/restart_prevented/);
  });

  it('--help says to pass 3 for `loop run`', async () => {
    const result = await supervise(['--help']).done;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /--prevent-restart-exit-status <CODES> +exit codes \(0-255, comma-separated\)/,
    );
    expect(result.stdout).toMatch(/For `loop run`, pass --prevent-restart-exit-status 3/);
  });
});

describe('loop supervise --print-systemd-unit', () => {
  it('carries --prevent-restart-exit-status as RestartPreventExitStatus= and in ExecStart', async () => {
    const runDir = join(tempDir(), 'run');
    const result = await superviseSh(
      runDir,
      [...argv('--restart always --prevent-restart-exit-status'), '3, 4', ...argv('--print-systemd-unit')],
      'exit 3',
    ).done;
    expect(result.exitCode).toBe(0);
    expect(existsSync(runDir)).toBe(false);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('RestartPreventExitStatus=3 4');
    expect(lines).toContain('Restart=always');
    expect(lines.find((l) => l.startsWith('ExecStart='))).toMatch(
      / --restart never --kill-timeout-s 10 --prevent-restart-exit-status 3,4 -- \S+ -c "exit 3"$/,
    );
  });

  it('prints a unit running the same supervision, and writes nothing', async () => {
    const runDir = join(tempDir(), 'run');
    const result = await superviseSh(
      runDir,
      argv(
        '--max-restarts 4 --backoff-base-s 2 --backoff-cap-s 16 --kill-timeout-s 20 --heartbeat-timeout-s 30 --restart always --print-systemd-unit',
      ),
      'echo $HOME 100%',
    ).done;
    expect(result.exitCode).toBe(0);
    expect(existsSync(runDir)).toBe(false);
    const unit = result.stdout;
    const value = (key: string) =>
      unit
        .split('\n')
        .find((l) => l.startsWith(`${key}=`))
        ?.slice(key.length + 1);
    expect(value('Restart')).toBe('always');
    expect(value('RestartSec')).toBe('2');
    expect(value('RestartSteps')).toBe('3');
    expect(value('RestartMaxDelaySec')).toBe('16');
    expect(value('StartLimitBurst')).toBe('5');
    expect(value('KillMode')).toBe('mixed');
    expect(value('TimeoutStopSec')).toBe('25');
    const shPath = spawnSync('sh', ['-c', 'command -v sh']).stdout.toString().trim();
    expect(value('ExecStart')).toBe(
      `${process.execPath} ${BIN} supervise --run-dir ${runDir} --restart never --kill-timeout-s 20 ` +
        `--heartbeat-file ${join(runDir, 'heartbeat')} --heartbeat-timeout-s 30 -- ${shPath} -c "echo $$HOME 100%%"`,
    );
  });

  const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).stdout.toString().trim();
  if (analyze === '')
    console.warn('supervise.test: systemd-analyze not found: the unit is not checked by systemd');
  it.skipIf(analyze === '')(
    'prints a unit that systemd-analyze verify accepts, from a working directory with a space',
    async () => {
      const cwd = join(tempDir(), 'my bot');
      mkdirSync(cwd);
      const result = await supervise(
        [
          ...argv('--run-dir runs/live --heartbeat-timeout-s 30 --print-systemd-unit --'),
          ...['sh', '-c', 'echo "$HOME" 100% \\ done'],
        ],
        { cwd },
      ).done;
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout.split('\n')).toContain(`WorkingDirectory=${cwd}`);
      const unitFile = join(tempDir(), 'loop-bot.service');
      writeFileSync(unitFile, result.stdout);
      const verify = spawnSync(analyze, ['verify', unitFile], { encoding: 'utf8' });
      // systemd < 254 does not know the exponential backoff keys; they are documented as ignored there.
      const complaints = `${verify.stdout}${verify.stderr}`
        .split('\n')
        .filter(
          (line) => line.trim() !== '' && !/Unknown key '(RestartSteps|RestartMaxDelaySec)'/.test(line),
        );
      expect(complaints).toEqual([]);
      expect(verify.status).toBe(0);
    },
  );

  it('refuses a missing command with exit 2', async () => {
    const result = await supervise(argv('--run-dir x --print-systemd-unit -- no-such-command-for-loop')).done;
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/not found on PATH/);
  });
});
