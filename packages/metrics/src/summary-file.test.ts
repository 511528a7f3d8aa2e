// The summary is replaced atomically and read back validated, with errors naming the file and field.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMetricsError } from './errors.js';
import { StageMetricsCollector } from './stage-metrics-collector.js';
import { readSummary, SUMMARY_FILE, writeSummaryAtomic } from './summary-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-summary-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('metrics_summary.json', () => {
  it('round-trips through writeSummaryAtomic and readSummary, leaving no temp file', async () => {
    const collector = new StageMetricsCollector();
    collector.record({ ts: 5, step: 1, stage: 'risk', outcome: 'rejected', latency_ms: 2, reason: 'HALTED' });
    const summary = collector.summary({ nowMs: 10, processStartMs: 1, pid: null });
    writeSummaryAtomic(dir, summary);
    writeSummaryAtomic(dir, summary);
    expect(fs.readdirSync(dir)).toEqual([SUMMARY_FILE]);
    expect(await readSummary(dir)).toEqual(summary);
    // The recorder's periodic rewrite skips the fsync; the file is replaced whole all the same.
    const later = collector.summary({ nowMs: 20, processStartMs: 1, pid: null });
    writeSummaryAtomic(dir, later, { fsync: false });
    expect(fs.readdirSync(dir)).toEqual([SUMMARY_FILE]);
    expect(await readSummary(dir)).toEqual(later);
  });

  it('is undefined when missing, and a coded error naming file and field when invalid', async () => {
    expect(await readSummary(dir)).toBeUndefined();
    fs.writeFileSync(path.join(dir, SUMMARY_FILE), '{"v":1,');
    await expect(readSummary(dir)).rejects.toMatchObject({ code: 'LOOP_METRICS_SUMMARY_INVALID' });
    fs.writeFileSync(path.join(dir, SUMMARY_FILE), JSON.stringify({ v: 1, pid: 'x' }));
    const error = await readSummary(dir).catch((e: unknown) => e);
    expect(isMetricsError(error) && error.message).toMatch(/metrics_summary\.json: pid: /);
  });

  it('throws a coded write error and leaves the old summary when the dir is gone', () => {
    const collector = new StageMetricsCollector();
    expect(() =>
      writeSummaryAtomic(path.join(dir, 'nope'), collector.summary({ nowMs: 0, processStartMs: 0, pid: 1 })),
    ).toThrow(expect.objectContaining({ code: 'LOOP_METRICS_WRITE_FAILED' }));
  });
});
