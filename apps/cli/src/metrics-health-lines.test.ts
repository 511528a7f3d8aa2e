// The disk-full lines: one when writes fail, one when they recover, at most one failing line a minute.
import { describe, expect, it } from 'vitest';
import { HEALTH_LINE_INTERVAL_MS, MetricsHealthLines } from './metrics-health-lines.js';

describe('MetricsHealthLines', () => {
  it('prints a failing line, a recovery line, and rate-limits a flapping disk', () => {
    const lines: string[] = [];
    let now = 0;
    const health = new MetricsHealthLines(
      (line) => lines.push(line),
      () => now,
    );
    const failing = { state: 'failing', file: '/r/metrics.ndjson', error: 'ENOSPC: no space left' } as const;
    const recovered = {
      state: 'recovered',
      file: '/r/metrics.ndjson',
      writeErrors: 3,
      linesDropped: 7,
    } as const;
    health.onChange(failing);
    health.onChange(recovered);
    expect(lines).toEqual([
      'loop run: metrics: cannot write /r/metrics.ndjson: ENOSPC: no space left; the loop goes on, lines wait in memory and are dropped (counted) when it fills',
      'loop run: metrics: writing /r/metrics.ndjson again (3 failed writes, 7 lines dropped so far)',
    ]);
    // Flapping within the minute: silent, recoveries too (no failing line was printed for them).
    now = 1000;
    for (let i = 0; i < 5; i++) {
      health.onChange(failing);
      health.onChange(recovered);
    }
    expect(lines).toHaveLength(2);
    now = 1000 + HEALTH_LINE_INTERVAL_MS;
    health.onChange(failing);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('(failed again 5 times since the last line)');
  });
});
