// A batch not yet flushed is written on SIGTERM, SIGINT, on an uncaught exception and on process.exit().
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvents, readSummary } from '../src/index.js';
import { numberedWriter as fixture, packageDir, tempDir } from './numbered-writer-child.js';

describe('flush on exit', () => {
  it.each([
    ['sigterm', (r: ReturnType<typeof spawnSync>) => expect(r.signal).toBe('SIGTERM')],
    ['sigint', (r: ReturnType<typeof spawnSync>) => expect(r.signal).toBe('SIGINT')],
    ['throw', (r: ReturnType<typeof spawnSync>) => expect(r.status).toBe(1)],
    ['exit', (r: ReturnType<typeof spawnSync>) => expect(r.status).toBe(3)],
  ])('%s: every recorded event reaches the file and the summary is written', async (mode, checkExit) => {
    const dir = tempDir(`loop-exit-${mode}-`);
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', fixture, dir, '0', '777', mode, '100000'],
      {
        cwd: packageDir,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    checkExit(result);
    const steps: number[] = [];
    for await (const { event } of readEvents(dir)) steps.push(event.step);
    expect(steps).toEqual(Array.from({ length: 777 }, (_, i) => i));
    const summary = await readSummary(dir);
    expect(summary).toMatchObject({ stage_events_count: 777, pid: expect.any(Number) });
    // The lock is released on the way out, so a supervisor's restart is not refused.
    expect(fs.existsSync(path.join(dir, 'metrics.lock'))).toBe(false);
  });
});
