// The snapshot of a run dir's metrics files: order, and no gap or repeat when a rotation lands mid-snapshot.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isMetricsError } from './errors.js';
import { type MetricsFileSnapshot, snapshotMetricsFiles } from './metrics-file-snapshot.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-snapshot-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes lines `from`..`to - 1` (one number per line) to `name`. */
function write(name: string, from: number, to: number): void {
  let text = '';
  for (let i = from; i < to; i++) text += `${i}\n`;
  fs.writeFileSync(path.join(dir, name), text);
}

/** Reads every file of the snapshot through its handle, in order, and closes it. */
async function readAll(snapshot: MetricsFileSnapshot): Promise<number[]> {
  const lines: number[] = [];
  try {
    for (const file of snapshot.files) {
      const handle = await snapshot.open(file);
      if (handle === undefined) continue;
      try {
        const text = (await handle.readFile()).toString('utf8');
        for (const line of text.split('\n')) if (line !== '') lines.push(Number(line));
      } finally {
        await handle.close();
      }
    }
  } finally {
    await snapshot.close();
  }
  return lines;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Makes the snapshot's directory listing run `rotate` first (a writer rotating mid-snapshot), once. */
function rotateBeforeListing(rotate: () => void): { calls: () => number } {
  const readdir = fs.promises.readdir.bind(fs.promises);
  let calls = 0;
  vi.spyOn(fs.promises, 'readdir').mockImplementation(((...args: Parameters<typeof readdir>) => {
    calls++;
    if (calls === 1) rotate();
    return readdir(...args);
  }) as typeof fs.promises.readdir);
  return { calls: () => calls };
}

/** Makes every directory listing of the snapshot run `rotate` first: a writer that keeps outrunning it. */
function rotateBeforeListingEachTime(rotate: () => void): { calls: () => number } {
  const readdir = fs.promises.readdir.bind(fs.promises);
  let calls = 0;
  vi.spyOn(fs.promises, 'readdir').mockImplementation(((...args: Parameters<typeof readdir>) => {
    calls++;
    rotate();
    return readdir(...args);
  }) as typeof fs.promises.readdir);
  return { calls: () => calls };
}

describe('snapshotMetricsFiles', () => {
  it('skips a FIFO, a directory and a socket named like metrics files, names them, and reads the files around them', async () => {
    write('metrics.ndjson.1', 0, 3);
    execFileSync('mkfifo', [path.join(dir, 'metrics.ndjson.2')]); // no writer: a blocking open never returns
    fs.mkdirSync(path.join(dir, 'metrics.ndjson.3'));
    write('metrics.ndjson.4', 3, 5);
    const socket = net.createServer();
    await new Promise<void>((resolve) => socket.listen(path.join(dir, 'metrics.ndjson.5'), resolve));
    try {
      write('metrics.ndjson', 5, 7);
      const snapshot = await snapshotMetricsFiles(dir);
      expect(snapshot.skipped).toEqual([
        { name: 'metrics.ndjson.2', index: 2, type: 'fifo' },
        { name: 'metrics.ndjson.3', index: 3, type: 'directory' },
        { name: 'metrics.ndjson.5', index: 5, type: 'socket' },
      ]);
      expect(snapshot.vanished).toEqual([]);
      expect(snapshot.files.map((f) => f.name)).toEqual([
        'metrics.ndjson.1',
        'metrics.ndjson.4',
        'metrics.ndjson',
      ]);
      expect(await readAll(snapshot)).toEqual(range(0, 7));
    } finally {
      await new Promise((resolve) => socket.close(resolve));
    }
  });

  it('skips a non-regular entry beyond the bound of open files too, and a FIFO in place of the current file', async () => {
    write('metrics.ndjson.1', 0, 2);
    execFileSync('mkfifo', [path.join(dir, 'metrics.ndjson.2')]);
    write('metrics.ndjson.3', 2, 4);
    execFileSync('mkfifo', [path.join(dir, 'metrics.ndjson')]);
    const snapshot = await snapshotMetricsFiles(dir, { maxOpen: 1 });
    expect(snapshot.skipped).toEqual([
      { name: 'metrics.ndjson.2', index: 2, type: 'fifo' },
      { name: 'metrics.ndjson', index: null, type: 'fifo' },
    ]);
    expect(snapshot.vanished).toEqual([]);
    expect(await readAll(snapshot)).toEqual(range(0, 4));
  });

  it('orders rotated files by number (.10 after .9), then the current file, ignoring other names', async () => {
    for (let n = 1; n <= 10; n++) write(`metrics.ndjson.${n}`, n * 10, n * 10 + 10);
    write('metrics.ndjson', 110, 115);
    write('metrics.ndjson.bak', 0, 3);
    write('metrics_summary.json', 0, 1);
    const snapshot = await snapshotMetricsFiles(dir);
    expect(snapshot.files.map((f) => f.index)).toEqual([...range(1, 11), null]);
    expect(snapshot.files.at(-1)).toMatchObject({ name: 'metrics.ndjson', size: 20 });
    expect(snapshot.vanished).toEqual([]);
    expect(await readAll(snapshot)).toEqual(range(10, 115));
  });

  it('is empty for a missing run dir and rejects a bad maxOpen', async () => {
    const snapshot = await snapshotMetricsFiles(path.join(dir, 'nope'));
    expect(snapshot.files).toEqual([]);
    const caught = await snapshotMetricsFiles(dir, { maxOpen: -1 }).catch((e: unknown) => e);
    expect(isMetricsError(caught) && caught.code).toBe('LOOP_METRICS_OPTION_INVALID');
    const badSkip = await snapshotMetricsFiles(dir, { listOnlyThrough: 1.5 }).catch((e: unknown) => e);
    expect(isMetricsError(badSkip) && badSkip.code).toBe('LOOP_METRICS_OPTION_INVALID');
  });

  it('only lists (neither opens nor stats) the rotated files up to listOnlyThrough', async () => {
    for (let n = 1; n <= 12; n++) write(`metrics.ndjson.${n}`, n * 10, n * 10 + 10);
    write('metrics.ndjson', 130, 135);
    const opened: string[] = [];
    const realOpen = fs.promises.open;
    const realStat = fs.promises.stat;
    const spyOpen = vi.spyOn(fs.promises, 'open').mockImplementation(((file: fs.PathLike, ...rest: []) => {
      opened.push(path.basename(String(file)));
      return realOpen(file, ...rest);
    }) as typeof fs.promises.open);
    const spyStat = vi.spyOn(fs.promises, 'stat').mockImplementation(((file: fs.PathLike, ...rest: []) => {
      opened.push(path.basename(String(file)));
      return realStat(file, ...rest);
    }) as typeof fs.promises.stat);
    try {
      const snapshot = await snapshotMetricsFiles(dir, { listOnlyThrough: 10 });
      expect(snapshot.listedOnly).toEqual(
        range(1, 11).map((n) => ({ name: `metrics.ndjson.${n}`, index: n })),
      );
      expect(snapshot.files.map((f) => f.index)).toEqual([11, 12, null]);
      expect(opened.sort()).toEqual(['metrics.ndjson', 'metrics.ndjson.11', 'metrics.ndjson.12']);
      expect(await readAll(snapshot)).toEqual(range(110, 135));
    } finally {
      spyOpen.mockRestore();
      spyStat.mockRestore();
    }
  });

  it('leaves out the current file renamed by a rotation after it was opened, and reads it once', async () => {
    write('metrics.ndjson.1', 0, 10);
    write('metrics.ndjson.2', 10, 20);
    write('metrics.ndjson', 20, 30);
    rotateBeforeListing(() => {
      fs.appendFileSync(path.join(dir, 'metrics.ndjson'), '30\n31\n');
      fs.renameSync(path.join(dir, 'metrics.ndjson'), path.join(dir, 'metrics.ndjson.3'));
      fs.rmSync(path.join(dir, 'metrics.ndjson.1')); // pruned (keep 2)
      write('metrics.ndjson', 32, 40);
    });
    const snapshot = await snapshotMetricsFiles(dir);
    expect(snapshot.files.map((f) => f.name)).toEqual(['metrics.ndjson.2', 'metrics.ndjson']);
    // The current file is the one opened first (now `.3`): every line up to then, none twice, no gap.
    expect(await readAll(snapshot)).toEqual(range(10, 32));
  });

  it('tries again when the current file was rotated and pruned before the listing', async () => {
    write('metrics.ndjson.1', 0, 10);
    write('metrics.ndjson', 10, 20);
    const listing = rotateBeforeListing(() => {
      fs.renameSync(path.join(dir, 'metrics.ndjson'), path.join(dir, 'metrics.ndjson.2'));
      write('metrics.ndjson', 20, 30);
      fs.renameSync(path.join(dir, 'metrics.ndjson'), path.join(dir, 'metrics.ndjson.3'));
      write('metrics.ndjson', 30, 40);
      fs.rmSync(path.join(dir, 'metrics.ndjson.1')); // keep 1
      fs.rmSync(path.join(dir, 'metrics.ndjson.2'));
    });
    const snapshot = await snapshotMetricsFiles(dir);
    expect(listing.calls()).toBe(2);
    expect(snapshot.files.map((f) => f.name)).toEqual(['metrics.ndjson.3', 'metrics.ndjson']);
    expect(await readAll(snapshot)).toEqual(range(20, 40));
  });

  it('gives the current file alone, in order, when the writer rotates and prunes it away at every try', async () => {
    // A writer far faster than the reader (keep 1): before each listing it fills two files, so the current
    // file the snapshot opened first is always rotated and pruned, and every rotated file listed is newer.
    write('metrics.ndjson', 0, 10);
    let next = 1;
    let line = 10;
    const opened: number[] = []; // the first line of each current file when the snapshot opened it
    const realOpen = fs.promises.open;
    vi.spyOn(fs.promises, 'open').mockImplementation(((file: fs.PathLike, ...rest: []) => {
      if (path.basename(String(file)) === 'metrics.ndjson') opened.push(line - 10);
      return realOpen(file, ...rest);
    }) as typeof fs.promises.open);
    const listing = rotateBeforeListingEachTime(() => {
      for (let i = 0; i < 2; i++) {
        fs.renameSync(path.join(dir, 'metrics.ndjson'), path.join(dir, `metrics.ndjson.${next}`));
        if (next > 1) fs.rmSync(path.join(dir, `metrics.ndjson.${next - 1}`));
        next++;
        write('metrics.ndjson', line, line + 10);
        line += 10;
      }
    });
    const snapshot = await snapshotMetricsFiles(dir);
    expect(listing.calls()).toBe(5);
    expect(snapshot.files.map((f) => f.name)).toEqual(['metrics.ndjson']);
    expect(snapshot.vanished).toEqual([]);
    // The file opened first at the last try: its lines, none of the newer rotated files before them.
    const first = opened.at(-1)!;
    expect(await readAll(snapshot)).toEqual(range(first, first + 10));
  });

  it('tries again when there was no current file and the listed files were pruned before they were opened', async () => {
    // Just after a rotation the writer has no current file until its next line; meanwhile it rotates on.
    write('metrics.ndjson.1', 0, 10);
    write('metrics.ndjson.2', 10, 20);
    const readdir = fs.promises.readdir.bind(fs.promises);
    let calls = 0;
    vi.spyOn(fs.promises, 'readdir').mockImplementation((async (...args: Parameters<typeof readdir>) => {
      calls++;
      const names = await readdir(...args);
      if (calls === 1) {
        // Listed, then pruned (keep 1) before the snapshot opens them, while the writer moved on to .3.
        write('metrics.ndjson.3', 20, 30);
        fs.rmSync(path.join(dir, 'metrics.ndjson.1'));
        fs.rmSync(path.join(dir, 'metrics.ndjson.2'));
        write('metrics.ndjson', 30, 35);
      }
      return names;
    }) as typeof fs.promises.readdir);
    const snapshot = await snapshotMetricsFiles(dir);
    expect(calls).toBe(2);
    expect(snapshot.files.map((f) => f.name)).toEqual(['metrics.ndjson.3', 'metrics.ndjson']);
    expect(await readAll(snapshot)).toEqual(range(20, 35));
  });

  it('opens only the newest maxOpen rotated files up front; an older one pruned before it is opened is missed', async () => {
    for (let n = 1; n <= 5; n++) write(`metrics.ndjson.${n}`, n * 10, n * 10 + 10);
    const snapshot = await snapshotMetricsFiles(dir, { maxOpen: 2 });
    expect(snapshot.files.map((f) => f.index)).toEqual([1, 2, 3, 4, 5]);
    for (let n = 1; n <= 5; n++) fs.rmSync(path.join(dir, `metrics.ndjson.${n}`));
    // .4 and .5 were held open; .1 to .3 are opened on demand and are gone.
    expect(await snapshot.open(snapshot.files[0]!)).toBeUndefined();
    expect(await readAll(snapshot)).toEqual(range(40, 60));
  });
});
