import { describe, expect, it } from 'vitest';
import { deepJson, runDir } from '../test-support/run-dir-fixture.js';
import { readMetricsSummary, readRunInfo, readRunRecord, readSupervisorState } from './documents.js';
import { RUN_FILE, SUMMARY_FILE } from './file-names.js';

describe('document readers on hostile files', () => {
  it('reports JSON nested 10,000 deep as corrupt (no RangeError)', async () => {
    const deep = deepJson(10_000);
    const dir = await runDir({ run: `{"a":${deep}}`, summary: deep, supervisorState: `{"v":${deep}}` });
    for (const read of [readRunInfo, readRunRecord, readMetricsSummary, readSupervisorState]) {
      expect(await read(dir)).toEqual({ state: 'corrupt', reason: 'nested deeper than 64 levels' });
    }
  });

  it('counts brackets inside strings as text', async () => {
    const dir = await runDir({ run: { note: '['.repeat(1000), 'q"[': 1 } });
    expect((await readRunInfo(dir)).state).toBe('valid');
  });

  it('refuses a FIFO or a directory in place of a document without blocking', async () => {
    const dir = await runDir({
      files: { [RUN_FILE]: { kind: 'fifo' }, [SUMMARY_FILE]: { kind: 'directory' } },
    });
    expect(await readRunInfo(dir)).toEqual({ state: 'corrupt', reason: 'is not a regular file' });
    expect(await readMetricsSummary(dir)).toEqual({ state: 'corrupt', reason: 'is not a regular file' });
  });
});
