// The NDJSON writer thread (built package): the same files and figures as the in-thread writer, whatever the
// limits and line sizes; a refused run dir throws at once; exit, signals and exceptions still write everything.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingNdjsonWriter } from '../dist/rotating-ndjson-writer.js';
import { formatStageEventLine, type StageEvent } from '../dist/stage-event.js';
import { encodeStageEvent } from '../dist/stage-event-encoder.js';
import { ThreadedNdjsonWriter } from '../dist/threaded-ndjson-writer.js';
import { prestartedWriterThreadState, prestartWriterThread } from '../dist/writer-thread-start.js';
import { readEvents, readSummary } from '../src/index.js';
import { packageDir } from './numbered-writer-child.js';
import { filesOf, seeded, tempDirs, until } from './writer-thread-kit.js';

const tempDir = tempDirs('loop-writer-thread-');

/** A seeded line of 20 bytes to ~600 KiB (larger than the batch buffer and than the ring, now and then). */
function lineOf(i: number, random: () => number): string {
  const r = random();
  const pad =
    r < 0.001 ? 600_000 : r < 0.01 ? 70_000 + Math.floor(random() * 5000) : Math.floor(random() * 300);
  return `{"n":${i},"p":"${'é'.repeat(pad % 7)}${'x'.repeat(pad)}"}\n`;
}

describe('ThreadedNdjsonWriter', () => {
  it.each([
    ['no limits', {}],
    ['maxLines 97', { maxLines: 97 }],
    ['maxBytes 200 KiB, keep 3', { maxBytes: 200 * 1024, keep: 3 }],
    ['maxTotalBytes 2 MiB', { maxTotalBytes: 2 * 1024 * 1024 }],
  ])('writes the same files and figures as RotatingNdjsonWriter (%s)', async (_name, limits) => {
    const inThread = tempDir();
    const threaded = tempDir();
    const a = new RotatingNdjsonWriter({ dir: inThread, ...limits });
    const b = new ThreadedNdjsonWriter({ dir: threaded, ...limits });
    const random = seeded(42);
    for (let i = 0; i < 6000; i++) {
      const line = lineOf(i, random);
      a.writeLine(line);
      b.writeLine(line);
      if (i % 50 === 49) {
        a.flush();
        b.flush();
      }
      // The first 1,000 lines are written by the loop thread's own writer, the rest by the thread.
      if (i === 999) await until(() => b.flush() && b.onThread);
    }
    expect(b.onThread).toBe(true);
    expect(a.close()).toBe(true);
    expect(b.close()).toBe(true);
    expect(filesOf(threaded)).toEqual(filesOf(inThread));
    expect(b.getStats()).toEqual(a.getStats());
    expect(b.rotatedNumbers()).toEqual(a.rotatedNumbers());
  });

  it('writes lines given to writeEncoded in order, straight from the batch', async () => {
    const dir = tempDir();
    const writer = new ThreadedNdjsonWriter({ dir, maxLines: 1000 });
    const encode = (n: number, out: Buffer, at: number) => {
      const text = `{"n":${n}}\n`;
      if (at + text.length > out.length) return -1;
      return at + out.write(text, at);
    };
    await until(() => writer.flush() && writer.onThread);
    for (let n = 0; n < 50_000; n++) writer.writeEncoded(n, encode, (v) => `{"n":${v}}\n`);
    writer.close();
    const numbers = ['metrics.ndjson.', 'metrics.ndjson']
      .flatMap((prefix) =>
        fs
          .readdirSync(dir)
          .filter((f) => (prefix.endsWith('.') ? f.startsWith(prefix) : f === prefix))
          .sort((x, y) => Number(x.split('.').pop()) - Number(y.split('.').pop())),
      )
      .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => (JSON.parse(l) as { n: number }).n);
    expect(numbers).toEqual(Array.from({ length: 50_000 }, (_, i) => i));
    expect(writer.getStats()).toMatchObject({ lines_written: 50_000, rotations: 49, lines_dropped: 0 });
  });

  it.each([
    ['no limits', {}],
    ['maxBytes 300 KiB, keep 4', { maxBytes: 300 * 1024, keep: 4 }],
  ])(
    'writes stage events sent as fields to the same bytes as the encoder on the loop thread (%s)',
    async (_name, limits) => {
      const inThread = tempDir();
      const threaded = tempDir();
      const a = new RotatingNdjsonWriter({ dir: inThread, ...limits });
      const b = new ThreadedNdjsonWriter({ dir: threaded, ...limits });
      await until(() => b.flush() && b.onThread);
      const random = seeded(7);
      const awkward = ['', 'ünï "q"\\', '\ud800 lone', '😀', 'x'.repeat(256), 'x'.repeat(300)];
      const book = { position: 0, equity: 0, price: 0 };
      for (let i = 0; i < 60_000; i++) {
        const r = random();
        const event: StageEvent = {
          ts: i % 997 === 0 ? -1.5 : 1_704_067_200_000 + i * 250 + random(),
          step: i % 991 === 0 ? 2 ** 53 : i >> 2,
          // New names all along (~4,800: past the 4,096 the thread is told of by id), awkward ones now and then;
          // ~350 key sets below (past the 256 sent by id).
          stage:
            r < 0.08
              ? `stage-${i}`
              : r < 0.085
                ? awkward[i % awkward.length]!
                : ['strategy', 'risk', 'exec', 'position'][i % 4]!,
          outcome: (['ok', 'rejected', 'error'] as const)[i % 3]!,
          latency_ms: i % 1009 === 0 ? 1e13 : random() * 10 ** Math.floor(random() * 6 - 2),
          reason: undefined,
          detail: undefined,
          attrs: undefined,
        };
        if (i % 5 === 0) event.reason = i % 15 === 0 ? awkward[i % awkward.length] : `R${i % 7}`;
        if (i % 89 === 0) event.detail = `position=${i} "quoted" ü ${'d'.repeat(i % 5000)}`;
        if (i % 4 === 3) {
          // The same object refilled (as `loop run` does), and now and then other key sets.
          book.position = Math.round((random() - 0.5) * 10) / 10;
          book.equity = 100_000 + (random() - 0.5) * 1000;
          book.price = -0;
          event.attrs = book;
          if (i % 31 === 3) event.attrs = { ...book, trading_state: 'HALTED' };
          if (i % 37 === 3) event.attrs = { 2: 1, ['__proto__']: 5, a: 1.5e-7, 1: -3 };
          if (i % 41 === 3)
            event.attrs = Object.fromEntries(Array.from({ length: 9 }, (_, k) => [`k${k}`, k]));
          if (i % 43 === 3) event.attrs = { [`shape${i}`]: i, position: 1 };
          if (i % 47 === 3) event.attrs = {};
        }
        a.writeEncoded(event, encodeStageEvent, formatStageEventLine);
        b.writeStageEvent(event);
        // Other lines in between, some longer than a record of the ring, than the batch, than the ring.
        if (i % 1000 === 500) {
          const line = lineOf(i, random);
          a.writeLine(line);
          b.writeLine(line);
        }
        if (i % 20_000 === 10_000) {
          const line = `{"long":"${'z'.repeat(i % 3 === 0 ? 300_000 : 20_000)}"}\n`;
          a.writeLine(line);
          b.writeLine(line);
        }
        if (i % 4000 === 3999) {
          a.flush();
          b.flush();
        }
      }
      expect(a.close()).toBe(true);
      expect(b.close()).toBe(true);
      expect(filesOf(threaded)).toEqual(filesOf(inThread));
      expect(b.getStats()).toEqual(a.getStats());
      expect(a.getStats().lines_written).toBe(60_000 + 60 + 3);
    },
    120_000,
  );

  it('throws LOOP_METRICS_OPEN_FAILED at once when the file cannot be opened', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'metrics.ndjson'));
    expect(() => new ThreadedNdjsonWriter({ dir })).toThrow(
      expect.objectContaining({
        code: 'LOOP_METRICS_OPEN_FAILED',
        message: expect.stringContaining('metrics.ndjson'),
      }),
    );
  });

  it('refuses lines after close, counting them as dropped', () => {
    const writer = new ThreadedNdjsonWriter({ dir: tempDir() });
    writer.writeLine('{"a":1}\n');
    writer.close();
    writer.writeLine('{"a":2}\n');
    expect(writer.getStats()).toMatchObject({ lines_written: 1, lines_dropped: 1 });
  });
});

describe('recorder with writerThread: true', () => {
  it.each([
    ['close', (r: ReturnType<typeof spawnSync>) => expect(r.status).toBe(0)],
    ['sigterm', (r: ReturnType<typeof spawnSync>) => expect(r.signal).toBe('SIGTERM')],
    ['sigint', (r: ReturnType<typeof spawnSync>) => expect(r.signal).toBe('SIGINT')],
    ['throw', (r: ReturnType<typeof spawnSync>) => expect(r.status).toBe(1)],
    ['exit', (r: ReturnType<typeof spawnSync>) => expect(r.status).toBe(3)],
  ])('%s: every recorded event reaches the files, the summary counts them', async (mode, checkExit) => {
    const dir = tempDir();
    const count = 30_001;
    const result = spawnSync(
      process.execPath,
      [path.join(packageDir, 'test/fixtures/threaded-writer.mjs'), dir, String(count), mode],
      { encoding: 'utf8', timeout: 60_000 },
    );
    checkExit(result);
    expect(result.stdout).toBe('ThreadedNdjsonWriter\n');
    const steps: number[] = [];
    for await (const { event } of readEvents(dir)) steps.push(event.step);
    expect(steps).toEqual(Array.from({ length: count }, (_, i) => i));
    const summary = await readSummary(dir);
    expect(summary).toMatchObject({ stage_events_count: count });
    expect(summary?.writer).toMatchObject({
      lines_written: count,
      rotations: 30,
      lines_dropped: 0,
      write_errors: 0,
    });
    expect(fs.existsSync(path.join(dir, 'metrics.lock'))).toBe(false);
  });
});

describe('prestartWriterThread', () => {
  afterEach(() => {
    // A test that left a thread waiting: the next writer takes it (and closes it) so tests stay independent.
    if (prestartedWriterThreadState() !== 'none') new ThreadedNdjsonWriter({ dir: tempDir() }).close();
  });

  it('starts one thread that the next writer takes: it writes from the first line, the same bytes', async () => {
    expect(prestartWriterThread()).toBe(true);
    // One at a time: a second call while one waits does nothing.
    expect(prestartWriterThread()).toBe(false);
    await until(() => prestartedWriterThreadState() === 'waiting');
    const threaded = tempDir();
    const writer = new ThreadedNdjsonWriter({ dir: threaded, maxLines: 50 });
    // Taken at once: the loop's thread never wrote a line itself.
    expect(writer.onThread).toBe(true);
    expect(prestartedWriterThreadState()).toBe('none');
    const inThread = tempDir();
    const plain = new RotatingNdjsonWriter({ dir: inThread, maxLines: 50 });
    for (let i = 0; i < 1000; i++) {
      const event: StageEvent = {
        ts: 1_700_000_000_000 + i,
        step: i,
        stage: 'exec',
        outcome: 'ok',
        latency_ms: i / 8,
      };
      writer.writeStageEvent(event);
      plain.writeEncoded(event, encodeStageEvent, formatStageEventLine);
    }
    expect(writer.close()).toBe(true);
    plain.close();
    expect(filesOf(threaded)).toEqual(filesOf(inThread));
    expect(writer.getStats()).toMatchObject({ lines_written: 1000, rotations: 19, lines_dropped: 0 });
  });

  it('a thread nobody takes ends by itself; the next writer then starts its own', async () => {
    expect(prestartWriterThread({ waitMs: 50 })).toBe(true);
    await until(() => prestartedWriterThreadState() === 'ended');
    const dir = tempDir();
    const writer = new ThreadedNdjsonWriter({ dir });
    writer.writeLine('{"a":1}\n');
    await until(() => {
      writer.flush();
      return writer.onThread;
    });
    writer.writeLine('{"a":2}\n');
    expect(writer.close()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'metrics.ndjson'), 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });

  it('refuses a wait that is not a whole number of ms > 0', () => {
    for (const waitMs of [0, -1, 1.5, Number.NaN]) expect(prestartWriterThread({ waitMs })).toBe(false);
    expect(prestartedWriterThreadState()).toBe('none');
  });

  it('never keeps the process alive', () => {
    const entry = path.join(packageDir, 'dist/writer-thread.js');
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { prestartWriterThread } from ${JSON.stringify(entry)}; console.log(prestartWriterThread());`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(result.stdout).toBe('true\n');
    expect(result.status).toBe(0);
  });
});
