// SIGINT and SIGTERM end a real-clock run cleanly: the current step finishes, run.json records the end, exit 0.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loop, readRunJson, startLoop, tempDir, waitFor } from './harness.js';

function status(dir: string): string | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).status;
  } catch {
    return undefined;
  }
}

describe('loop run: signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s finishes the step, records the end and exits 0',
    async (signal) => {
      const dir = join(tempDir(), signal);
      const live = startLoop([
        ...['run', '--run-dir', dir, '--clock', 'real', '--step-interval-ms', '20'],
        ...['--progress-every-s', '0.05'],
      ]);
      const child = live.child;
      await waitFor(() => status(dir) === 'running' && existsSync(join(dir, 'heartbeat')));
      const firstBeat = statSync(join(dir, 'heartbeat')).mtimeMs;
      // Ten steps or more (its progress lines say), and the watchdog sees it alive: the heartbeat is touched again.
      const stepsShown = () =>
        Math.max(
          0,
          ...[...live.output().matchAll(/^loop run: step ([\d,]+)/gm)].map((m) =>
            Number(m[1]!.replace(/,/g, '')),
          ),
        );
      await waitFor(() => stepsShown() >= 10 && statSync(join(dir, 'heartbeat')).mtimeMs > firstBeat, 30_000);
      child.kill(signal);
      const r = await live.done;
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(r.stdout).toMatch(/^loop run: stopped by a signal after \d+ steps \(real clock /);
      const run = readRunJson(dir);
      expect(run).toMatchObject({ status: 'ended', ended: 'signal', exit_code: 0, clock: 'real' });
      expect(run.pid).toBe(child.pid);
      expect(run.stats.steps).toBeGreaterThanOrEqual(10);
      expect(run.ended_at_ms).toBeGreaterThan(run.started_at_ms);
    },
  );

  it('a signal the moment run.json says "running" still ends the run cleanly (handlers come first)', async () => {
    // Polls run.json as fast as it can and signals at once: before the fix, 12 of 20 such runs were killed by
    // the default SIGINT action when the child was descheduled between writing run.json and installing them.
    for (const [i, signal] of (
      ['SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM'] as const
    ).entries()) {
      const dir = join(tempDir(), `early-${i}`);
      const child = loop(['run', '--run-dir', dir, '--clock', 'real', '--step-interval-ms', '20']);
      await waitFor(() => status(dir) === 'running', 30_000, 1);
      child.kill(signal);
      const r = await child;
      expect(r.signal, `${signal} #${i}: ${r.stderr}`).toBeUndefined();
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(readRunJson(dir)).toMatchObject({ status: 'ended', ended: 'signal', exit_code: 0 });
    }
  });
});
