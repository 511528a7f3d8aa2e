// Crash integrity: a child writing numbered events with rotation is SIGKILLed; what is on disk is a
// gap-free prefix (no duplicate, no reordering, at most one torn line), and a restarted writer continues.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openMetricsRecorder, readEvents, tailEvents } from '../src/index.js';
import { startNumberedWriter, tempDir, writerProgress } from './numbered-writer-child.js';

function hashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(dir).filter((n) => /^metrics\.ndjson\.\d+$/.test(n))) {
    out.set(
      name,
      createHash('sha256')
        .update(fs.readFileSync(path.join(dir, name)))
        .digest('hex'),
    );
  }
  return out;
}

describe('crash integrity', () => {
  it('SIGKILL mid-run leaves a gap-free prefix of >= 200,000 events; a restart continues without overwriting', async () => {
    const dir = tempDir('loop-integrity-');
    const child = startNumberedWriter([dir, '0', '5000000', 'run', '1000']);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const progress = writerProgress(child);
    await progress.reached(210_000, () => child.kill('SIGKILL'));
    expect(await exited).toBe('SIGKILL');

    const before = hashes(dir);
    const stream = readEvents(dir);
    let expected = 0;
    for await (const { event, file, line } of stream) {
      if (event.step !== expected)
        throw new Error(`${file}:${line}: step ${event.step}, expected ${expected}`);
      expected++;
    }
    const survived = expected;
    expect(survived).toBeGreaterThanOrEqual(200_000);
    expect(survived).toBeGreaterThanOrEqual(progress.last() - 1000);
    expect(stream.stats.skippedCount).toBeLessThanOrEqual(1);
    expect(before.size).toBeGreaterThanOrEqual(200);
    for (const name of before.keys()) {
      const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean).length;
      if (lines > 1000) throw new Error(`${name} holds ${lines} lines > 1000`);
    }

    // Restart: the dead writer's lock is taken over; numbering continues from the last event on disk.
    const last = (await tailEvents(dir, 1)).events[0]!.event.step;
    expect(last).toBe(survived - 1);
    const recorder = openMetricsRecorder({
      runDir: dir,
      rotate: { maxLines: 1000 },
      handleProcessExit: false,
    });
    for (let i = last + 1; i < last + 1 + 2500; i++) {
      recorder.record({ ts: i, step: i, stage: 'exec', outcome: 'ok', latency_ms: 0 });
    }
    recorder.close();
    const after = hashes(dir);
    for (const [name, hash] of before) expect(after.get(name), `${name} was rewritten`).toBe(hash);
    expect(after.size).toBeGreaterThan(before.size);

    const again = readEvents(dir);
    let n = 0;
    for await (const { event, file, line } of again) {
      if (event.step !== n) throw new Error(`${file}:${line}: step ${event.step}, expected ${n}`);
      n++;
    }
    expect(n).toBe(survived + 2500);
    expect(again.stats.skippedCount).toBeLessThanOrEqual(1);
  });
});
