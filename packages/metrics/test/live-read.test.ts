// Reading a run dir while another process writes and rotates it: what is read is in order, gap-free, no duplicate.
import { describe, expect, it } from 'vitest';
import { readEvents, tailEvents } from '../src/index.js';
import { startNumberedWriter, tempDir, writerProgress } from './numbered-writer-child.js';

describe('reading during writes', () => {
  it('reads a gap-free, ordered sequence while a live writer rotates (keep on, oldest files vanish)', async () => {
    const dir = tempDir('loop-live-read-');
    const child = startNumberedWriter([dir, '0', '3000000', 'run', '300', '40']);
    await writerProgress(child).reached(30_000);
    for (let pass = 0; pass < 3; pass++) {
      let previous: number | undefined;
      let count = 0;
      const stream = readEvents(dir);
      for await (const { event, file, line } of stream) {
        if (previous !== undefined && event.step !== previous + 1) {
          throw new Error(
            `${file}:${line}: step ${event.step} after ${previous}; ${JSON.stringify(stream.stats.files)} vanished ${JSON.stringify(stream.stats.vanished)}`,
          );
        }
        previous = event.step;
        count++;
      }
      expect(count).toBeGreaterThan(0);
      // Only the line being written at that instant may be cut short.
      expect(stream.stats.skipped.filter((s) => s.reason !== 'torn')).toEqual([]);
      const tail = await tailEvents(dir, 500);
      const steps = tail.events.map((e) => e.event.step);
      expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => steps[0]! + i));
    }
  });
});
