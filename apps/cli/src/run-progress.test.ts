import { PassThrough } from 'node:stream';
import { simulateLoop } from '@loop/engine';
import { describe, expect, it } from 'vitest';
import { duration, RunProgress } from './run-progress.js';

/** A clock the test moves: each call to now() advances it by `stepMs`. */
function fakeClock(stepMs: number) {
  let t = 0;
  return () => {
    t += stepMs;
    return t;
  };
}

function collect() {
  const out = new PassThrough() as PassThrough & { columns?: number };
  let text = '';
  out.on('data', (chunk) => {
    text += chunk;
  });
  return { out, text: () => text };
}

describe('RunProgress', () => {
  it('on a TTY redraws one line in place, at most every 250 ms, and erases it at the end', async () => {
    const { out, text } = collect();
    // Each clock read is 100 ms: time is read every 16th step, so a line every 3 reads (48 steps).
    const progress = new RunProgress({
      out,
      mode: 'tty',
      clock: 'simulated',
      maxSteps: 200,
      now: fakeClock(100),
      afterMs: 0,
    });
    await simulateLoop({ seed: 1, maxSteps: 200, observers: [progress] });
    progress.clear();
    const frames = text().split('\r\x1b[2K').filter(Boolean);
    expect(frames.map((f) => f.replace(/ {2}\d[\d,]* steps\/s.*/, ''))).toEqual([
      'loop run: step 16/200',
      'loop run: step 64/200',
      'loop run: step 112/200',
      'loop run: step 160/200',
    ]);
    expect(frames[1]).toMatch(
      /^loop run: step 64\/200 {2}\d[\d,]* steps\/s {2}sim 2024-01-01T\d\d:\d\d:\d\dZ {2}rejections \d+ {2}errors \d+ {2}equity [\d,]+\.\d\d {2}(ACTIVE|REDUCING|HALTED)$/,
    );
    expect(text().endsWith('\r\x1b[2K')).toBe(true);
    expect(text()).not.toContain('\n');
  });

  it('off a TTY writes plain lines every everyMs, the first after everyMs, and events when metrics are on', async () => {
    const { out, text } = collect();
    const progress = new RunProgress({
      out,
      mode: 'lines',
      clock: 'real',
      everyMs: 1000,
      eventsWritten: () => 1234,
      now: fakeClock(400),
    });
    await simulateLoop({ seed: 1, maxSteps: 10, observers: [progress] });
    progress.clear();
    const lines = text().split('\n');
    expect(lines.at(-1)).toBe('');
    // now() is read at construction (400) and at each step (800, 1200, ...): the first line is due at 1400.
    expect(lines.slice(0, -1).map((l) => l.split('  ')[0])).toEqual([
      'loop run: step 3',
      'loop run: step 6',
      'loop run: step 9',
    ]);
    expect(lines[1]).toMatch(/^loop run: step 6 {2}3 steps\/s {2}up 2s {2}events 1,234 {2}rejections/);
    expect(text()).not.toContain('\r');
  });

  it('stays silent for a run shorter than the first interval', async () => {
    const { out, text } = collect();
    const progress = new RunProgress({
      out,
      mode: 'lines',
      clock: 'simulated',
      everyMs: 10_000,
      now: fakeClock(1),
    });
    await simulateLoop({ seed: 1, maxSteps: 500, observers: [progress] });
    progress.clear();
    expect(text()).toBe('');
  });

  it('cuts the TTY line to the terminal width so that it never wraps', async () => {
    const { out, text } = collect();
    out.columns = 40;
    const progress = new RunProgress({
      out,
      mode: 'tty',
      clock: 'simulated',
      afterMs: 0,
      now: fakeClock(1000),
    });
    await simulateLoop({ seed: 1, maxSteps: 16, observers: [progress] });
    expect(text()).toBe(`\r\x1b[2K${'loop run: step 16  16 steps/s  sim 2024-01-01T00:15:00Z'.slice(0, 39)}`);
  });
});

describe('duration', () => {
  it('reads like an uptime', () => {
    expect([0, 42_000, 307_000, 10_920_000, 187_200_000].map(duration)).toEqual([
      '0s',
      '42s',
      '5m07s',
      '3h02m',
      '2d04h',
    ]);
  });
});
