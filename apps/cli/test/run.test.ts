// `loop run` end to end: a seeded simulated run, what it prints, run.json, the heartbeat, help and version.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argv, loop, readRunJson, tempDir } from './harness.js';

describe('loop run (simulated)', () => {
  it('runs a seeded loop, prints a short summary and records the run', async () => {
    const dir = join(tempDir(), 'run');
    const r = await loop([
      'run',
      '--run-dir',
      dir,
      ...argv('--clock simulated --exchange paper --seed 42 --max-steps 3000'),
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stderr).toBe('');
    const out = String(r.stdout);
    expect(out).toMatch(
      /^loop run: completed after 3000 steps \(simulated clock 2024-01-01T00:00:00\.000Z -> /,
    );
    expect(out).toMatch(/orders \d+, fills \d+, cancels \d+, open \d/);
    expect(out).toMatch(/rejections \d+/);
    expect(out).toMatch(/errors 0/);
    expect(out).toMatch(/position -?[\d.]+ @ [\d.]+, realized -?[\d.]+, unrealized -?[\d.]+, fees [\d.]+/);
    expect(out).toMatch(/equity [\d.]+ \(pnl -?[\d.]+\), trading ACTIVE/);

    const run = readRunJson(dir);
    expect(run).toMatchObject({
      v: 1,
      command: 'loop run',
      status: 'ended',
      ended: 'completed',
      exit_code: 0,
      clock: 'simulated',
      seed: 42,
      exchange: 'paper',
      pid: null,
      started_at: '2024-01-01T00:00:00.000Z',
      started_at_ms: 1_704_067_200_000,
      feed: { kind: 'synthetic', interval_ms: 1000 },
    });
    // 3000 one-second candles, plus the last step's simulated stage latencies
    expect(run.ended_at_ms).toBeGreaterThan(1_704_067_200_000 + 2999 * 1000);
    expect(run.ended_at_ms).toBeLessThan(1_704_067_200_000 + 3000 * 1000);
    expect(run.versions['@loop/cli']).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.versions['@loop/engine']).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.settings).toMatchObject({
      clock: 'simulated',
      seed: 42,
      'max-steps': 3000,
      feed: 'synthetic',
      'max-loss': null,
    });
    expect(run.settings).not.toHaveProperty('run-dir');
    expect(JSON.stringify(run)).not.toContain(dir);
    expect(run.stats.steps).toBe(3000);
    expect(run.stats.orders).toBeGreaterThan(0);
    expect(run.stats.fills).toBeGreaterThan(0);
    expect(run.stats.errors).toBe(0);
    const p = run.stats.position;
    expect(p.equity).toBeCloseTo(100_000 + p.realized_pnl + p.unrealized_pnl - p.fees_paid, 6);

    expect(readFileSync(join(dir, 'heartbeat'), 'utf8')).toBe('');
  });

  it('reports injected stage errors and halts after too many in a row (exit 3)', async () => {
    const dir = join(tempDir(), 'halt');
    const r = await loop([
      'run',
      '--run-dir',
      dir,
      ...argv('--fault-rate 1 --max-consecutive-errors 6 --max-steps 100'),
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(3);
    expect(r.stdout).toMatch(/^loop run: HALTED by the kill switch after 2 steps/);
    const run = readRunJson(dir);
    expect(run).toMatchObject({
      ended: 'halted',
      exit_code: 3,
      stats: { steps: 2, errors: 8, trading_state: 'HALTED' },
    });
    expect(run.stats.trading_state_reason).toMatch(/^MAX_CONSECUTIVE_ERRORS: 8 errors in a row \(limit 6\)/);
  });

  it('keeps trading through occasional errors', async () => {
    const dir = join(tempDir(), 'faults');
    const r = await loop(['run', '--run-dir', dir, '--fault-rate', '0.02', '--max-steps', '2000']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const run = readRunJson(dir);
    expect(run.ended).toBe('completed');
    expect(run.stats.errors).toBeGreaterThan(50);
    expect(run.stats.last_error).toMatch(/: injected fault in /);
  });

  it('books at the end the fills whose position stage failed on the last step', async () => {
    const dir = join(tempDir(), 'settle');
    const r = await loop(
      argv(
        `run --run-dir ${dir} --seed 44 --fault-rate 0.2 --ma-fast 2 --ma-slow 3 --max-consecutive-errors 1000 --max-steps 40 --enable-metrics`,
      ),
    );
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toContain('fills 12 (1 booked at the end: the position stage failed last)');
    const stats = readRunJson(dir).stats;
    expect(stats).toMatchObject({ fills: 12, settled_fills: 1 });
    // The metrics summary's book gauges are the settled book's too.
    const gauges = JSON.parse(readFileSync(join(dir, 'metrics_summary.json'), 'utf8')).gauges;
    expect(gauges).toMatchObject({
      position: stats.position.position,
      equity: stats.position.equity,
      fees_paid: stats.position.fees_paid,
    });
  });

  it('touches the heartbeat: its mtime is recent', async () => {
    const dir = join(tempDir(), 'hb');
    const before = Date.now();
    await loop(['run', '--run-dir', dir, '--max-steps', '10']);
    expect(statSync(join(dir, 'heartbeat')).mtimeMs).toBeGreaterThanOrEqual(before - 1000);
  });

  it('prints help and versions', async () => {
    const help = await loop(['run', '--help']);
    expect(help.exitCode).toBe(0);
    for (const command of ['run', 'dashboard', 'supervise']) {
      const short = await loop([command, '-h']);
      expect(short.exitCode, String(short.stderr)).toBe(0);
      expect(short.stdout).toBe((await loop([command, '--help'])).stdout);
    }
    for (const flag of [
      '--run-dir',
      '--clock',
      '--exchange',
      '--seed',
      '--max-steps',
      '--feed',
      '--feed-skip-bad-rows',
      '--step-interval-ms',
      '--max-position',
      '--max-notional',
      '--max-orders-per-sec',
      '--price-band-bps',
      '--max-consecutive-errors',
      '--slippage-bps',
      '--taker-fee-bps',
      '--maker-fee-bps',
      '--sim-latency-ms',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const version = await loop(['run', '--version']);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^loop \d+\.\d+\.\d+\n@loop\/cli \d/);
    expect(version.stdout).toContain('@loop/engine');
  });
});
