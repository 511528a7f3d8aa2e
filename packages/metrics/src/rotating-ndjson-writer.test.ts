// Rotation limits, restart safety, keep, torn-line repair and failure isolation of the NDJSON writer.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failingFileSystem } from '../test/failing-file-system.js';
import { isMetricsError } from './errors.js';
import { RotatingNdjsonWriter } from './rotating-ndjson-writer.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-writer-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function files(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    out[name] = fs.readFileSync(path.join(dir, name), 'utf8').split('\n');
  }
  return out;
}

const line = (i: number, pad = 0) => `{"n":${i}${pad > 0 ? `,"p":"${'x'.repeat(pad)}"` : ''}}\n`;

/** Chronological order of a metrics file name: `.1` first, the current file last. */
const fileOrder = (name: string) =>
  name === 'metrics.ndjson' ? Number.MAX_SAFE_INTEGER : Number(name.split('.').pop());

describe('RotatingNdjsonWriter', () => {
  it('never puts more than maxLines lines in a file; .1 is the oldest', () => {
    const writer = new RotatingNdjsonWriter({ dir, maxLines: 5 });
    for (let i = 0; i < 23; i++) {
      writer.writeLine(line(i));
      if (i % 3 === 0) writer.flush();
    }
    writer.close();
    const all = files();
    expect(Object.keys(all)).toEqual(['metrics.ndjson', ...[1, 2, 3, 4].map((n) => `metrics.ndjson.${n}`)]);
    expect(all['metrics.ndjson.1']).toEqual([0, 1, 2, 3, 4].map((i) => line(i).trimEnd()).concat(''));
    expect(all['metrics.ndjson']).toEqual([20, 21, 22].map((i) => line(i).trimEnd()).concat(''));
    expect(writer.getStats()).toMatchObject({ lines_written: 23, rotations: 4, write_errors: 0 });
  });

  it('loses no line when many rotations happen between two flushes, whatever the buffer size', () => {
    for (const [maxLines, bufferBytes, total] of [
      [5, undefined, 2000],
      [37, 4096, 1000],
      [1, 1024, 500],
    ] as const) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      const writer = new RotatingNdjsonWriter({ dir, maxLines, ...(bufferBytes ? { bufferBytes } : {}) });
      for (let i = 0; i < total; i++) writer.writeLine(line(i));
      writer.close();
      const numbers = Object.entries(files())
        .sort(([a], [b]) => fileOrder(a) - fileOrder(b))
        .flatMap(([, lines]) => lines.filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n));
      expect(numbers).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(writer.getStats()).toMatchObject({ lines_written: total, lines_dropped: 0, write_errors: 0 });
    }
  });

  it('never lets a file exceed maxBytes, except a single larger line alone in its file', () => {
    const writer = new RotatingNdjsonWriter({ dir, maxBytes: 100 });
    const sizes = [30, 30, 30, 200, 10, 90, 5];
    for (const [i, pad] of sizes.entries()) writer.writeLine(line(i, pad));
    writer.close();
    const byFile = Object.entries(files()).map(
      ([name, lines]) => [name, lines.filter(Boolean).length] as const,
    );
    for (const name of fs.readdirSync(dir)) {
      const size = fs.statSync(path.join(dir, name)).size;
      const count = fs.readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean).length;
      expect(size <= 100 || count === 1, `${name}: ${size} bytes, ${count} lines`).toBe(true);
    }
    expect(byFile.reduce((s, [, n]) => s + n, 0)).toBe(sizes.length);
  });

  it('continues numbering after the highest .N on restart and never overwrites', () => {
    fs.writeFileSync(path.join(dir, 'metrics.ndjson.7'), 'old seven\n');
    fs.writeFileSync(path.join(dir, 'metrics.ndjson'), `${line(100)}${line(101)}`);
    const writer = new RotatingNdjsonWriter({ dir, maxLines: 3 });
    for (let i = 102; i < 106; i++) writer.writeLine(line(i));
    writer.close();
    const all = files();
    expect(all['metrics.ndjson.7']).toEqual(['old seven', '']);
    expect(all['metrics.ndjson.8']).toEqual([100, 101, 102].map((i) => line(i).trimEnd()).concat(''));
    expect(all['metrics.ndjson']).toEqual([103, 104, 105].map((i) => line(i).trimEnd()).concat(''));
  });

  it('ends a torn last line from a crash so the next line does not glue onto it', () => {
    fs.writeFileSync(path.join(dir, 'metrics.ndjson'), `${line(1)}{"n":2,"p":"tor`);
    const writer = new RotatingNdjsonWriter({ dir, maxLines: 3 });
    writer.writeLine(line(3));
    writer.writeLine(line(4));
    writer.close();
    const all = files();
    // The torn fragment counts as a line: the 3-line file holds 1, the fragment, 3; 4 goes to the next file.
    expect(all['metrics.ndjson.1']).toEqual(['{"n":1}', '{"n":2,"p":"tor', '{"n":3}', '']);
    expect(all['metrics.ndjson']).toEqual(['{"n":4}', '']);
  });

  it('keeps only the newest N rotated files and touches no other file', () => {
    fs.writeFileSync(path.join(dir, 'metrics.ndjson.bak'), 'mine\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    const writer = new RotatingNdjsonWriter({ dir, maxLines: 2, keep: 2 });
    for (let i = 0; i < 11; i++) writer.writeLine(line(i));
    writer.close();
    expect(fs.readdirSync(dir).sort()).toEqual([
      'metrics.ndjson',
      'metrics.ndjson.4',
      'metrics.ndjson.5',
      'metrics.ndjson.bak',
      'notes.txt',
    ]);
    expect(writer.rotatedNumbers()).toEqual([4, 5]);
  });

  it('counts an injected write failure, keeps accepting lines, and writes them all once the disk recovers', () => {
    let failing = true;
    const fileSystem = failingFileSystem('writeSync', () => failing, 'ENOSPC', 'no space left on device');
    const writer = new RotatingNdjsonWriter({ dir, fileSystem });
    for (let i = 0; i < 10; i++) {
      writer.writeLine(line(i));
      expect(writer.flush()).toBe(false);
    }
    expect(writer.getStats()).toMatchObject({ write_errors: 10, lines_written: 0, lines_dropped: 0 });
    expect(writer.getStats().last_write_error).toContain('ENOSPC');
    failing = false;
    writer.writeLine(line(10));
    expect(writer.flush()).toBe(true);
    writer.close();
    expect(files()['metrics.ndjson']).toEqual([
      ...Array.from({ length: 11 }, (_, i) => line(i).trimEnd()),
      '',
    ]);
    expect(writer.getStats()).toMatchObject({ lines_written: 11, write_errors: 10 });
  });

  it('drops and counts lines only when the buffer is full and the disk keeps failing', () => {
    let failing = true;
    const fileSystem = failingFileSystem('writeSync', () => failing, 'EACCES', 'permission denied');
    const writer = new RotatingNdjsonWriter({ dir, fileSystem, bufferBytes: 1024 });
    for (let i = 0; i < 200; i++) writer.writeLine(line(i, 20));
    const dropped = writer.getStats().lines_dropped;
    expect(dropped).toBeGreaterThan(0);
    failing = false;
    writer.close();
    const written = files()['metrics.ndjson']!.filter(Boolean);
    expect(written.length + dropped).toBe(200);
    // What was kept is a gap-free prefix: nothing reordered or torn.
    expect(written).toEqual(Array.from({ length: written.length }, (_, i) => line(i, 20).trimEnd()));
  });

  it('survives failed renames during rotation: counted, lines kept in order, limits still exact', () => {
    let failRenames = 2;
    const fileSystem = failingFileSystem('renameSync', () => failRenames-- > 0, 'EBUSY', 'resource busy');
    const writer = new RotatingNdjsonWriter({ dir, maxLines: 3, fileSystem });
    for (let i = 0; i < 10; i++) {
      writer.writeLine(line(i));
      writer.flush(); // one loop step
    }
    writer.close();
    const stats = writer.getStats();
    expect(stats.write_errors).toBe(2);
    expect(stats.last_write_error).toContain('EBUSY');
    const all = files();
    expect(Object.keys(all)).toEqual([
      'metrics.ndjson',
      'metrics.ndjson.1',
      'metrics.ndjson.2',
      'metrics.ndjson.3',
    ]);
    for (const [name, lines] of Object.entries(all))
      expect(lines.filter(Boolean).length, name).toBeLessThanOrEqual(3);
    // Line 3 waited in the buffer until the rename went through; nothing was dropped or reordered.
    const kept = ['metrics.ndjson.1', 'metrics.ndjson.2', 'metrics.ndjson.3', 'metrics.ndjson'].flatMap((n) =>
      all[n]!.filter(Boolean),
    );
    expect(kept).toEqual(Array.from({ length: 10 }, (_, i) => line(i).trimEnd()));
    expect(stats).toMatchObject({ lines_dropped: 0, lines_written: 10, rotations: 3 });
  });

  it('drops (and counts) only what would overflow the next file while a rename keeps failing', () => {
    let renames = true;
    const fileSystem = failingFileSystem('renameSync', () => !renames, 'EROFS', 'read-only file system');
    const writer = new RotatingNdjsonWriter({ dir, maxLines: 2, fileSystem });
    renames = false;
    for (let i = 0; i < 7; i++) {
      writer.writeLine(line(i));
      writer.flush();
    }
    renames = true;
    writer.writeLine(line(7));
    writer.close();
    const all = files();
    for (const [name, lines] of Object.entries(all))
      expect(lines.filter(Boolean).length, name).toBeLessThanOrEqual(2);
    // 0,1 filled the file; 2,3 waited for the rename; 4,5,6 found the next file full as well and were dropped.
    expect(writer.getStats().lines_dropped).toBe(3);
    const kept = Object.keys(all)
      .sort((x, y) => (x === 'metrics.ndjson' ? 1 : y === 'metrics.ndjson' ? -1 : x.localeCompare(y)))
      .flatMap((n) => all[n]!.filter(Boolean));
    expect(kept).toEqual([0, 1, 2, 3, 7].map((i) => line(i).trimEnd()));
  });

  it('rejects bad limits with a coded error naming the option', () => {
    let caught: unknown;
    try {
      new RotatingNdjsonWriter({ dir, maxLines: 0 });
    } catch (error) {
      caught = error;
    }
    expect(isMetricsError(caught) && caught.code).toBe('LOOP_METRICS_OPTION_INVALID');
    expect(String(caught)).toContain('maxLines');
  });

  it('writes the same files through writeEncoded as through writeLine, limits, tiny buffers and failures included', () => {
    const encodeLine = (text: string, out: Buffer, at: number) =>
      at + Buffer.byteLength(text) > out.length ? -1 : at + out.write(text, at);
    for (const [maxLines, maxBytes, bufferBytes] of [
      [7, undefined, 1024],
      [undefined, 300, 1024],
      [13, 2000, 4096],
    ] as const) {
      const results: Record<string, string>[] = [];
      for (const encoded of [false, true]) {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir);
        let calls = 0;
        const fileSystem = failingFileSystem('renameSync', () => ++calls % 3 === 0, 'EIO', 'flaky rename');
        const writer = new RotatingNdjsonWriter({ dir, maxLines, maxBytes, bufferBytes, fileSystem });
        for (let i = 0; i < 600; i++) {
          const text = line(i, (i * 37) % 1500);
          if (encoded) writer.writeEncoded(text, encodeLine, (t) => t);
          else writer.writeLine(text);
          if (i % 11 === 0) writer.flush();
        }
        writer.close();
        results.push(
          Object.fromEntries(Object.entries(files()).map(([name, lines]) => [name, lines.join('\n')])),
        );
        expect(writer.getStats().lines_written + writer.getStats().lines_dropped).toBe(600);
      }
      expect(results[1]).toEqual(results[0]);
    }
  });

  it('keeps all files within maxTotalBytes plus one file, deleting only the oldest rotated ones, counted', () => {
    fs.writeFileSync(path.join(dir, 'metrics.ndjson.3'), `${'x'.repeat(999)}\n`); // an earlier run's
    fs.writeFileSync(path.join(dir, 'other.txt'), 'not ours');
    const maxTotalBytes = 5000;
    const maxBytes = 1000;
    const writer = new RotatingNdjsonWriter({ dir, maxBytes, maxTotalBytes, bufferBytes: 1024 });
    let worst = 0;
    for (let i = 0; i < 400; i++) {
      writer.writeLine(line(i, i % 50));
      writer.flush();
      const total = fs
        .readdirSync(dir)
        .filter((name) => name.startsWith('metrics.ndjson'))
        .reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
      worst = Math.max(worst, total);
      expect(fs.existsSync(writer.file)).toBe(true);
    }
    writer.close();
    expect(worst).toBeLessThanOrEqual(maxTotalBytes + maxBytes);
    expect(fs.existsSync(path.join(dir, 'metrics.ndjson.3'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'other.txt'), 'utf8')).toBe('not ours');
    const stats = writer.getStats();
    const left = fs.readdirSync(dir).filter((name) => /^metrics\.ndjson\.\d+$/.test(name)).length;
    // Every rotation made a file; the earlier run's file too was counted; all but `left` were deleted.
    expect(stats.rotated_files_deleted).toBe(stats.rotations + 1 - left);
    expect(stats.rotated_files_deleted).toBeGreaterThan(5);
    // The newest lines are all there, in order, ending with the last one.
    const current = fs.readFileSync(writer.file, 'utf8').trimEnd().split('\n');
    expect(current.at(-1)).toBe(line(399, 399 % 50).trimEnd());
  });

  it('rotates by size at an eighth of maxTotalBytes when no other limit is given', () => {
    const writer = new RotatingNdjsonWriter({ dir, maxTotalBytes: 8000 });
    for (let i = 0; i < 500; i++) writer.writeLine(line(i, 20));
    writer.close();
    for (const name of fs.readdirSync(dir))
      expect(fs.statSync(path.join(dir, name)).size).toBeLessThanOrEqual(1000);
    expect(writer.getStats().rotations).toBeGreaterThan(5);
  });
});
