// `loop dashboard` on hostile run-dir documents (issue 15): JSON nested 10,000 deep and a FIFO where a
// document should be give a page (exit 0) that flags them, in bounded time, never a RangeError or a hang.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deepJson,
  ndjson,
  runDir,
  stageEvents,
} from '../../../packages/run-dir/test-support/run-dir-fixture.js';
import { loop } from './harness.js';

describe('loop dashboard on hostile documents', () => {
  it('renders the page for run.json and a summary nested 10,000 deep', async () => {
    const deep = deepJson(10_000);
    const dir = await runDir({ run: `{"settings":${deep}}`, summary: deep });
    const r = await loop(['dashboard', '--run-dir', dir], { timeout: 60_000 });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const page = readFileSync(join(dir, 'dashboard.html'), 'utf8');
    expect(page).toContain('nested deeper than 64 levels');
  });

  it('renders the page when run.json is a FIFO with no writer (no hang)', async () => {
    const dir = await runDir({ files: { 'run.json': { kind: 'fifo' } } });
    const r = await loop(['dashboard', '--run-dir', dir], { timeout: 60_000 });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(readFileSync(join(dir, 'dashboard.html'), 'utf8')).toContain('is not a regular file');
  });

  it('skips a directory named metrics.ndjson.1 and a FIFO named metrics.ndjson.2, names them, and counts deep NDJSON lines: dashboard, status and check finish', async () => {
    const events = stageEvents(6);
    const dir = await runDir({
      files: {
        // A directory and a FIFO (no writer) where the two oldest rotated files would be, then real files.
        'metrics.ndjson.1': { kind: 'directory' },
        'metrics.ndjson.2': { kind: 'fifo' },
        'metrics.ndjson.3': ndjson(events.slice(0, 8)),
        'metrics.ndjson': `${ndjson(events.slice(8))}${deepJson(10_000)}\n${deepJson(10_000, 'object')}\n`,
      },
    });
    const dashboard = await loop(['dashboard', '--run-dir', dir], { timeout: 60_000 });
    expect(dashboard.exitCode, String(dashboard.stderr)).toBe(0);
    // The FIFO is never opened blocking; the deep lines are counted, not a crash; both entries are named.
    expect(dashboard.stdout).toContain(
      `${events.length} events from 2 files, 2 skipped lines, 2 skipped (not regular files): metrics.ndjson.1, metrics.ndjson.2`,
    );
    const page = readFileSync(join(dir, 'dashboard.html'), 'utf8');
    expect(page).toContain('<h2>Stages</h2>');
    const quality = page.slice(page.indexOf('<section id="data-quality">'));
    expect(quality).toContain('<h3>Skipped files</h3>');
    expect(quality).toMatch(
      /<tr data-skipped-file="metrics.ndjson.1"><td class="text"><bdi>metrics.ndjson.1<\/bdi><\/td><td class="text"><bdi>a directory, not a regular file: skipped, never opened or read<\/bdi>/,
    );
    expect(quality).toMatch(
      /<tr data-skipped-file="metrics.ndjson.2"><td class="text"><bdi>metrics.ndjson.2<\/bdi><\/td><td class="text"><bdi>a FIFO \(named pipe\), not a regular file: skipped, never opened or read<\/bdi>/,
    );
    expect(quality).toContain('2 entries named like NDJSON files are not regular files and were skipped');
    // Not taken for files that rotation deleted.
    expect(page).not.toContain('--metrics-rotate-keep');
    const status = await loop(['status', '--run-dir', dir, '--json'], { timeout: 60_000 });
    const row = JSON.parse(String(status.stdout)).runs[0];
    expect(row.skipped_files).toEqual([
      { name: 'metrics.ndjson.1', type: 'directory' },
      { name: 'metrics.ndjson.2', type: 'fifo' },
    ]);
    expect(row.problems).toEqual([
      'metrics.ndjson.1 is a directory, not a regular file: skipped',
      'metrics.ndjson.2 is a FIFO (named pipe), not a regular file: skipped',
    ]);
    expect(row.steps).toBe(6);
    const check = await loop(
      ['check', '--run-dir', dir, '--threshold', 'skipped_lines == 2', '--threshold', 'skipped_files == 2'],
      { timeout: 60_000 },
    );
    expect(check.exitCode, String(check.stdout)).toBe(0);
    expect(check.stdout).toContain('note: metrics.ndjson.1 is a directory, not a regular file: skipped\n');
    expect(check.stdout).toContain(
      'note: metrics.ndjson.2 is a FIFO (named pipe), not a regular file: skipped\n',
    );
  });
});
