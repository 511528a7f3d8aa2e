// The recorder as a bot uses it: files, summary, determinism, the one-writer lock, write failures.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failingFileSystem } from '../test/failing-file-system.js';
import { isMetricsError } from './errors.js';
import { openMetricsRecorder } from './metrics-recorder.js';
import type { WriterFileSystem } from './rotating-ndjson-writer.js';
import { metricsSummarySchema } from './schema.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-recorder-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function simulatedRun(runDir: string): void {
  let now = 1_553_817_600_000;
  const recorder = openMetricsRecorder({
    runDir,
    rotate: { maxLines: 5 },
    now: () => now,
    deterministic: true,
    handleProcessExit: false,
  });
  for (let step = 1; step <= 20; step++) {
    for (const stage of ['strategy', 'risk', 'exec', 'position']) {
      const rejected = stage === 'risk' && step % 7 === 0;
      recorder.record({
        ts: now,
        step,
        stage,
        outcome: rejected ? 'rejected' : 'ok',
        latency_ms: (step * 13) % 5,
        ...(rejected ? { reason: 'MAX_POSITION', detail: 'position=3 limit=2' } : {}),
      });
    }
    recorder.count('processed');
    recorder.setGauge('equity', 10_000 + step);
    recorder.flush();
    now += 60_000;
  }
  recorder.close();
}

function snapshot(runDir: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(runDir)
      .sort()
      .map((name) => [name, fs.readFileSync(path.join(runDir, name), 'utf8')]),
  );
}

describe('MetricsRecorder', () => {
  it('gives byte-identical files for the same simulated run, with no pid or wall-clock time', () => {
    simulatedRun(path.join(dir, 'a'));
    simulatedRun(path.join(dir, 'b'));
    const a = snapshot(path.join(dir, 'a'));
    expect(a).toEqual(snapshot(path.join(dir, 'b')));
    expect(Object.keys(a)).toEqual([
      'metrics.ndjson',
      ...[1, 10, 11, 12, 13, 14, 15, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `metrics.ndjson.${n}`),
      'metrics_summary.json',
    ]);
    const summary = metricsSummarySchema.parse(JSON.parse(a['metrics_summary.json']!));
    expect(summary).toMatchObject({ pid: null, process_start: 1_553_817_600_000, stage_events_count: 80 });
    expect(summary.updated_at).toBe(1_553_817_600_000 + 20 * 60_000);
    // Exemplars: the 10 slowest exec events (latency (step * 13) % 5), slowest first, earlier first among ties.
    const t = (step: number) => 1_553_817_600_000 + (step - 1) * 60_000;
    expect(summary.slowest_by_stage?.exec).toEqual(
      [3, 8, 13, 18, 1, 6, 11, 16, 4, 9].map((step) => ({
        step,
        ts: t(step),
        latency_ms: (step * 13) % 5,
        outcome: 'ok',
      })),
    );
    expect(summary.slowest_by_stage?.risk?.[0]).toEqual({ step: 3, ts: t(3), latency_ms: 4, outcome: 'ok' });
    expect(Object.keys(summary.slowest_by_stage ?? {})).toEqual(['strategy', 'risk', 'exec', 'position']);
    const lines = Object.entries(a)
      .filter(([name]) => name.startsWith('metrics.ndjson'))
      .map(([, text]) => text.split('\n').filter(Boolean).length);
    expect(lines.reduce((s, n) => s + n, 0)).toBe(80);
    expect(Math.max(...lines)).toBeLessThanOrEqual(5);
  });

  it('refuses a second writer while the first is live, in this process or another', () => {
    const first = openMetricsRecorder({ runDir: dir, handleProcessExit: false });
    expect(() => openMetricsRecorder({ runDir: dir, handleProcessExit: false })).toThrow(
      expect.objectContaining({ code: 'LOOP_METRICS_WRITER_LOCKED' }),
    );
    first.close();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      fs.writeFileSync(path.join(dir, 'metrics.lock'), `${sleeper.pid}\n`);
      let caught: unknown;
      try {
        openMetricsRecorder({ runDir: dir, handleProcessExit: false });
      } catch (error) {
        caught = error;
      }
      expect(isMetricsError(caught) && caught.code).toBe('LOOP_METRICS_WRITER_LOCKED');
      expect(String(caught)).toContain(`pid ${sleeper.pid}`);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('refuses bad rotation limits before creating or locking the run dir', () => {
    const runDir = path.join(dir, 'new-run');
    for (const rotate of [{ maxLines: 0 }, { maxBytes: 1.5 }, { keep: -1 }]) {
      let caught: unknown;
      try {
        openMetricsRecorder({ runDir, rotate, handleProcessExit: false });
      } catch (error) {
        caught = error;
      }
      expect(isMetricsError(caught) && caught.code).toBe('LOOP_METRICS_OPTION_INVALID');
      expect(fs.existsSync(runDir)).toBe(false);
    }
  });

  it('takes over a stale lock left by a dead process', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    fs.writeFileSync(path.join(dir, 'metrics.lock'), `${dead.stdout}\n`);
    const recorder = openMetricsRecorder({ runDir: dir, handleProcessExit: false });
    expect(fs.readFileSync(path.join(dir, 'metrics.lock'), 'utf8').split(' ')[0]?.trim()).toBe(
      String(process.pid),
    );
    recorder.close();
    expect(fs.existsSync(path.join(dir, 'metrics.lock'))).toBe(false);
  });

  it('isolates write failures: the loop goes on, the failure is in the summary, writing resumes', () => {
    let failing = false;
    const fileSystem = failingFileSystem('writeSync', () => failing, 'ENOSPC', 'no space left on device');
    const recorder = openMetricsRecorder({
      runDir: dir,
      fileSystem,
      handleProcessExit: false,
      deterministic: true,
      now: () => 0,
    });
    for (let step = 0; step < 30; step++) {
      failing = step >= 10 && step < 20;
      recorder.record({ ts: step, step, stage: 'exec', outcome: 'ok', latency_ms: 0 });
      recorder.flush();
      if (step === 15) {
        expect(recorder.writeSummary()).toBe(true);
        const summary = JSON.parse(fs.readFileSync(path.join(dir, 'metrics_summary.json'), 'utf8'));
        expect(summary.writer.write_errors).toBe(6);
        expect(summary.writer.last_write_error).toContain('ENOSPC');
      }
    }
    recorder.close();
    const steps = fs.readFileSync(path.join(dir, 'metrics.ndjson'), 'utf8').split('\n').filter(Boolean);
    expect(steps.map((l) => JSON.parse(l).step)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(recorder.summary().writer).toMatchObject({
      write_errors: 10,
      lines_written: 30,
      lines_dropped: 0,
    });
  });

  it('flushes a pending batch within ~100 ms without an explicit flush, and fsyncs in fsync mode', async () => {
    let fsyncs = 0;
    const fileSystem: WriterFileSystem = {
      ...fs,
      fsyncSync: (fd: number) => {
        fsyncs++;
        fs.fsyncSync(fd);
      },
    };
    const recorder = openMetricsRecorder({ runDir: dir, fileSystem, fsync: true, handleProcessExit: false });
    recorder.record({ ts: 1, step: 1, stage: 'exec', outcome: 'ok', latency_ms: 0 });
    const file = path.join(dir, 'metrics.ndjson');
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    for (let waited = 0; fs.readFileSync(file, 'utf8') === '' && waited < 2000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(fs.readFileSync(file, 'utf8')).toContain('"step":1');
    expect(fsyncs).toBeGreaterThanOrEqual(1);
    recorder.close();
  });

  it('records an event with a bad stage or outcome (untyped callers) as well as it can, counted and warned', async () => {
    const warnings: string[] = [];
    const recorder = openMetricsRecorder({
      runDir: dir,
      handleProcessExit: false,
      onWarning: (w) => warnings.push(w.kind),
    });
    recorder.record({ ts: 1, step: 1, stage: 'exec', outcome: 'maybe' as 'ok', latency_ms: 1 });
    recorder.record({ ts: 2, step: 1, stage: undefined as unknown as string, outcome: 'ok', latency_ms: 1 });
    recorder.close();
    const lines = fs.readFileSync(path.join(dir, 'metrics.ndjson'), 'utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { stage: 'exec', outcome: 'error', reason: 'INVALID_EVENT', detail: 'outcome=maybe' },
      { stage: 'unknown', outcome: 'ok', latency_ms: 1 },
    ]);
    expect(recorder.summary().outcomes_by_stage.exec).toEqual({ ok: 0, rejected: 0, error: 1 });
    expect(recorder.summary().invalid_input).toEqual({ outcome: 1, stage: 1 });
    expect(warnings).toEqual(['outcome', 'stage']);
  });

  it('works without a run dir (memory and sinks only)', () => {
    const recorder = openMetricsRecorder({ handleProcessExit: false });
    recorder.record({
      ts: 0,
      step: 1,
      stage: 'exec',
      outcome: 'error',
      latency_ms: 3,
      reason: 'STAGE_ERROR',
    });
    expect(recorder.summary().outcomes_by_stage.exec).toEqual({ ok: 0, rejected: 0, error: 1 });
    expect(recorder.writeSummary()).toBe(true);
    recorder.close();
  });
});
