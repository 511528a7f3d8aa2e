// `loop supervise --metrics-port`: the supervisor's own /metrics, read over HTTP from the real process.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, type Live, scrape, scrapeUntil, startLoop, tempDir, waitFor } from './harness.js';

/** `loop supervise --run-dir <runDir> ...flags -- sh -c <script>`, live. */
const superviseSh = (runDir: string, flags: string[], script: string): Live =>
  startLoop(['supervise', '--run-dir', runDir, ...flags, '--', 'sh', '-c', script]);

describe('loop supervise --metrics-port', () => {
  it('serves child up, uptime, heartbeat age and restarts, each labelled with the bot; a SIGKILLed child shows as its signal', async () => {
    const dir = tempDir();
    const runDir = join(dir, 'eth-1');
    const port = await freePort();
    const live = superviseSh(
      runDir,
      ['--metrics-port', String(port), '--heartbeat-timeout-s', '60', '--backoff-base-s', '0.05'],
      `echo $$ > "${runDir}/child.pid"; while :; do touch "${runDir}/heartbeat"; sleep 0.2; done`,
    );
    const up = await scrapeUntil(
      port,
      'the child to be up',
      (s) => s.get('loop_supervisor_child_up{bot="eth-1"}') === 1,
    );
    expect(up.get('loop_supervisor_restarts_total{bot="eth-1"}')).toBe(0);
    expect(up.get('loop_supervisor_gave_up{bot="eth-1"}')).toBe(0);
    expect(up.get('loop_supervisor_status{status="running",bot="eth-1"}')).toBe(1);
    expect(up.get('loop_supervisor_heartbeat_age_seconds{bot="eth-1"}')).toBeLessThan(60);
    expect(up.has('loop_supervisor_last_exit_code{bot="eth-1"}')).toBe(false);
    expect([...up.keys()].find((k) => k.startsWith('loop_supervisor_info{'))).toContain(
      `run_dir="${runDir}"`,
    );
    expect([...up.keys()].filter((k) => !k.includes('bot="eth-1"'))).toEqual([]);
    expect(live.output()).toContain(`serving Prometheus metrics at http://127.0.0.1:${port}/metrics`);

    await waitFor(() => existsSync(join(runDir, 'child.pid')));
    process.kill(Number(readFileSync(join(runDir, 'child.pid'), 'utf8')), 'SIGKILL');
    const after = await scrapeUntil(
      port,
      'the restart',
      (s) =>
        s.get('loop_supervisor_restarts_total{bot="eth-1"}') === 1 &&
        s.get('loop_supervisor_child_up{bot="eth-1"}') === 1,
    );
    expect(after.get('loop_supervisor_last_exit_signal{signal="SIGKILL",bot="eth-1"}')).toBe(1);
    expect(after.get('loop_supervisor_last_exit_status{bot="eth-1"}')).toBe(137);
    expect(after.get('loop_supervisor_backoff_delay_seconds{bot="eth-1"}')).toBe(0.05);

    live.child.kill('SIGTERM');
    expect((await live.done).exitCode).toBe(0); // a requested stop: no linger
  });

  it('after giving up, keeps serving the final state (gave_up 1) until --metrics-linger-s or a signal', async () => {
    const dir = tempDir();
    const runDir = join(dir, 'run');
    const port = await freePort();
    const live = superviseSh(
      runDir,
      [
        '--metrics-port',
        String(port),
        '--bot-name',
        'btc-2',
        '--max-restarts',
        '2',
        '--backoff-base-s',
        '0.05',
        '--metrics-linger-s',
        '120',
      ],
      'exit 7',
    );
    const last = await scrapeUntil(
      port,
      'gave_up 1',
      (s) => s.get('loop_supervisor_gave_up{bot="btc-2"}') === 1,
    );
    expect(last.get('loop_supervisor_restarts_total{bot="btc-2"}')).toBe(2);
    expect(last.get('loop_supervisor_last_exit_code{bot="btc-2"}')).toBe(7);
    expect(last.get('loop_supervisor_child_up{bot="btc-2"}')).toBe(0);
    expect(last.get('loop_supervisor_status{status="gave_up",bot="btc-2"}')).toBe(1);
    await waitFor(() => live.output().includes('serving the final /metrics for 120 s'));
    expect(live.child.exitCode).toBeNull();
    live.child.kill('SIGTERM');
    const done = await live.done;
    expect(done.exitCode).toBe(7); // the gave-up status, unchanged by the linger
    await expect(scrape(port)).rejects.toThrow();
  });

  it.each([
    [['--metrics-host', '127.0.0.1'], /^loop supervise: --metrics-host needs --metrics-port$/],
    [['--bot-name', 'x'], /^loop supervise: --bot-name needs --metrics-port, --notify-cmd or --notify-url$/],
    [['--metrics-linger-s', '5'], /^loop supervise: --metrics-linger-s needs --metrics-port$/],
    [
      ['--metrics-port', '70000'],
      /^loop supervise: --metrics-port: expected a number from 0 to 65535, got "70000"$/,
    ],
    [['--metrics-port', '0', '--bot-name', 'a b'], /^loop supervise: --bot-name: expected 1-64 letters/],
    [
      ['--metrics-port', '0', '--metrics-host', 'no such host!'],
      /^loop supervise: --metrics-host: cannot serve \/metrics on no such host!:0/,
    ],
  ])('bad input %j: exit 2, one line naming the flag, no run dir', async (flags, message) => {
    const runDir = join(tempDir(), 'run');
    const result = await superviseSh(runDir, flags, 'exit 0').done;
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(existsSync(runDir)).toBe(false);
  });

  it('--print-systemd-unit keeps the metrics flags on the ExecStart= line', async () => {
    const runDir = join(tempDir(), 'run');
    const result = await startLoop([
      'supervise',
      '--run-dir',
      runDir,
      '--metrics-port',
      '9465',
      '--bot-name',
      'eth-1',
      '--print-systemd-unit',
      '--',
      'true',
    ]).done;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ExecStart=.* supervise --metrics-port 9465 --bot-name eth-1 --run-dir /m);
  });
});
