// End-to-end: `loop run --threshold ... [--abort-on-fail]` judges the run like `loop check` and exits 99.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loop, readRunDir, readRunJson, tempDir } from './harness.js';

describe('loop run --threshold', () => {
  it('judges the finished run: exit 0 when all pass (files as without thresholds), 99 when one fails', async () => {
    const root = tempDir();
    const [plain, passing, failing] = await Promise.all(
      [
        [],
        ['--threshold', 'fills >= 1', '--threshold', 'exec.p99_ms < 100'],
        ['--threshold', 'exec.p99_ms < 1'],
      ].map((flags, i) =>
        loop(['run', '--run-dir', join(root, String(i)), '--enable-metrics', '--max-steps', '200', ...flags]),
      ),
    );
    expect(plain!.exitCode).toBe(0);
    expect(passing!.exitCode, passing!.stderr).toBe(0);
    expect(passing!.stdout).toContain('2 thresholds passed');
    // Thresholds judge the run; they do not change what it writes.
    expect(readRunDir(join(root, '1'))).toEqual(readRunDir(join(root, '0')));
    expect(failing!.exitCode).toBe(99);
    expect(failing!.stdout).toMatch(/exec\.p99_ms < 1\s+[\d.]+\s+FAIL/);
    expect(readRunJson(join(root, '2'))).toMatchObject({ ended: 'completed', exit_code: 99 });
  }, 60_000);

  it('stops the run at the first judged step that fails with --abort-on-fail', async () => {
    const dir = join(tempDir(), 'run');
    const run = await loop([
      'run',
      '--run-dir',
      dir,
      '--enable-metrics',
      '--max-steps',
      '5000',
      '--fault-rate',
      '0.05',
      '--max-consecutive-errors',
      '50',
      '--threshold',
      'error_rate < 0.01',
      '--threshold',
      'steps >= 1',
      '--abort-on-fail',
      '--abort-delay-steps',
      '50',
    ]);
    expect(run.exitCode, run.stderr).toBe(99);
    expect(run.stdout).toMatch(
      /thresholds: the run was stopped at step 50 \(--abort-on-fail\): error_rate = [\d.]+, not < 0\.01/,
    );
    const record = readRunJson(dir);
    expect(record).toMatchObject({ exit_code: 99 });
    expect(record.stats.steps).toBe(50);
    const check = await loop(['check', '--run-dir', dir, '--threshold', 'steps == 50']);
    expect(check.exitCode).toBe(0);
  }, 60_000);

  it('refuses bad thresholds before the run dir is touched (exit 2, one line)', async () => {
    const root = tempDir();
    const cases: Array<[string[], string]> = [
      [
        ['--enable-metrics', '--threshold', 'exec.p99_ms <> 5'],
        'loop run: --threshold: "exec.p99_ms <> 5": column 14: expected a number, got ">"',
      ],
      [
        ['--enable-metrics', '--threshold', 'exce.p99_ms < 5'],
        'loop run: --threshold: "exce.p99_ms < 5": column 1: unknown stage "exce" (stages: strategy, risk, exec, position)',
      ],
      [
        ['--threshold', 'fills >= 1'],
        'loop run: --threshold: needs --enable-metrics (thresholds are judged from the metrics files)',
      ],
      [
        ['--enable-metrics', '--abort-on-fail'],
        'loop run: --abort-on-fail: needs --threshold or --thresholds',
      ],
      [
        ['--enable-metrics', '--thresholds', join(root, 'none.yaml')],
        `loop run: --thresholds: ${join(root, 'none.yaml')}: no such file`,
      ],
    ];
    for (const [flags, message] of cases) {
      const dir = join(root, 'run');
      const run = await loop(['run', '--run-dir', dir, '--max-steps', '10', ...flags]);
      expect(run.exitCode, run.stderr).toBe(2);
      expect(run.stderr).toBe(message);
      expect(existsSync(dir)).toBe(false);
    }
  }, 60_000);
});
