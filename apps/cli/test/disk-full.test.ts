// `loop run --enable-metrics` on a real full disk (a 2 MiB tmpfs; needs root and mount, else skipped with a
// warning): one stderr line when writes fail and one when they recover, /metrics counts the failures, no
// torn line, and the writer's figures match the files exactly; with the writer on the loop's thread and on its own.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startLoop, tempDir, waitFor } from './harness.js';

function mountTmpfs(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  }
}

/** Every line of the run dir's NDJSON files; throws on a torn one. */
function ndjsonLines(dir: string): number {
  let lines = 0;
  for (const name of readdirSync(dir).filter((n) => /^metrics\.ndjson(\.\d+)?$/.test(n))) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${name} ends in a torn line`);
    for (const line of text.split('\n').filter(Boolean)) {
      JSON.parse(line);
      lines++;
    }
  }
  return lines;
}

describe('loop run on a full disk', () => {
  // step: the loop's thread writes; interval: the writer thread does (the same writer code behind a ring).
  it.for(['step', 'interval'])(
    'says so once, recovers once, and leaves whole lines that match its figures (--metrics-flush %s)',
    { timeout: 180_000 },
    async (mode, ctx) => {
      const disk = join(tempDir(), 'disk');
      mkdirSync(disk);
      const refused = mountTmpfs(disk);
      if (refused !== undefined) {
        console.warn(`disk-full test skipped: cannot mount a tmpfs here (${refused})`);
        ctx.skip();
      }
      try {
        const filler = join(disk, 'filler');
        writeFileSync(filler, Buffer.alloc(1700 * 1024));
        const dir = join(disk, 'run');
        const port = await freePort();
        const run = startLoop([
          'run',
          '--run-dir',
          dir,
          '--clock',
          'real',
          '--step-interval-ms',
          '2',
          '--enable-metrics',
          '--metrics-flush',
          mode,
          '--metrics-port',
          String(port),
        ]);
        await waitFor(() => run.output().includes('loop run: metrics: cannot write'), 60_000);
        const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const errors = /^loop_metrics_write_errors_total(?:\{[^}]*\})? (\d+)/m.exec(page);
        expect(Number(errors?.[1])).toBeGreaterThan(0);
        rmSync(filler);
        await waitFor(() => /loop run: metrics: writing .* again/.test(run.output()), 60_000);
        run.child.kill('SIGTERM');
        const { exitCode, stderr } = await run.done;
        expect(exitCode, stderr).toBe(0);
        expect(stderr.split('\n').filter((l) => l.includes('loop run: metrics: cannot write'))).toHaveLength(
          1,
        );
        expect(stderr.split('\n').filter((l) => /loop run: metrics: writing .* again/.test(l))).toHaveLength(
          1,
        );
        const summary = JSON.parse(readFileSync(join(dir, 'metrics_summary.json'), 'utf8'));
        const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).metrics_writer;
        expect(ndjsonLines(dir)).toBe(summary.writer.lines_written);
        expect(summary.writer.lines_written + summary.writer.lines_dropped).toBe(summary.stage_events_count);
        expect(summary.writer.write_errors).toBeGreaterThan(0);
        expect(record.lines_written).toBe(summary.writer.lines_written);
      } finally {
        execFileSync('umount', ['-l', disk]);
      }
    },
  );
});
