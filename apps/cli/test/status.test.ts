// `loop status` end to end on run dirs the real CLI made: healthy, halted, gave up (supervised), stale,
// several dirs and a runs root, the --json schema, and exit statuses 0 / 1 / 2.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { statusReportSchema } from '../src/status-report.js';
import { argv, BIN, loop, startLoop, tempDir, waitFor } from './harness.js';

/** Steps in a run dir's NDJSON files, counted independently of the health model: one strategy event a step. */
function strategyEvents(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir).filter((f) => f.startsWith('metrics.ndjson'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line.includes('"stage":"strategy"')) n += 1;
    }
  }
  return n;
}

describe('loop status', () => {
  it('reports completed, halted and gave-up run dirs: table, several dirs, runs root, --json, exit 0/1', async () => {
    const root = tempDir();
    const demo = join(root, 'demo');
    const halted = join(root, 'halted');
    const gaveUp = join(root, 'gave-up');
    mkdirSync(join(root, 'not-a-run-dir'));
    const made = await Promise.all([
      loop(['run', '--run-dir', demo, ...argv('--max-steps 500 --enable-metrics --quiet')]),
      loop([
        'run',
        '--run-dir',
        halted,
        ...argv('--max-steps 500 --fault-rate 0.5 --max-consecutive-errors 3 --enable-metrics --quiet'),
      ]),
      loop([
        'supervise',
        '--run-dir',
        gaveUp,
        ...argv('--max-restarts 2 --backoff-base-s 0 --'),
        process.execPath,
        BIN,
        'run',
        '--run-dir',
        gaveUp,
        ...argv('--max-steps 300 --fault-rate 0.5 --max-consecutive-errors 2 --enable-metrics --quiet'),
      ]),
    ]);
    expect(made.map((r) => r.exitCode)).toEqual([0, 3, 3]);

    const healthy = await loop(['status', '--run-dir', demo]);
    expect(healthy.exitCode, healthy.stderr).toBe(0);
    const [head, row, ...rest] = healthy.stdout.split('\n');
    expect(head).toMatch(
      /^RUN DIR +STATUS +PID +CHILD +UPTIME +RESTARTS +HEARTBEAT +STEPS +ERRORS +REJECTIONS +WORST P99 +EQUITY$/,
    );
    expect(row).toMatch(/ completed +- +- +- +- +\S+ +500 +0 +\d+ +[\d.]+ms \w+ +[\d,]+\.\d\d$/);
    expect(rest).toEqual([]);

    const two = await loop(['status', '--run-dir', demo, '--run-dir', halted]);
    expect(two.exitCode).toBe(1);
    expect(two.stdout).toMatch(/ halted +- +- /);
    expect(two.stdout).toMatch(
      /halted: halted: halted by the kill switch: MAX_CONSECUTIVE_ERRORS: 3 errors in a row/,
    );

    const json = await loop(['status', '--runs-root', root, '--json']);
    expect(json.exitCode).toBe(1);
    const report = statusReportSchema.parse(JSON.parse(json.stdout));
    expect(report.healthy).toBe(false);
    expect(report.runs.map((r) => [r.run_dir, r.status, r.healthy])).toEqual([
      [demo, 'completed', true],
      [gaveUp, 'gave-up', false],
      [halted, 'halted', false],
    ]);
    const g = report.runs[1]!;
    expect(g.reason).toMatch(/^gave up after 2 restarts; last run exit code 3 after /);
    expect(g).toMatchObject({
      restarts: 2,
      exit_code: 3,
      lifetimes: 3,
      child_pid: null,
      supervisor_status: 'gave_up',
    });
    // Counts across the three lifetimes equal the files.
    expect(g.steps).toBe(strategyEvents(gaveUp));
    expect(g.current_lifetime!.steps).toBeLessThan(g.steps);
    expect(report.runs[0]!.steps).toBe(500);
    expect(report.runs[2]).toMatchObject({ trading_state: 'HALTED', exit_code: 3 });

    // From the summary: each stage's slowest events (exemplars), each one a line of the files; the bot's gauges.
    const d = report.runs[0]!;
    const summary = JSON.parse(readFileSync(join(demo, 'metrics_summary.json'), 'utf8'));
    expect(d.slowest_by_stage).toEqual(summary.slowest_by_stage);
    expect(Object.keys(d.slowest_by_stage!).sort()).toEqual(Object.keys(summary.stages_by_name).sort());
    const lines = readdirSync(demo)
      .filter((f) => f.startsWith('metrics.ndjson'))
      .flatMap((f) => readFileSync(join(demo, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { step: number; stage: string; ts: number; latency_ms: number });
    for (const [stage, events] of Object.entries(d.slowest_by_stage!)) {
      expect(events, stage).toHaveLength(10);
      const latencies = events.map((e) => e.latency_ms);
      expect(latencies, stage).toEqual([...latencies].sort((x, y) => y - x));
      expect(latencies[0], stage).toBe(
        Math.max(...lines.filter((l) => l.stage === stage).map((l) => l.latency_ms)),
      );
      for (const e of events) {
        const line = lines.find((l) => l.stage === stage && l.step === e.step && l.ts === e.ts);
        expect(line?.latency_ms, `${stage} step ${e.step}`).toBe(e.latency_ms);
      }
    }
    expect(d.invalid_input).toEqual({});
    expect(d.gauges).toEqual(summary.gauges);
  });

  it('says running, then stale once the heartbeat stops (a frozen real-clock run)', async () => {
    const dir = join(tempDir(), 'live');
    const run = startLoop(
      ['run', '--run-dir', dir, ...argv('--clock real --step-interval-ms 50 --enable-metrics --quiet')],
      {
        quiet: true,
      },
    );
    await waitFor(() => {
      try {
        return readFileSync(join(dir, 'metrics.ndjson'), 'utf8').includes('"step":3,');
      } catch {
        return false;
      }
    }, 30_000);
    const running = await loop(['status', '--run-dir', dir, '--json', '--stale-after-s', '60']);
    expect(running.exitCode, running.stdout).toBe(0);
    const live = statusReportSchema.parse(JSON.parse(running.stdout)).runs[0]!;
    expect(live).toMatchObject({
      status: 'running',
      pid: run.child.pid,
      pid_alive: true,
      trading_state: 'ACTIVE',
    });
    expect(live.uptime_ms).toBeGreaterThan(0);

    run.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    await waitFor(() => Date.now() - frozenAt > 1500, 5000);
    const stale = await loop(['status', '--run-dir', dir, '--stale-after-s', '1']);
    run.child.kill('SIGKILL');
    expect(stale.exitCode).toBe(1);
    expect(stale.stdout).toMatch(new RegExp(` stale +${run.child.pid} `));
    expect(stale.stdout).toMatch(/live: stale: heartbeat \d+s old \(stale after 1s\)/);
  });

  it('exits 2 on bad input, naming the flag', async () => {
    const base = tempDir();
    const missing = await loop(['status', '--run-dir', join(base, 'nope')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(`loop status: --run-dir: "${join(base, 'nope')}" is not a directory`);
    const empty = await loop(['status', '--runs-root', base]);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toBe(`loop status: --runs-root: no run dirs under "${base}"`);
    const none = await loop(['status']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toBe('loop status: --run-dir or --runs-root is required');
    writeFileSync(join(base, 'f'), '');
    const typo = await loop(['status', '--run-dirs', base]);
    expect(typo.stderr).toBe('loop status: unknown flag --run-dirs; did you mean --run-dir?');
  });
});
