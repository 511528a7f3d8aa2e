// Reading a run dir back: chronological order across rotated files, skipped lines with file and line, tail.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listMetricsFiles, readEvents, tailEvents } from './metrics-reader.js';
import { RotatingNdjsonWriter } from './rotating-ndjson-writer.js';
import { formatStageEventLine } from './stage-event.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-reader-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const eventLine = (step: number, detail?: string) =>
  formatStageEventLine({ ts: 1000 + step, step, stage: 'exec', outcome: 'ok', latency_ms: 0.5, detail });

function writeRun(count: number, maxLines: number, detail?: string): void {
  const writer = new RotatingNdjsonWriter({ dir, maxLines });
  for (let i = 0; i < count; i++) writer.writeLine(eventLine(i, detail));
  writer.close();
}

/** An event line without its newline. */
const bare = (step: number, detail?: string) => eventLine(step, detail).trimEnd();

async function collect(stream: AsyncIterable<{ event: { step: number } }>): Promise<number[]> {
  const steps: number[] = [];
  for await (const { event } of stream) steps.push(event.step);
  return steps;
}

describe('readEvents', () => {
  it('yields rotated files oldest first (numeric, .10 after .9), then the current file', async () => {
    writeRun(113, 10);
    expect((await listMetricsFiles(dir)).map((f) => f.name).slice(8)).toEqual([
      'metrics.ndjson.9',
      'metrics.ndjson.10',
      'metrics.ndjson.11',
      'metrics.ndjson',
    ]);
    const stream = readEvents(dir);
    expect(await collect(stream)).toEqual(Array.from({ length: 113 }, (_, i) => i));
    expect(stream.stats).toMatchObject({ events: 113, lines: 113, skippedCount: 0 });
    expect(stream.stats.files.at(-1)).toBe('metrics.ndjson');
  });

  it('skips and counts torn, corrupt and invalid lines with file and line', async () => {
    fs.writeFileSync(
      path.join(dir, 'metrics.ndjson.1'),
      `${eventLine(0)}not json\n${eventLine(1)}{"v":1,"ts":1,"step":-5,"stage":"x","outcome":"ok","latency_ms":0}\n`,
    );
    fs.writeFileSync(path.join(dir, 'metrics.ndjson'), `${eventLine(2)}\n${eventLine(3)}{"v":1,"ts":`);
    const stream = readEvents(dir);
    expect(await collect(stream)).toEqual([0, 1, 2, 3]);
    expect(stream.stats.skippedCount).toBe(4);
    expect(stream.stats.skipped.map((s) => [s.file, s.line, s.reason])).toEqual([
      ['metrics.ndjson.1', 2, 'invalid-json'],
      ['metrics.ndjson.1', 4, 'invalid-schema'],
      ['metrics.ndjson', 2, 'empty'],
      ['metrics.ndjson', 4, 'torn'],
    ]);
    expect(stream.stats.skipped[1]!.message).toContain('step');
  });

  it('streams lines that cross 64 KiB chunk boundaries, and skips an over-long line without holding it', async () => {
    writeRun(3000, 100_000, 'd'.repeat(300)); // ~1.2 MB, one file
    fs.appendFileSync(path.join(dir, 'metrics.ndjson'), `${'x'.repeat(200_000)}\n${eventLine(3000)}`);
    const stream = readEvents(dir, { maxLineBytes: 100_000 });
    const steps = await collect(stream);
    expect(steps).toEqual(Array.from({ length: 3001 }, (_, i) => i));
    expect(stream.stats.skipped).toEqual([
      expect.objectContaining({ file: 'metrics.ndjson', line: 3001, reason: 'too-long' }),
    ]);
  });

  it('counts blank lines (empty, spaces, tabs) as skipped, all the same way', async () => {
    fs.writeFileSync(path.join(dir, 'metrics.ndjson'), `${bare(0)}\n\n   \n\t\r\n${bare(1)}\n`);
    const stream = readEvents(dir);
    expect(await collect(stream)).toEqual([0, 1]);
    expect(stream.stats).toMatchObject({ lines: 5, events: 2, skippedCount: 3 });
    expect(stream.stats.skipped.map((s) => [s.line, s.reason, s.message])).toEqual([
      [2, 'empty', 'blank line'],
      [3, 'empty', 'blank line'],
      [4, 'empty', 'blank line'],
    ]);
    const tail = await tailEvents(dir, 10);
    expect(tail.events.map((e) => e.event.step)).toEqual([0, 1]);
    expect(tail.skipped.map((s) => s.reason)).toEqual(['empty', 'empty', 'empty']);
  });

  it('counts a line that is not UTF-8 as bad instead of reading it with U+FFFD', async () => {
    const bad = Buffer.from(bare(7, 'caf\u00e9'), 'utf8');
    const latin1 = Buffer.from(bare(8, 'caf\u00e9'), 'latin1'); // é as the single byte 0xE9
    const overlong = Buffer.concat([Buffer.from(bare(9).slice(0, -1)), Buffer.from([0xc0, 0x80, 0x7d])]);
    expect(bad.toString('latin1')).not.toBe(latin1.toString('latin1'));
    fs.writeFileSync(
      path.join(dir, 'metrics.ndjson'),
      Buffer.concat([bad, Buffer.from('\n'), latin1, Buffer.from('\n'), overlong, Buffer.from('\n')]),
    );
    const stream = readEvents(dir);
    const events: string[] = [];
    for await (const { event } of stream) events.push(`${event.step}:${event.detail}`);
    expect(events).toEqual(['7:café']);
    expect(stream.stats.skipped.map((s) => [s.line, s.reason])).toEqual([
      [2, 'invalid-utf8'],
      [3, 'invalid-utf8'],
    ]);
    const tail = await tailEvents(dir, 10);
    expect(tail.events.map((e) => e.event.step)).toEqual([7]);
    expect(tail.skippedCount).toBe(2);
  });

  it('checks UTF-8 a line at a time where a chunk boundary splits a character', async () => {
    // 64 KiB chunks: lines of 'é' (2 bytes) put a boundary inside a character somewhere.
    const lines = Array.from({ length: 200 }, (_, i) => bare(i, 'é'.repeat(1000 + (i % 3))));
    fs.writeFileSync(path.join(dir, 'metrics.ndjson'), `${lines.join('\n')}\n`);
    const stream = readEvents(dir);
    expect(await collect(stream)).toHaveLength(200);
    expect(stream.stats.skippedCount).toBe(0);
  });

  it('skips and counts a line nested 100,000 deep', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepAttr = bare(1).replace('}', `,"attrs":{"a":${'{"b":'.repeat(50_000)}1${'}'.repeat(50_000)}}}`);
    fs.writeFileSync(path.join(dir, 'metrics.ndjson'), `${bare(0)}\n${deep}\n${deepAttr}\n${bare(2)}\n`);
    const stream = readEvents(dir);
    expect(await collect(stream)).toEqual([0, 2]);
    expect(stream.stats.skipped.map((s) => [s.line, s.reason])).toEqual([
      [2, 'invalid-schema'],
      [3, 'invalid-schema'],
    ]);
  });

  it('skips a FIFO, a directory or a socket path named like a metrics file without opening it blocking', async () => {
    fs.writeFileSync(path.join(dir, 'metrics.ndjson.1'), `${bare(0)}\n`);
    execFileSync('mkfifo', [path.join(dir, 'metrics.ndjson.2')]); // no writer: a blocking open never returns
    fs.mkdirSync(path.join(dir, 'metrics.ndjson.3'));
    fs.writeFileSync(path.join(dir, 'metrics.ndjson'), `${bare(1)}\n`);
    // Skipped and named, not taken for pruned files: the rotated file older than them is read too.
    const stream = readEvents(dir);
    expect(await collect(stream)).toEqual([0, 1]);
    expect(stream.stats.skippedFiles).toEqual([
      { name: 'metrics.ndjson.2', index: 2, type: 'fifo' },
      { name: 'metrics.ndjson.3', index: 3, type: 'directory' },
    ]);
    expect(stream.stats.vanished).toEqual([]);
    expect(stream.stats.files).toEqual(['metrics.ndjson.1', 'metrics.ndjson']);
    fs.rmSync(path.join(dir, 'metrics.ndjson'));
    execFileSync('mkfifo', [path.join(dir, 'metrics.ndjson')]);
    const again = readEvents(dir);
    expect(await collect(again)).toEqual([0]);
    expect(again.stats.skippedFiles.map((f) => f.name)).toEqual([
      'metrics.ndjson.2',
      'metrics.ndjson.3',
      'metrics.ndjson',
    ]);
    // The tail reads past them as well.
    expect((await tailEvents(dir, 5)).events.map((e) => e.event.step)).toEqual([0]);
  });

  it('is empty for a run dir without metrics, or one that does not exist', async () => {
    expect(await collect(readEvents(dir))).toEqual([]);
    expect(await collect(readEvents(path.join(dir, 'missing')))).toEqual([]);
  });
});

describe('tailEvents', () => {
  it('returns the last n events in order, across files, with lines counted from the end', async () => {
    writeRun(95, 10);
    const { events, skippedCount } = await tailEvents(dir, 12);
    expect(events.map((e) => e.event.step)).toEqual(Array.from({ length: 12 }, (_, i) => 83 + i));
    expect(events.at(-1)).toMatchObject({ file: 'metrics.ndjson', line: -1 });
    expect(events[0]).toMatchObject({ file: 'metrics.ndjson.9', line: -7 });
    expect(skippedCount).toBe(0);
  });

  it('reads only the tail of a large file, across chunk boundaries, skipping a torn last line', async () => {
    writeRun(5000, 1_000_000, 'd'.repeat(200));
    fs.appendFileSync(path.join(dir, 'metrics.ndjson'), '{"v":1,"ts":9,"st');
    const { events, skipped } = await tailEvents(dir, 1500);
    expect(events.map((e) => e.event.step)).toEqual(Array.from({ length: 1500 }, (_, i) => 3500 + i));
    expect(skipped).toEqual([expect.objectContaining({ file: 'metrics.ndjson', line: -1, reason: 'torn' })]);
  });

  it('returns everything when n exceeds the events, and nothing for n <= 0', async () => {
    writeRun(7, 3);
    expect((await tailEvents(dir, 100)).events.map((e) => e.event.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await tailEvents(dir, 0)).events).toEqual([]);
  });

  describe('while a writer rotates and prunes the file it opened first, before the listing', () => {
    /** Files of 10 lines as the writer makes them: `.1` .. `.rotated`, then the current file. */
    function writeFiles(rotated: number, currentLines: number): { step: number; index: number } {
      let step = 0;
      for (let index = 1; index <= rotated; index++) {
        const lines = Array.from({ length: 10 }, () => eventLine(step++));
        fs.writeFileSync(path.join(dir, `metrics.ndjson.${index}`), lines.join(''));
      }
      const lines = Array.from({ length: currentLines }, () => eventLine(step++));
      fs.writeFileSync(path.join(dir, 'metrics.ndjson'), lines.join(''));
      return { step, index: rotated + 1 };
    }

    /**
     * What a fast writer does between the reader's open and listing: rotates the current file `times` times
     * (10 lines each, then 5 in the new current file) and prunes all but the newest 2 rotated files, the file
     * the reader opened among them.
     */
    function rotateAndPrune(state: { step: number; index: number }, times: number): void {
      const current = path.join(dir, 'metrics.ndjson');
      for (let t = 0; t < times; t++) {
        fs.renameSync(current, path.join(dir, `metrics.ndjson.${state.index++}`));
        const lines = Array.from({ length: t === times - 1 ? 5 : 10 }, () => eventLine(state.step++));
        fs.writeFileSync(current, lines.join(''));
      }
      for (let index = 1; index < state.index - 2; index++)
        fs.rmSync(path.join(dir, `metrics.ndjson.${index}`), { force: true });
    }

    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('lists again, so the files read are contiguous newest first', async () => {
      const state = writeFiles(3, 10); // .1 .2 .3 hold 0-29, the current file 30-39
      const readdir = fs.promises.readdir;
      let calls = 0;
      vi.spyOn(fs.promises, 'readdir').mockImplementation(((...args: Parameters<typeof readdir>) => {
        // After the current file (30-39) is opened: it becomes .4, then .5 (40-49), .6 (50-59), current 60-64;
        // .1 to .4 are pruned, so its inode is in no listed entry.
        if (calls++ === 0) rotateAndPrune(state, 3);
        return readdir(...args);
      }) as typeof readdir);
      const { events } = await tailEvents(dir, 25);
      expect(events.map((e) => e.event.step)).toEqual(Array.from({ length: 25 }, (_, i) => 40 + i));
      expect(calls).toBe(2);
      expect(events.map((e) => e.file)).toEqual([
        ...Array(10).fill('metrics.ndjson.5'),
        ...Array(10).fill('metrics.ndjson.6'),
        ...Array(5).fill('metrics.ndjson'),
      ]);
    });

    it('reads the file it opened alone when the writer outruns every listing', async () => {
      const state = writeFiles(3, 10);
      const readdir = fs.promises.readdir;
      let calls = 0;
      let lastOpened: number[] = [];
      vi.spyOn(fs.promises, 'readdir').mockImplementation(((...args: Parameters<typeof readdir>) => {
        calls++;
        // The current file's steps, as just opened by the reader, before the writer moves on again.
        const text = fs.readFileSync(path.join(dir, 'metrics.ndjson'), 'utf8');
        lastOpened = text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line).step as number);
        rotateAndPrune(state, 3);
        return readdir(...args);
      }) as typeof readdir);
      const { events } = await tailEvents(dir, 25);
      expect(lastOpened.length).toBeGreaterThan(0);
      expect(events.map((e) => e.event.step)).toEqual(lastOpened);
      expect(calls).toBe(5);
      expect(new Set(events.map((e) => e.file))).toEqual(new Set(['metrics.ndjson']));
    });
  });
});
