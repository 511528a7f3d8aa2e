import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { formatStageEventLine, RotatingNdjsonWriter } from '@loop/metrics';
import { RunHistory } from '@loop/run-dir';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ndjson,
  runDir,
  STAGES,
  stageEvents,
  summaryOf,
  T0,
  writeRunDir,
} from '../../run-dir/test-support/run-dir-fixture.js';
import { buildModel } from './build-model.js';
import { isLoopDashboardError } from './errors.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('buildModel', () => {
  it('reads rotated files in chronological order (.1 oldest, .10 after .9, current last)', async () => {
    const dir = await runDir();
    const events = stageEvents(11); // 44 events, 4 per file
    const files = Array.from({ length: 11 }, (_, i) => ndjson(events.slice(i * 4, i * 4 + 4)));
    await writeRunDir(dir, { metrics: files });
    const model = await buildModel(dir, { tailLines: 44 });
    expect(model.quality.files.map((f) => f.name)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `metrics.ndjson.${i + 1}`),
      'metrics.ndjson',
    ]);
    expect(model.tail.map((e) => e.step)).toEqual(events.map((e) => e.step));
    expect(model.tail.map((e) => e.ts)).toEqual([...model.tail.map((e) => e.ts)].sort((a, b) => a - b));
    expect(model.quality.eventsRead).toBe(44);
    expect(model.quality.skippedLines).toBe(0);
  });

  it('says when rotated files were pruned, and explains a summary that counts more than the files', async () => {
    const dir = await runDir();
    const events = stageEvents(5); // 20 events, 4 per file; .1 and .2 pruned by --metrics-rotate-keep 2
    await writeRunDir(dir, {
      metrics: [0, 1, 2, 3, 4].map((i) => ndjson(events.slice(i * 4, i * 4 + 4))),
      summary: summaryOf({ stage_events_count: 20 }),
    });
    await rm(join(dir, 'metrics.ndjson.1'));
    await rm(join(dir, 'metrics.ndjson.2'));
    const model = await buildModel(dir);
    expect(model.quality.eventsRead).toBe(12);
    expect(model.quality.notes).toContain(
      '2 rotated NDJSON files had been deleted (--metrics-rotate-keep) before this page could read them: their events are not in the charts, the tail or figures recomputed from the files.',
    );
    expect(model.quality.notes.join(' ')).toMatch(
      /The summary counts 20 stage events since its process started; the NDJSON files hold 12 \(rotated files were deleted\)/,
    );
  });

  it('says a summary is behind the files only when it trails its newest event by more than its interval', async () => {
    // 3 steps a minute apart (12 events); the summary counted 8 and was last written at step 2.
    const dir = await runDir();
    await writeRunDir(dir, {
      metrics: [ndjson(stageEvents(3))],
      summary: summaryOf({ stage_events_count: 8, updated_at: T0 + 60_000 }),
    });
    const model = await buildModel(dir);
    expect(model.quality.notes.join(' ')).toContain(
      'The summary counts 8 stage events since its process started; the NDJSON files hold 12: the summary is behind the files (last written at 2019-03-29 00:01:00Z, 60 s before the newest event;',
    );
    // Written a second before the newest event (a live run between two rewrites): no note.
    await writeRunDir(dir, { summary: summaryOf({ stage_events_count: 8, updated_at: T0 + 119_000 }) });
    expect((await buildModel(dir)).quality.notes.join(' ')).not.toContain('The summary counts');
  });

  it('compares the summary with its own process only: files that span restarts are no reason for a note', async () => {
    // Lifetime 1: steps 1-3 (12 events); lifetime 2, an hour later: steps 1-2 (8 events).
    const later = stageEvents(2).map((e) => ({ ...e, ts: e.ts + 3_600_000 }));
    const last = later.at(-1)!.ts;
    const dir = await runDir();
    await writeRunDir(dir, {
      metrics: [ndjson(stageEvents(3)), ndjson(later)],
      summary: summaryOf({ stage_events_count: 8, process_start: later[0]!.ts, updated_at: last }),
    });
    const model = await buildModel(dir);
    expect(model.health?.lifetimes.totals.lifetimes).toBe(2);
    expect(model.quality.eventsRead).toBe(20);
    expect(model.quality.notes.join(' ')).not.toContain('The summary counts');
    // The same summary left behind in the second lifetime: the note counts that lifetime's events.
    await writeRunDir(dir, {
      summary: summaryOf({ stage_events_count: 4, process_start: later[0]!.ts, updated_at: last - 60_000 }),
    });
    expect((await buildModel(dir)).quality.notes.join(' ')).toContain(
      'The summary counts 4 stage events since its process started; the NDJSON files hold 8 of its process (lifetime 2; 20 across all lifetimes): the summary is behind the files',
    );
  });

  it('takes the tail across a file boundary, oldest first, with file and line', async () => {
    const dir = await runDir();
    const events = stageEvents(3); // 12 events
    await writeRunDir(dir, {
      metrics: [ndjson(events.slice(0, 5)), ndjson(events.slice(5, 10)), ndjson(events.slice(10))],
    });
    const model = await buildModel(dir, { tailLines: 4 });
    expect(model.tail.map((e) => [e.file, e.line, e.stage])).toEqual([
      ['metrics.ndjson.2', 4, events[8]!.stage],
      ['metrics.ndjson.2', 5, events[9]!.stage],
      ['metrics.ndjson', 1, events[10]!.stage],
      ['metrics.ndjson', 2, events[11]!.stage],
    ]);
  });

  it('skips and counts corrupt lines with file and line, and a torn last line', async () => {
    const dir = await runDir();
    const events = stageEvents(2);
    const good = ndjson(events.slice(0, 4));
    await writeRunDir(dir, {
      metrics: [
        `${good}not json at all\n{"v":1,"ts":1,"step":1,"stage":"risk","outcome":"maybe","latency_ms":1}\n`,
        `${ndjson(events.slice(4))}{"v":1,"ts":155381`,
      ],
    });
    const model = await buildModel(dir);
    expect(model.quality.eventsRead).toBe(8);
    expect(model.quality.skippedLines).toBe(3);
    expect(model.quality.skippedSamples).toEqual([
      { file: 'metrics.ndjson.1', line: 5, reason: 'not JSON (torn or corrupt line)' },
      { file: 'metrics.ndjson.1', line: 6, reason: expect.stringMatching(/^schema: outcome/) },
      { file: 'metrics.ndjson', line: 5, reason: 'torn last line (no newline)' },
    ]);
    expect(model.quality.notes.join(' ')).toMatch(/3 NDJSON lines skipped/);
  });

  it('uses a valid summary for the counters and stage table', async () => {
    const dir = await runDir();
    await writeRunDir(dir, { metrics: [ndjson(stageEvents(10))], summary: summaryOf() });
    const model = await buildModel(dir);
    expect(model.summarySource).toBe('valid');
    expect(model.overview).toMatchObject({
      processed: 10,
      filled: 8,
      rejected: 1,
      errors: 0,
      stageEvents: 40,
    });
    expect(model.stages).toEqual([
      {
        stage: 'strategy',
        count: 10,
        p50_ms: 0.123,
        p95_ms: 0.456,
        p99_ms: 0.789,
        max_ms: 1.5,
        mean_ms: 0.2,
        ok: 10,
        rejected: 0,
        error: 0,
      },
    ]);
    expect(model.quality.summaryNote).toBeNull();
  });

  it('recomputes a corrupt summary from the NDJSON and says so', async () => {
    const dir = await runDir();
    await writeRunDir(dir, { metrics: [ndjson(stageEvents(22))], summary: '{"v":1,"pid":nul' });
    const model = await buildModel(dir);
    expect(model.summarySource).toBe('recomputed');
    expect(model.quality.summaryNote).toMatch(/metrics_summary\.json is corrupt \(not JSON/);
    // 22 steps: risk rejected at steps 7, 14, 21; exec errors at 11 and 22; fills at 4, 8, 12, 16, 20.
    expect(model.overview).toMatchObject({
      processed: 22,
      filled: 5,
      rejected: 3,
      errors: 2,
      stageEvents: 88,
    });
    expect(model.stages.map((s) => s.stage)).toEqual([...STAGES]);
    const risk = model.stages.find((s) => s.stage === 'risk')!;
    expect(risk).toMatchObject({ count: 22, ok: 19, rejected: 3, error: 0 });
    // Risk latencies are 0.2 + (step % 10) * 0.01 ms: 0.20 .. 0.29.
    expect(risk.p50_ms).toBeCloseTo(0.24, 2);
    expect(risk.max_ms).toBeCloseTo(0.29, 5);
    expect(model.reasons).toMatchObject([
      { stage: 'risk', outcome: 'rejected', reason: 'MAX_POSITION', count: 3, share: 3 / 22 },
      { stage: 'exec', outcome: 'error', reason: 'VENUE_TIMEOUT', count: 2, share: 2 / 22 },
    ]);
    // Every reason has a first example and, when seen more than once, the last one too, with file and line.
    for (const r of model.reasons) {
      expect(r.firstExample).toMatchObject({ file: 'metrics.ndjson' });
      expect(r.lastExample?.step).toBe(r.reason === 'MAX_POSITION' ? 21 : 22);
    }
    expect(model.recent?.rejections.map((e) => e.step)).toEqual([7, 14, 21]);
    expect(model.recent?.errors.map((e) => e.step)).toEqual([11, 22]);
  });

  it('flags a summary that does not match the schema as corrupt', async () => {
    const dir = await runDir();
    await writeRunDir(dir, {
      metrics: [ndjson(stageEvents(1))],
      summary: JSON.stringify({ ...summaryOf(), counters: { processed: -1 } }),
    });
    const model = await buildModel(dir);
    expect(model.quality.summaryNote).toMatch(/does not match the schema: counters\./);
  });

  it('gives an empty model for an empty run dir', async () => {
    const dir = await runDir();
    const model = await buildModel(dir);
    expect(model.empty).toBe(true);
    expect(model.tail).toEqual([]);
    expect(model.settings).toBeNull();
  });

  it('rejects a missing run dir with LOOP_DASHBOARD_RUN_DIR_MISSING', async () => {
    const dir = await runDir();
    const error = await buildModel(join(dir, 'nope')).catch((e: unknown) => e);
    expect(isLoopDashboardError(error) && error.code).toBe('LOOP_DASHBOARD_RUN_DIR_MISSING');
    await writeFile(join(dir, 'file'), '');
    const notDir = await buildModel(join(dir, 'file')).catch((e: unknown) => e);
    expect(isLoopDashboardError(notDir) && notDir.code).toBe('LOOP_DASHBOARD_RUN_DIR_MISSING');
  });

  it('reads run.json leniently into settings rows and notes a corrupt one', async () => {
    const dir = await runDir();
    await writeRunDir(dir, {
      run: {
        settings: { seed: 42, clock: 'simulated' },
        versions: { '@loop/cli': '0.1.0' },
        ended: 'max-steps',
        tags: ['a', 'b'],
      },
    });
    expect((await buildModel(dir)).settings).toEqual([
      { key: 'settings.seed', value: '42' },
      { key: 'settings.clock', value: 'simulated' },
      { key: 'versions.@loop/cli', value: '0.1.0' },
      { key: 'ended', value: 'max-steps' },
      { key: 'tags', value: 'a b' },
    ]);
    const other = await runDir();
    await writeRunDir(other, { run: '[1,2]' });
    const model = await buildModel(other);
    expect(model.settings).toBeNull();
    expect(model.quality.notes).toContain('run.json is not a JSON object; settings are not shown.');
  });

  it('keeps the model bounded for a long history (buckets, tail)', async () => {
    const dir = await runDir();
    await mkdir(dir, { recursive: true });
    // 5,000 steps a minute apart (about 3.5 days) in 5 files.
    for (let f = 0; f < 5; f++) {
      const name = f === 4 ? 'metrics.ndjson' : `metrics.ndjson.${f + 1}`;
      await appendFile(join(dir, name), ndjson(stageEvents(1000, f * 1000 + 1)));
    }
    const model = await buildModel(dir, { tailLines: 10 });
    expect(model.quality.eventsRead).toBe(20_000);
    expect(model.tail).toHaveLength(10);
    for (const s of model.latencySeries.stages) expect(s.points.length).toBeLessThanOrEqual(96);
    expect(model.latencySeries.bucketMs).toBe(3_600_000);
    const total = model.latencySeries.stages
      .find((s) => s.stage === 'risk')!
      .points.reduce((n, p) => n + p[3], 0);
    expect(total).toBe(5000);
  });
});

describe('buildModel with many rotated files', () => {
  it('lists the oldest 3 and newest 8 files, with totals over all of them', async () => {
    const dir = await runDir();
    const events = stageEvents(10); // 40 events, 2 per file
    await writeRunDir(dir, {
      metrics: Array.from({ length: 20 }, (_, i) => ndjson(events.slice(i * 2, i * 2 + 2))),
    });
    const model = await buildModel(dir);
    expect(model.quality.files.map((f) => f.name)).toEqual([
      'metrics.ndjson.1',
      'metrics.ndjson.2',
      'metrics.ndjson.3',
      ...Array.from({ length: 7 }, (_, i) => `metrics.ndjson.${i + 13}`),
      'metrics.ndjson',
    ]);
    expect(model.quality.filesOmitted).toBe(9);
    expect(model.quality.fileTotals).toEqual({
      count: 20,
      lines: 40,
      bytes: Buffer.byteLength(ndjson(events)),
    });
  });
});

describe('buildModel while a live writer rotates and prunes', () => {
  it('reads a gap-free run of events, none twice, including every line flushed before it started', async () => {
    const dir = await runDir();
    // The real writer: 400 lines per file, 3 rotated files kept, the oldest deleted on each rotation.
    const writer = new RotatingNdjsonWriter({ dir, maxLines: 400, keep: 3 });
    let written = 0;
    const writeBatch = (lines: number) => {
      for (let i = 0; i < lines; i++, written++) {
        writer.writeLine(
          formatStageEventLine({
            ts: T0 + written,
            step: written,
            stage: 'exec',
            outcome: 'ok',
            latency_ms: 1,
          }),
        );
      }
      writer.flush();
    };
    writeBatch(1500);
    const added = vi.spyOn(RunHistory.prototype, 'addEvent');
    let pumping = true;
    // 50 lines per event-loop turn, interleaved with the reader's file operations: a rotation every 8 turns.
    const pump = (async () => {
      for (let turn = 0; pumping && turn < 100_000; turn++) {
        writeBatch(50);
        await nextTurn();
      }
    })();
    let buildsDuringRotation = 0;
    try {
      for (let build = 0; build < 15; build++) {
        added.mockClear();
        const flushedBefore = written;
        const rotationsBefore = writer.getStats().rotations;
        const model = await buildModel(dir, { tailLines: 5 });
        if (writer.getStats().rotations - rotationsBefore >= 2) buildsDuringRotation++;
        const steps = added.mock.calls.map(([event]) => event.step);
        const first = steps[0]!;
        const gap = steps.findIndex((s, i) => s !== first + i);
        expect(
          steps,
          `build ${build}: a gap or a repeat at ${gap}: ${steps.slice(Math.max(0, gap - 3), gap + 3)}`,
        ).toEqual(steps.map((_, i) => first + i));
        expect(steps.at(-1)!).toBeGreaterThanOrEqual(flushedBefore - 1);
        expect(model.quality.eventsRead).toBe(steps.length);
        expect(model.quality.skippedLines).toBe(0);
      }
    } finally {
      pumping = false;
      await pump;
      writer.close();
    }
    expect(buildsDuringRotation).toBeGreaterThan(0); // the race was exercised, not dodged
  });
});
