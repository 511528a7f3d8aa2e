// --metrics-flush step|interval|batch: the same bytes in every mode, and what a SIGKILL loses stays within
// the bound the README states for each mode.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FLUSH_BATCH_STEPS,
  readEvents,
  type StageEventLine,
  WRITER_THREAD_BYTES,
  WRITER_THREAD_LINES,
} from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { freePort, loop, readRunDir, startLoop, tempDir } from './harness.js';

const SIM = ['--clock', 'simulated', '--seed', '7'];
const STAGES = ['strategy', 'risk', 'exec', 'position'];

async function eventsOf(
  dir: string,
): Promise<{ events: StageEventLine[]; skipped: { file: string; reason: string }[] }> {
  const stream = readEvents(dir);
  const events: StageEventLine[] = [];
  for await (const { event } of stream) events.push(event);
  expect(stream.stats.skipped).toHaveLength(stream.stats.skippedCount);
  return { events, skipped: stream.stats.skipped };
}

/** `loop_steps_total` from a /metrics page, or undefined while it cannot be read. */
async function stepsServed(port: number): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const match = /^loop_steps_total(?:\{[^}]*\})? (\d+)$/m.exec(text);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

describe('loop run --metrics-flush', () => {
  it('writes byte-identical metrics files and summary in every mode', async () => {
    const dirs: Record<string, Record<string, Buffer>> = {};
    for (const mode of ['step', 'interval', 'batch']) {
      const dir = join(tempDir(), 'run');
      const result = await loop([
        'run',
        '--run-dir',
        dir,
        ...SIM,
        '--max-steps',
        '1500',
        '--fault-rate',
        '0.01',
        '--max-consecutive-errors',
        '100',
        '--enable-metrics',
        '--metrics-rotate-max-lines',
        '1000',
        '--metrics-flush',
        mode,
      ]);
      expect(result.exitCode, String(result.stderr)).toBe(0);
      const files = readRunDir(dir);
      delete files['run.json']; // records the flag itself
      dirs[mode] = files;
    }
    expect(Object.keys(dirs.step!)).toContain('metrics.ndjson.4');
    expect(dirs.interval).toEqual(dirs.step);
    expect(dirs.batch).toEqual(dirs.step);
  }, 180_000);

  it('refuses an unknown mode with exit 2 naming the flag', async () => {
    const result = await loop([
      'run',
      '--run-dir',
      join(tempDir(), 'x'),
      '--max-steps',
      '3',
      '--enable-metrics',
      '--metrics-flush',
      'never',
    ]);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('--metrics-flush');
  });

  // Each SIGKILL test reads the steps done from /metrics (counted when a step ends), kills, and checks that
  // the files hold every step up to that count less the mode's bound, whole lines in order. batch: the
  // last 1,000 steps plus what the writer thread holds unwritten (at most WRITER_THREAD_LINES lines in its
  // ring, 4 a step, and WRITER_THREAD_BYTES in its buffer, converted to steps at this run's bytes a step).
  it.each([
    ['step', 0, 0, false],
    ['interval', 0, 2000, false],
    ['batch', FLUSH_BATCH_STEPS, 0, true],
  ] as const)(
    'after SIGKILL in %s mode, at most the stated steps are missing',
    async (mode, lostSteps, waitMs, threadBytes) => {
      const dir = join(tempDir(), 'run');
      const port = await freePort();
      const live = startLoop(
        [
          'run',
          '--run-dir',
          dir,
          ...SIM,
          '--max-steps',
          '50000000',
          '--enable-metrics',
          '--metrics-rotate-max-mb',
          '1',
          '--metrics-flush',
          mode,
          '--metrics-port',
          String(port),
        ],
        { quiet: true },
      );
      const deadline = Date.now() + 120_000;
      let stepsDone = (await stepsServed(port)) ?? 0;
      while (stepsDone < 3000) {
        if (Date.now() > deadline) throw new Error(`loop run served ${stepsDone} steps in 120 s`);
        await sleep(50);
        stepsDone = (await stepsServed(port)) ?? 0;
      }
      // interval: the bound is in time (100 ms of steps); waiting far longer than that makes it a step count.
      if (waitMs > 0) await sleep(waitMs);
      live.child.kill('SIGKILL');
      await live.done;
      const { events, skipped } = await eventsOf(dir);
      // Every line whole, but for one: Linux stops a write(2) short when a fatal signal arrives, so a SIGKILL
      // during the writer's write can cut the current file's last line (readers skip it as `torn`, the next
      // writer ends it with a newline first). No other line may be skipped, and no rotated file's.
      const torn =
        skipped.length === 1 && skipped[0]!.file === 'metrics.ndjson' && skipped[0]!.reason === 'torn';
      if (!torn) expect(skipped).toEqual([]);
      // Whole steps' stages in order from step 1, the last step possibly cut between stages.
      events.forEach((event, i) => {
        if (`${event.step}:${event.stage}` !== `${Math.floor(i / 4) + 1}:${STAGES[i % 4]}`) {
          throw new Error(`line ${i + 1} is ${event.step}:${event.stage}`);
        }
      });
      const stepsOnDisk = Math.floor(events.length / 4);
      const bytesOnDisk = readdirSync(dir)
        .filter((name) => name.startsWith('metrics.ndjson'))
        .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
      const threadSteps = threadBytes
        ? Math.ceil(WRITER_THREAD_LINES / 4) + Math.ceil(WRITER_THREAD_BYTES / (bytesOnDisk / stepsOnDisk))
        : 0;
      expect(stepsOnDisk).toBeGreaterThanOrEqual(stepsDone - lostSteps - threadSteps);
      if (!torn) expect(readFileSync(join(dir, 'metrics.ndjson')).at(-1) ?? 0x0a).toBe(0x0a);
    },
    180_000,
  );
});
