// `loop dashboard` on hostile run-dir documents (issue 15): JSON nested 10,000 deep and a FIFO where a
// document should be give a page (exit 0) that flags them, in bounded time, never a RangeError or a hang.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepJson, runDir, stageEvents } from '../../../packages/run-dir/test-support/run-dir-fixture.js';
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

  it('skips a FIFO named metrics.ndjson.2 and counts deep NDJSON lines: dashboard, status and check finish', async () => {
    const events = stageEvents(6);
    const dir = await runDir({
      // metrics.ndjson.1 and metrics.ndjson, with a FIFO (no writer) between them as metrics.ndjson.2.
      metrics: [events.slice(0, 8), [...events.slice(8), deepJson(10_000), deepJson(10_000, 'object')]],
      files: { 'metrics.ndjson.2': { kind: 'fifo' } },
    });
    const dashboard = await loop(['dashboard', '--run-dir', dir], { timeout: 60_000 });
    expect(dashboard.exitCode, String(dashboard.stderr)).toBe(0);
    // The FIFO is never opened blocking; the deep lines are counted, not a crash.
    expect(dashboard.stdout).toMatch(/ events from \d+ files?, 2 skipped lines/);
    expect(readFileSync(join(dir, 'dashboard.html'), 'utf8')).toContain('<h2>Stages</h2>');
    const status = await loop(['status', '--run-dir', dir, '--json'], { timeout: 60_000 });
    expect(JSON.parse(String(status.stdout)).runs).toHaveLength(1);
    const check = await loop(['check', '--run-dir', dir, '--threshold', 'skipped_lines == 2'], {
      timeout: 60_000,
    });
    expect(check.exitCode, String(check.stdout)).toBe(0);
  });
});
