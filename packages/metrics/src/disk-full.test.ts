// A full disk: partial writes and ENOSPC never leave a torn line, the figures match the file exactly, the
// health changes are told once each way, and the recorder rewrites its summary at once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { smallDisk } from '../test/failing-file-system.js';
import { openMetricsRecorder } from './metrics-recorder.js';
import { RotatingNdjsonWriter, type WriterHealthChange } from './rotating-ndjson-writer.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-disk-full-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const line = (i: number) => `{"n":${i},"pad":"${'x'.repeat((i * 13) % 70)}"}\n`;

/** The file's lines; throws on a torn or unparsable one. */
function linesOnDisk(file: string): number[] {
  const text = fs.readFileSync(file, 'utf8');
  if (text.length > 0 && !text.endsWith('\n'))
    throw new Error(`torn last line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { n: number }).n);
}

describe('a full disk', () => {
  it('never leaves a torn line, counts exactly what is on disk, and tells failing and recovery once each', () => {
    for (const capacity of [3000, 5003, 777]) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      const disk = smallDisk(capacity);
      const changes: WriterHealthChange['state'][] = [];
      const writer = new RotatingNdjsonWriter({
        dir,
        bufferBytes: 1024,
        fileSystem: disk.fileSystem,
        onHealthChange: (change) => changes.push(change.state),
      });
      for (let i = 0; i < 300; i++) {
        writer.writeLine(line(i));
        if (i % 3 === 2) writer.flush();
      }
      // Mid-failure, the file already matches the figures.
      expect(linesOnDisk(writer.file)).toHaveLength(writer.getStats().lines_written);
      disk.setCapacity(1_000_000);
      for (let i = 300; i < 350; i++) {
        writer.writeLine(line(i));
        if (i % 3 === 2) writer.flush();
      }
      writer.close();
      const onDisk = linesOnDisk(writer.file);
      const stats = writer.getStats();
      expect(onDisk).toHaveLength(stats.lines_written);
      expect(stats.lines_written + stats.lines_dropped).toBe(350);
      expect(stats.lines_dropped).toBeGreaterThan(0);
      expect(stats.bytes_written).toBe(fs.statSync(writer.file).size);
      expect(onDisk.at(-1)).toBe(349);
      expect([...onDisk].sort((a, b) => a - b)).toEqual(onDisk); // in order, none twice
      expect(changes).toEqual(['failing', 'recovered']);
    }
  });

  it('closing while the disk is still full leaves whole lines only, and counts the rest as dropped', () => {
    const disk = smallDisk(2500);
    const writer = new RotatingNdjsonWriter({ dir, bufferBytes: 2048, fileSystem: disk.fileSystem });
    for (let i = 0; i < 100; i++) writer.writeLine(line(i));
    writer.close();
    const stats = writer.getStats();
    expect(linesOnDisk(writer.file)).toHaveLength(stats.lines_written);
    expect(stats.lines_written + stats.lines_dropped).toBe(100);
    expect(stats.write_errors).toBeGreaterThan(0);
  });

  it('makes the recorder rewrite its summary at once when writes fail and when they recover', () => {
    const disk = smallDisk(4000);
    const seen: string[] = [];
    const recorder = openMetricsRecorder({
      runDir: dir,
      fileSystem: disk.fileSystem,
      handleProcessExit: false,
      flushIntervalMs: 0,
      summaryIntervalMs: 0,
      onWriterHealth: (change) => seen.push(change.state),
    });
    const summary = () => JSON.parse(fs.readFileSync(path.join(dir, 'metrics_summary.json'), 'utf8')).writer;
    let step = 0;
    while (seen.length === 0 && step < 10_000) {
      step++;
      recorder.record({
        ts: step,
        step,
        stage: 'exec',
        outcome: 'ok',
        latency_ms: 1,
        detail: 'd'.repeat(50),
      });
      recorder.endStep();
    }
    expect(seen).toEqual(['failing']);
    expect(summary().write_errors).toBeGreaterThan(0); // no timer ran: written on the change
    disk.setCapacity(1_000_000);
    recorder.record({ ts: step + 1, step: step + 1, stage: 'exec', outcome: 'ok', latency_ms: 1 });
    recorder.endStep();
    expect(seen).toEqual(['failing', 'recovered']);
    const after = summary();
    expect(after.lines_written).toBe(recorder.writerFigures().lines_written);
    recorder.close();
    const final = summary();
    expect(linesOnDisk(path.join(dir, 'metrics.ndjson'))).toHaveLength(final.lines_written);
    expect(final.lines_written + final.lines_dropped).toBe(step + 1);
  });
});
