// Reading a run dir while another process writes and rotates it: what is read is in order, gap-free, no duplicate.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readEvents, tailEvents } from '../src/index.js';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = path.join(packageDir, 'test/fixtures/numbered-writer.ts');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('reading during writes', () => {
  it('reads a gap-free, ordered sequence while a live writer rotates (keep on, oldest files vanish)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-live-read-'));
    dirs.push(dir);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fixture, dir, '0', '3000000', 'run', '300', '40'],
      {
        cwd: packageDir,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        if (Number(chunk.trim().split('\n').at(-1)) >= 30_000) resolve();
      });
      child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
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
