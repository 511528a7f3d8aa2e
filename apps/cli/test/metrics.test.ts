// End-to-end: `loop run --enable-metrics ...` as a real process; the metrics files and summary on disk.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MetricsSummary, metricsSummarySchema, readEvents, type StageEventLine } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { loop, readRunDir, start, startLoop, tempDir, waitFor } from './harness.js';

const SIM = ['--clock', 'simulated', '--exchange', 'paper', '--seed', '42'];

/** `loop run` in `dir`: simulated (seed 42) for `steps` steps, then `flags`. */
function simRun(dir: string, steps: number, ...flags: string[]) {
  return loop(['run', '--run-dir', dir, ...SIM, '--max-steps', String(steps), ...flags], { timeout: 60_000 });
}

function metricsFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => /^metrics\.ndjson(\.\d+)?$/.test(name));
}

function lineCount(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

function summaryOf(dir: string): MetricsSummary {
  return metricsSummarySchema.parse(JSON.parse(readFileSync(join(dir, 'metrics_summary.json'), 'utf8')));
}

/** sha256 of each rotated metrics file (`metrics.ndjson.N`), by name. */
function rotatedDigests(dir: string): Record<string, string> {
  return Object.fromEntries(
    metricsFiles(dir)
      .filter((n) => n !== 'metrics.ndjson')
      .map((n) => [
        n,
        createHash('sha256')
          .update(readFileSync(join(dir, n)))
          .digest('hex'),
      ]),
  );
}

async function eventsOf(dir: string): Promise<{ events: StageEventLine[]; skipped: number }> {
  const stream = readEvents(dir);
  const events: StageEventLine[] = [];
  for await (const { event } of stream) events.push(event);
  return { events, skipped: stream.stats.skippedCount };
}

describe('loop run --enable-metrics', () => {
  it('writes every stage of every step, rotated at exactly 5 lines, and a summary that matches the files', async () => {
    const dir = join(tempDir(), 'run');
    const result = await simRun(dir, 20, '--enable-metrics', '--metrics-rotate-max-lines', '5');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('metrics: 80 stage events');
    const files = metricsFiles(dir);
    expect(files).toContain('metrics.ndjson.1');
    for (const name of files) expect(lineCount(join(dir, name)), name).toBeLessThanOrEqual(5);
    const { events, skipped } = await eventsOf(dir);
    expect(skipped).toBe(0);
    expect(events).toHaveLength(80);
    expect(events.map((e) => `${e.step}:${e.stage}`)).toEqual(
      Array.from({ length: 20 }, (_, i) =>
        ['strategy', 'risk', 'exec', 'position'].map((s) => `${i + 1}:${s}`),
      ).flat(),
    );
    const positions = events.filter((e) => e.stage === 'position');
    expect(
      positions.every((e) => typeof e.attrs?.equity === 'number' && typeof e.attrs?.position === 'number'),
    ).toBe(true);
    const summary = summaryOf(dir);
    expect(summary.stage_events_count).toBe(80);
    expect(summary.pid).toBeNull();
    expect(summary.counters.processed).toBe(20);
    expect(Object.keys(summary.stages_by_name)).toEqual(['strategy', 'risk', 'exec', 'position']);
    expect(summary.stages_by_name.exec!.count).toBe(20);
    expect(summary.gauges).toHaveProperty('equity');
    expect(summary.writer).toMatchObject({ lines_written: 80, rotations: files.length - 1, write_errors: 0 });
    // run.json keeps the writer's figures too: written at the very end, they are there when a full disk kept
    // the summary file from being replaced.
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(run.metrics_writer).toEqual({
      lines_written: 80,
      rotations: files.length - 1,
      write_errors: 0,
      lines_dropped: 0,
      rotated_files_deleted: 0,
      last_write_error: null,
    });
    expect(existsSync(join(dir, 'metrics.lock'))).toBe(false);
  });

  it('gives byte-identical metrics files for the same seed and flags', async () => {
    const [a, b] = [join(tempDir(), 'a'), join(tempDir(), 'b')];
    for (const dir of [a, b]) {
      const result = await simRun(dir, 60, '--enable-metrics', '--metrics-rotate-max-lines', '50');
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const pick = (dir: string) =>
      Object.fromEntries(Object.entries(readRunDir(dir)).filter(([name]) => name.startsWith('metrics')));
    const filesA = pick(a);
    expect(Object.keys(filesA)).toEqual([
      'metrics.ndjson',
      'metrics.ndjson.1',
      'metrics.ndjson.2',
      'metrics.ndjson.3',
      'metrics.ndjson.4',
      'metrics_summary.json',
    ]);
    expect(filesA).toEqual(pick(b));
  });

  it('never lets a file exceed --metrics-rotate-max-mb and keeps only --metrics-rotate-keep rotated files', async () => {
    const dir = join(tempDir(), 'run');
    const maxBytes = Math.floor(0.002 * 1024 * 1024);
    const result = await simRun(
      dir,
      100,
      '--enable-metrics',
      '--metrics-rotate-max-mb',
      '0.002',
      '--metrics-rotate-keep',
      '3',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const files = metricsFiles(dir).sort();
    const rotated = files
      .filter((f) => f !== 'metrics.ndjson')
      .map((f) => Number(f.split('.').at(-1)))
      .sort((x, y) => x - y);
    expect(rotated).toHaveLength(3);
    const summary = summaryOf(dir);
    expect(rotated).toEqual([
      summary.writer.rotations - 2,
      summary.writer.rotations - 1,
      summary.writer.rotations,
    ]);
    for (const name of files) expect(statSync(join(dir, name)).size, name).toBeLessThanOrEqual(maxBytes);
    // The survivors are the newest events, in order, ending with the last step.
    const { events } = await eventsOf(dir);
    expect(events.at(-1)).toMatchObject({ step: 100, stage: 'position' });
    expect(summary.stage_events_count).toBe(400);
  });

  it('continues after the highest rotated file on a restart in the same run dir, overwriting nothing', async () => {
    const dir = join(tempDir(), 'run');
    const run = () => simRun(dir, 20, '--enable-metrics', '--metrics-rotate-max-lines', '6');
    expect((await run()).exitCode).toBe(0);
    const before = rotatedDigests(dir);
    const current = readFileSync(join(dir, 'metrics.ndjson'), 'utf8');
    expect((await run()).exitCode).toBe(0);
    const after = rotatedDigests(dir);
    for (const [name, digest] of Object.entries(before)) expect(after[name], `${name} changed`).toBe(digest);
    const rotatedCount = Object.keys(before).length;
    // The old current file became the next .N, unchanged.
    expect(readFileSync(join(dir, `metrics.ndjson.${rotatedCount + 1}`), 'utf8').startsWith(current)).toBe(
      true,
    );
    const { events, skipped } = await eventsOf(dir);
    expect(skipped).toBe(0);
    expect(events).toHaveLength(160);
    // The summary is per process: the second run's 80 events.
    expect(summaryOf(dir).stage_events_count).toBe(80);
  });

  it('after SIGKILL of a real-clock run, a restart takes over the stale lock and appends without overwriting', async () => {
    const dir = join(tempDir(), 'run');
    const flags = ['--enable-metrics', '--metrics-rotate-max-lines', '10'];
    const first = startLoop(
      ['run', '--run-dir', dir, '--clock', 'real', '--step-interval-ms', '10', ...flags],
      {
        quiet: true,
      },
    );
    await waitFor(() => existsSync(join(dir, 'metrics.ndjson.3')), 30_000);
    expect(existsSync(join(dir, 'metrics.ndjson.3'))).toBe(true);
    first.child.kill('SIGKILL');
    await first.done;
    expect(readFileSync(join(dir, 'metrics.lock'), 'utf8').split(' ')[0]).toBe(String(first.child.pid));
    const before = rotatedDigests(dir);
    const firstEvents = (await eventsOf(dir)).events;

    const second = await simRun(dir, 5, ...flags);
    expect(second.exitCode, second.stderr).toBe(0);
    const after = rotatedDigests(dir);
    for (const [name, digest] of Object.entries(before)) expect(after[name], `${name} changed`).toBe(digest);
    const { events, skipped } = await eventsOf(dir);
    expect(skipped).toBeLessThanOrEqual(1); // at most the line the kill cut short
    expect(events.slice(0, firstEvents.length)).toEqual(firstEvents);
    const stages = ['strategy', 'risk', 'exec', 'position'];
    expect(events.slice(firstEvents.length).map((e) => `${e.step}:${e.stage}`)).toEqual(
      [1, 2, 3, 4, 5].flatMap((step) => stages.map((stage) => `${step}:${stage}`)),
    );
    // The killed run's events are whole steps in order up to where it was killed.
    firstEvents.forEach((e, i) => {
      expect(`${e.step}:${e.stage}`).toBe(`${Math.floor(i / 4) + 1}:${stages[i % 4]}`);
    });
    expect(existsSync(join(dir, 'metrics.lock'))).toBe(false);
  });

  it('refuses a run dir whose metrics another live process writes (exit 1, names the pid)', async () => {
    const dir = tempDir();
    const holder = start(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']).child;
    writeFileSync(join(dir, 'metrics.lock'), `${holder.pid}\n`);
    const result = await simRun(dir, 3, '--enable-metrics');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`pid ${holder.pid}`);
    expect(metricsFiles(dir)).toEqual([]);
  });

  it.each([
    [['--metrics-rotate-max-lines', '0'], '--metrics-rotate-max-lines'],
    [['--metrics-rotate-max-mb', 'abc'], '--metrics-rotate-max-mb'],
    [['--metrics-rotate-keep', '-1'], '--metrics-rotate-keep'],
    [['--metrics-port', '70000'], '--metrics-port'],
  ])('rejects bad %j with exit 2 naming the flag, writing nothing', async (flags, flag) => {
    const dir = join(tempDir(), 'never');
    const result = await simRun(dir, 3, '--enable-metrics', ...flags);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(flag);
    expect(existsSync(dir)).toBe(false);
  });

  it('rejects rotation flags without --enable-metrics (exit 2), writing nothing', async () => {
    const dir = join(tempDir(), 'never');
    const result = await simRun(dir, 3, '--metrics-rotate-max-lines', '5');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--metrics-rotate-max-lines needs --enable-metrics');
    expect(existsSync(dir)).toBe(false);
  });

  it('writes nothing metrics-related without --enable-metrics', async () => {
    const dir = join(tempDir(), 'run');
    expect((await simRun(dir, 3)).exitCode).toBe(0);
    expect(readdirSync(dir).filter((n) => n.startsWith('metrics'))).toEqual([]);
  });
});
