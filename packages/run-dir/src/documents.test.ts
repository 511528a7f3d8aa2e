import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readMetricsSummary, readRunInfo, readRunRecord, readSupervisorState } from './documents.js';
import { RUN_FILE, SUMMARY_FILE, SUPERVISOR_STATE_FILE } from './file-names.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function runDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-run-dir-'));
  dirs.push(dir);
  return dir;
}

describe('document readers on hostile files', () => {
  it('reports JSON nested 10,000 deep as corrupt (no RangeError)', async () => {
    const dir = await runDir();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    await writeFile(join(dir, RUN_FILE), `{"a":${deep}}`);
    await writeFile(join(dir, SUMMARY_FILE), deep);
    await writeFile(join(dir, SUPERVISOR_STATE_FILE), `{"v":${deep}}`);
    for (const read of [readRunInfo, readRunRecord, readMetricsSummary, readSupervisorState]) {
      expect(await read(dir)).toEqual({ state: 'corrupt', reason: 'nested deeper than 64 levels' });
    }
  });

  it('counts brackets inside strings as text', async () => {
    const dir = await runDir();
    await writeFile(join(dir, RUN_FILE), JSON.stringify({ note: '['.repeat(1000), 'q"[': 1 }));
    expect((await readRunInfo(dir)).state).toBe('valid');
  });

  it('refuses a FIFO or a directory in place of a document without blocking', async () => {
    const dir = await runDir();
    execFileSync('mkfifo', [join(dir, RUN_FILE)]);
    await mkdir(join(dir, SUMMARY_FILE));
    expect(await readRunInfo(dir)).toEqual({ state: 'corrupt', reason: 'is not a regular file' });
    expect(await readMetricsSummary(dir)).toEqual({ state: 'corrupt', reason: 'is not a regular file' });
  });
});
