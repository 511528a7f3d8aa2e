import { appendFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatStageEventLine, RotatingNdjsonWriter } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { ndjson, runDir, stageEvents, T0 } from '../../run-dir/test-support/run-dir-fixture.js';
import { RunDirFollower } from './run-dir-follower.js';

describe('RunDirFollower', () => {
  it('reads only appended lines and leaves a half-written line for the next refresh', async () => {
    const dir = await runDir();
    const events = stageEvents(3);
    const current = join(dir, 'metrics.ndjson');
    await writeFile(current, ndjson(events.slice(0, 4)));
    const follower = new RunDirFollower(dir, { tailLines: 100 });
    expect(await follower.refresh()).toEqual({ changed: true, rebuilt: false });
    expect(follower.history.events).toBe(4);
    expect(await follower.refresh()).toEqual({ changed: false, rebuilt: false });

    const next = JSON.stringify(events[4]);
    await appendFile(current, next.slice(0, 20)); // the writer is mid-line
    await follower.refresh();
    expect(follower.history.events).toBe(4);
    expect(follower.history.skipped).toBe(0);
    await appendFile(current, `${next.slice(20)}\n`);
    await follower.refresh();
    expect(follower.history.events).toBe(5);
    expect(follower.history.tail().at(-1)).toMatchObject({
      file: 'metrics.ndjson',
      line: 5,
      step: events[4]!.step,
    });
  });

  it('counts blank lines (empty or spaces) and lines that are not UTF-8 as skipped, with their line', async () => {
    const dir = await runDir();
    const events = stageEvents(1);
    const lines = ndjson(events.slice(0, 3)).split('\n');
    const latin1 = Buffer.from(lines[2]!.replace('}', ',"detail":"caf\u00e9"}'), 'latin1');
    await writeFile(
      join(dir, 'metrics.ndjson'),
      Buffer.concat([
        Buffer.from(`${lines[0]}\n\n  \n${lines[1]}\n`),
        latin1,
        Buffer.from(`\n${lines[2]}\n`),
      ]),
    );
    const follower = new RunDirFollower(dir, { tailLines: 100 });
    await follower.refresh({ final: true });
    expect(follower.history.events).toBe(3);
    expect(follower.history.skippedLines()).toEqual([
      { file: 'metrics.ndjson', line: 2, reason: 'blank line' },
      { file: 'metrics.ndjson', line: 3, reason: 'blank line' },
      { file: 'metrics.ndjson', line: 5, reason: 'not UTF-8 text' },
    ]);
    expect(follower.history.tail().map((e) => e.line)).toEqual([1, 4, 6]);
  });

  it('judges a torn last line once the file has not changed for settledMs, and numbers the lines after it as a full read does', async () => {
    const dir = await runDir();
    const events = stageEvents(1);
    const current = join(dir, 'metrics.ndjson');
    await writeFile(current, `${ndjson(events.slice(0, 2))}{"v":1,"ts":`); // a crash mid-line
    const follower = new RunDirFollower(dir, { tailLines: 100 });
    await follower.refresh({ settledMs: 60_000 });
    await follower.refresh({ settledMs: 60_000 });
    expect(follower.history.skipped).toBe(0); // not settled yet: the writer may be mid-line
    expect(await follower.refresh({ settledMs: 0 })).toEqual({ changed: true, rebuilt: false });
    expect(follower.history.skippedLines()).toEqual([
      { file: 'metrics.ndjson', line: 3, reason: 'torn last line (no newline)' },
    ]);
    // A restarted writer ends the torn line with a newline, then writes on.
    await appendFile(current, `\n${ndjson(events.slice(2))}`);
    await follower.refresh({ settledMs: 0 });
    const full = new RunDirFollower(dir, { tailLines: 100 });
    await full.refresh({ final: true });
    for (const f of [follower, full]) {
      expect(f.history.events).toBe(4);
      expect(f.history.skipped).toBe(1);
      expect(f.history.tail().map((e) => e.line)).toEqual([1, 2, 4, 5]);
    }
    expect(follower.files()).toEqual(full.files());
  });

  it('rebuilds when a line judged torn is finished later (a short write completed after a full disk)', async () => {
    const dir = await runDir();
    const events = stageEvents(2);
    const current = join(dir, 'metrics.ndjson');
    const fourth = JSON.stringify(events[3]);
    await writeFile(current, `${ndjson(events.slice(0, 3))}${fourth.slice(0, 25)}`);
    const follower = new RunDirFollower(dir, { tailLines: 100 });
    await follower.refresh({ settledMs: 0 });
    await follower.refresh({ settledMs: 0 });
    expect(follower.history.skipped).toBe(1); // judged torn
    await appendFile(current, `${fourth.slice(25)}\n${ndjson(events.slice(4))}`);
    expect((await follower.refresh({ settledMs: 0 })).rebuilt).toBe(true);
    expect(follower.history.skipped).toBe(0);
    expect(follower.history.tail().map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('skips a FIFO and a directory among the rotated files, names them, and does not take them for pruned files or a replaced history', async () => {
    const events = stageEvents(3);
    const dir = await runDir({
      files: {
        'metrics.ndjson.1': { kind: 'directory' },
        'metrics.ndjson.2': ndjson(events.slice(0, 4)),
        'metrics.ndjson.3': { kind: 'fifo' },
        'metrics.ndjson.4': ndjson(events.slice(4, 8)),
        'metrics.ndjson': ndjson(events.slice(8, 10)),
      },
    });
    const follower = new RunDirFollower(dir, { tailLines: 100 });
    expect(await follower.refresh()).toEqual({ changed: true, rebuilt: false });
    const skipped = [
      { name: 'metrics.ndjson.1', index: 1, type: 'directory' },
      { name: 'metrics.ndjson.3', index: 3, type: 'fifo' },
    ];
    expect(follower.skippedFiles()).toEqual(skipped);
    expect(follower.history.events).toBe(10);
    expect(follower.unreadRotatedFiles()).toBe(0);
    // The next refreshes only list rotated files up to .4: the skipped entries stay known, nothing is rebuilt.
    expect(await follower.refresh()).toEqual({ changed: false, rebuilt: false });
    await appendFile(join(dir, 'metrics.ndjson'), ndjson(events.slice(10)));
    expect(await follower.refresh()).toEqual({ changed: true, rebuilt: false });
    expect(follower.history.events).toBe(12);
    expect(follower.skippedFiles()).toEqual(skipped);
    expect(follower.unreadRotatedFiles()).toBe(0);
    // One removed is no longer listed.
    await rm(join(dir, 'metrics.ndjson.1'), { recursive: true });
    expect(await follower.refresh()).toEqual({ changed: true, rebuilt: false });
    expect(follower.skippedFiles()).toEqual([skipped[1]]);
  });

  it('reports no change for an empty current file that stays empty', async () => {
    const dir = await runDir();
    const current = join(dir, 'metrics.ndjson');
    await writeFile(current, ndjson(stageEvents(1)));
    const follower = new RunDirFollower(dir);
    await follower.refresh();
    await rename(current, join(dir, 'metrics.ndjson.1'));
    await writeFile(current, '');
    expect(await follower.refresh()).toEqual({ changed: true, rebuilt: false });
    expect(await follower.refresh()).toEqual({ changed: false, rebuilt: false });
  });

  it('follows the current file through rotation without losing or repeating a line', async () => {
    const dir = await runDir();
    const events = stageEvents(5); // 20 events
    const current = join(dir, 'metrics.ndjson');
    await writeFile(current, ndjson(events.slice(0, 6)));
    const follower = new RunDirFollower(dir, { tailLines: 100 });
    await follower.refresh();
    // More lines land, then the writer rotates (rename to .1) and starts a new current file.
    await appendFile(current, ndjson(events.slice(6, 10)));
    await rename(current, join(dir, 'metrics.ndjson.1'));
    await writeFile(current, ndjson(events.slice(10, 13)));
    await follower.refresh();
    await appendFile(current, ndjson(events.slice(13)));
    await follower.refresh();
    const tail = follower.history.tail();
    expect(tail.map((e) => e.ts)).toEqual(events.map((e) => e.ts));
    expect(tail.map((e) => `${e.file}:${e.line}`).slice(8, 12)).toEqual([
      'metrics.ndjson.1:9',
      'metrics.ndjson.1:10',
      'metrics.ndjson:1',
      'metrics.ndjson:2',
    ]);
    expect(follower.files()).toEqual([
      { name: 'metrics.ndjson.1', lines: 10, bytes: Buffer.byteLength(ndjson(events.slice(0, 10))) },
      { name: 'metrics.ndjson', lines: 10, bytes: Buffer.byteLength(ndjson(events.slice(10))) },
    ]);
  });

  it('counts a torn last line once the file it ends is rotated away', async () => {
    const dir = await runDir();
    const events = stageEvents(1);
    const current = join(dir, 'metrics.ndjson');
    await writeFile(current, `${ndjson(events.slice(0, 2))}{"v":1,"ts":`);
    const follower = new RunDirFollower(dir);
    await follower.refresh();
    expect(follower.history.skipped).toBe(0);
    await rename(current, join(dir, 'metrics.ndjson.1'));
    await writeFile(current, ndjson(events.slice(2)));
    await follower.refresh();
    expect(follower.history.events).toBe(4);
    expect(follower.history.skippedLines()).toEqual([
      { file: 'metrics.ndjson.1', line: 3, reason: 'torn last line (no newline)' },
    ]);
  });

  it('rebuilds from scratch when the files are replaced by an unrelated history', async () => {
    const dir = await runDir();
    const current = join(dir, 'metrics.ndjson');
    await writeFile(current, ndjson(stageEvents(2)));
    const follower = new RunDirFollower(dir);
    await follower.refresh();
    expect(follower.history.events).toBe(8);
    await rm(current);
    await writeFile(current, ndjson(stageEvents(1)));
    await writeFile(join(dir, 'metrics.ndjson.1'), ndjson(stageEvents(1)));
    // New current file (new inode) after an older file never seen: the history was replaced.
    const result = await follower.refresh();
    expect(result.rebuilt).toBe(true);
    expect(follower.history.events).toBe(8);
    expect(follower.files().map((f) => f.name)).toEqual(['metrics.ndjson.1', 'metrics.ndjson']);
  });
});

describe('RunDirFollower and pruning (--metrics-rotate-keep)', () => {
  it("keeps every line when a pruned file's inode goes to the next current file", async () => {
    // ext4 and tmpfs hand a freed inode to the next file created: the new current file then has the identity
    // of a file read earlier. Repeated so that reuse happens whatever the file system does (asserted below).
    const dir = await runDir();
    const current = join(dir, 'metrics.ndjson');
    const events = stageEvents(100); // 400 events
    let next = 0;
    const take = (n: number) => {
      next += n;
      return ndjson(events.slice(next - n, next));
    };
    await writeFile(join(dir, 'metrics.ndjson.1'), take(10));
    await writeFile(current, take(10));
    const follower = new RunDirFollower(dir, { tailLines: 1000 });
    await follower.refresh();
    let reused = 0;
    for (let index = 2; index <= 20; index++) {
      // The writer with keep 1: rotate (rename to .N), prune .N-1, open a new current file.
      const pruned = join(dir, `metrics.ndjson.${index - 1}`);
      const prunedIno = (await stat(pruned)).ino;
      await rename(current, join(dir, `metrics.ndjson.${index}`));
      await unlink(pruned);
      await writeFile(current, take(7 + (index % 5)));
      if ((await stat(current)).ino === prunedIno) reused += 1;
      const result = await follower.refresh();
      expect(result.rebuilt).toBe(false);
    }
    expect(follower.history.events).toBe(next);
    expect(follower.history.skipped).toBe(0);
    expect(follower.history.tail().map((e) => e.ts)).toEqual(events.slice(0, next).map((e) => e.ts));
    const files = follower.files();
    expect(files.reduce((n, f) => n + f.lines, 0)).toBe(next);
    expect(files.slice(-2).map((f) => f.name)).toEqual(['metrics.ndjson.20', 'metrics.ndjson']);
    expect(files[0]).toMatchObject({ name: 'metrics.ndjson.1 (pruned since read)', lines: 10 });
    if (reused === 0) console.warn('run-dir-follower test: the file system never reused an inode here');
  });

  it('takes two rotations and a prune between refreshes for rotation, not a replaced history', async () => {
    const dir = await runDir();
    const current = join(dir, 'metrics.ndjson');
    const events = stageEvents(10);
    await writeFile(current, ndjson(events.slice(0, 4)));
    const follower = new RunDirFollower(dir, { tailLines: 100 });
    await follower.refresh();
    // Rotated twice (to .1 and .2) and .1 pruned, all before the next refresh.
    await rename(current, join(dir, 'metrics.ndjson.1'));
    await writeFile(current, ndjson(events.slice(4, 8)));
    await rename(current, join(dir, 'metrics.ndjson.2'));
    await unlink(join(dir, 'metrics.ndjson.1'));
    await writeFile(current, ndjson(events.slice(8)));
    expect(await follower.refresh()).toEqual({ changed: true, rebuilt: false });
    expect(follower.history.tail().map((e) => e.ts)).toEqual(events.map((e) => e.ts));
  });
});

describe('RunDirFollower with the real @loop/metrics writer', () => {
  it('sees every line exactly once, in order, while the writer appends and rotates between refreshes', async () => {
    const dir = await runDir();
    const writer = new RotatingNdjsonWriter({ dir, maxLines: 37 });
    const follower = new RunDirFollower(dir, { tailLines: 2000 });
    let step = 0;
    // Uneven bursts so refreshes land at every kind of place: mid-buffer, just after a rotation, mid-file.
    for (const burst of [5, 40, 1, 73, 36, 37, 200, 2, 111, 495]) {
      for (let i = 0; i < burst; i++) {
        step += 1;
        writer.writeLine(
          formatStageEventLine({ ts: T0 + step, step, stage: 'exec', outcome: 'ok', latency_ms: 0.5 }),
        );
      }
      if (burst % 2 === 1) writer.flush();
      await follower.refresh();
    }
    writer.close();
    await follower.refresh({ final: true });
    expect(follower.history.skipped).toBe(0);
    expect(follower.history.tail().map((e) => e.step)).toEqual(Array.from({ length: step }, (_, i) => i + 1));
    expect(follower.files().reduce((n, f) => n + f.lines, 0)).toBe(step);
  });

  it('with pruning (keep 3) and a writer restart, still sees every line once, and ends equal to a full read', async () => {
    const dir = await runDir();
    let writer = new RotatingNdjsonWriter({ dir, maxLines: 37, keep: 3 });
    const follower = new RunDirFollower(dir, { tailLines: 5000 });
    let step = 0;
    // Each burst stays within what 3 rotated files hold, so nothing is pruned before a refresh reads it.
    for (const [i, burst] of [5, 40, 1, 73, 36, 37, 70, 2, 69, 55, 38, 74, 3].entries()) {
      for (let j = 0; j < burst; j++) {
        step += 1;
        writer.writeLine(
          formatStageEventLine({ ts: T0 + step, step, stage: 'exec', outcome: 'ok', latency_ms: 0.5 }),
        );
      }
      writer.flush();
      if (i === 6) {
        // The bot restarts: a new writer continues after the highest .N and appends to the current file.
        writer.close();
        writer = new RotatingNdjsonWriter({ dir, maxLines: 37, keep: 3 });
      }
      expect((await follower.refresh()).rebuilt).toBe(false);
    }
    writer.close();
    await follower.refresh({ final: true });
    expect(follower.history.skipped).toBe(0);
    expect(follower.history.tail().map((e) => e.step)).toEqual(Array.from({ length: step }, (_, i) => i + 1));
    // What is still on disk reads the same as a fresh, static read of the run dir.
    const full = new RunDirFollower(dir, { tailLines: 5000 });
    await full.refresh({ final: true });
    const live = follower.files().filter((f) => !f.name.endsWith('(pruned since read)'));
    expect(live).toEqual(full.files());
    // (The tail names each line's file as it was called when read: a line of the current file keeps that name.)
    const steps = (tail: ReturnType<typeof full.history.tail>) => tail.map((e) => `${e.step}@${e.line}`);
    expect(steps(follower.history.tail().slice(-full.history.events))).toEqual(steps(full.history.tail()));
  });
});
