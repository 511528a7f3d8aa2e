// A gap-free, chronological set of a run dir's metrics files, opened so a live writer's rotation cannot break it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetricsError } from './errors.js';
import { nonRegularType, openMetricsFile, openOrUndefined, readFailed } from './metrics-file-open.js';
import type { MetricsFileInfo } from './metrics-reader.js';
import { METRICS_FILE, ROTATED_FILE_PATTERN } from './rotating-ndjson-writer.js';
import type { SkippedMetricsFile } from './skipped-metrics-file.js';

/** One file of a {@link MetricsFileSnapshot}: its name and size plus the identity of the file itself. */
export interface SnapshotFile extends MetricsFileInfo {
  /** Device of the file (with `ino`, follows it when rotation renames it). */
  dev: number;
  /** Inode of the file. */
  ino: number;
}

/** Options of {@link snapshotMetricsFiles}. */
export interface SnapshotOptions {
  /** Rotated files opened up front, the newest ones (besides the current file); default 256. */
  maxOpen?: number;
  /**
   * Rotated files numbered up to this are only listed (in `listedOnly`), neither opened nor stat'ed: for a
   * follower that read them already (rotated files never change), so that each refresh costs a directory
   * listing plus the files that are new, not a stat of every file of a long history. Default 0 (none).
   */
  listOnlyThrough?: number;
}

/** A rotated file that {@link SnapshotOptions.listOnlyThrough} left unopened: its name and number. */
export interface ListedFile {
  name: string;
  index: number;
}

/** Attempts at a snapshot when the current file was rotated and pruned while it was taken. */
const SNAPSHOT_ATTEMPTS = 5;

/**
 * The metrics files of a run dir at one moment, oldest first (`metrics.ndjson.1`, `.2`, ..., then
 * `metrics.ndjson`), with open handles, so that reading them all gives every line up to the moment the
 * snapshot was taken with no gap and no line twice, even while a live writer rotates and prunes. Lines
 * written later may be read too (the current file keeps growing) but only at the end. Take each file's
 * handle with {@link open} and close it; {@link close} closes those not taken.
 */
export class MetricsFileSnapshot {
  /** @internal Use {@link snapshotMetricsFiles}. */
  constructor(
    /** Files in chronological order, gap-free. */
    readonly files: readonly SnapshotFile[],
    /** Rotated files listed but pruned by the writer before they could be opened (older than `files`). */
    readonly vanished: readonly string[],
    private readonly handles: Map<string, fs.promises.FileHandle>,
    /** Rotated files up to `listOnlyThrough`, oldest first, present when listed (older than `files`). */
    readonly listedOnly: readonly ListedFile[] = [],
    /**
     * Entries named like metrics files that are not regular files (a FIFO, socket, device or directory),
     * oldest first: never opened blocking, never read, and not taken for pruned files; the files on either
     * side of one are read. Those numbered up to `listOnlyThrough` are not looked at (they are in `listedOnly`).
     */
    readonly skipped: readonly SkippedMetricsFile[] = [],
  ) {}

  /**
   * The open handle of `file`, now owned by the caller (who closes it); a file beyond the `maxOpen` bound is
   * opened now. `undefined` if it has been pruned since it was listed (only possible beyond the bound).
   *
   * @throws MetricsError `LOOP_METRICS_READ_FAILED` if the file cannot be opened.
   */
  async open(file: SnapshotFile): Promise<fs.promises.FileHandle | undefined> {
    const handle = this.handles.get(file.name);
    if (handle !== undefined) {
      this.handles.delete(file.name);
      return handle;
    }
    return openOrUndefined(file.path);
  }

  /** Closes the handles not taken with {@link open}. */
  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.close()));
  }
}

/**
 * Takes a {@link MetricsFileSnapshot} of `runDir` (empty if it does not exist). The current file is opened
 * first, then the rotated ones are listed and opened newest first: pruning deletes oldest first, so once one
 * is missing every older one is gone and what is held is a gap-free run. A rotated file with the current
 * file's inode is the current file renamed by rotation meanwhile: it and anything newer are left out, the
 * current file being read through the handle opened first. Beyond `maxOpen` rotated files the oldest are
 * only listed, opened by {@link MetricsFileSnapshot.open}; one pruned before then is missed. If the current
 * file opened first was rotated and pruned before the rotated files could be held, the snapshot is taken again
 * (a few times); a writer that keeps outrunning it that way gets a snapshot of that file alone, which is still
 * gap-free and in order (the rotated files before it are gone, those after it are lines written later).
 * An entry named like a metrics file that is not a regular file (a FIFO, socket, device or directory) is never
 * opened blocking nor read: it is listed in `skipped`, and the files older than it are still read.
 *
 * @throws MetricsError `LOOP_METRICS_READ_FAILED` if the run dir cannot be listed or a file cannot be opened.
 */
export async function snapshotMetricsFiles(
  runDir: string,
  options: SnapshotOptions = {},
): Promise<MetricsFileSnapshot> {
  const maxOpen = options.maxOpen ?? 256;
  if (!Number.isSafeInteger(maxOpen) || maxOpen < 0) {
    throw new MetricsError('LOOP_METRICS_OPTION_INVALID', `maxOpen must be an integer >= 0, got ${maxOpen}`);
  }
  const listOnlyThrough = options.listOnlyThrough ?? 0;
  if (!Number.isSafeInteger(listOnlyThrough) || listOnlyThrough < 0) {
    throw new MetricsError(
      'LOOP_METRICS_OPTION_INVALID',
      `listOnlyThrough must be an integer >= 0, got ${listOnlyThrough}`,
    );
  }
  const dir = path.resolve(runDir);
  for (let attempt = 1; ; attempt++) {
    const snapshot = await trySnapshot(dir, maxOpen, listOnlyThrough, attempt === SNAPSHOT_ATTEMPTS);
    if (snapshot !== undefined) return snapshot;
  }
}

/**
 * One attempt. `undefined` (unless `lastAttempt`) when the current file was unlinked by the time the rotated
 * files were listed (rotated and pruned meanwhile, it would belong before files that were not held), or when
 * there was no current file and listed files were pruned before they could be opened: the caller tries again.
 */
async function trySnapshot(
  dir: string,
  maxOpen: number,
  listOnlyThrough: number,
  lastAttempt: boolean,
): Promise<MetricsFileSnapshot | undefined> {
  const handles = new Map<string, fs.promises.FileHandle>();
  let done = false;
  try {
    const skipped: SkippedMetricsFile[] = [];
    const currentPath = path.join(dir, METRICS_FILE);
    const opening = await openMetricsFile(currentPath);
    const current = opening.kind === 'opened' ? opening.handle : undefined;
    if (current !== undefined) handles.set(METRICS_FILE, current);
    const currentStat = opening.kind === 'opened' ? opening.stats : undefined;
    if (opening.kind === 'not-regular') skipped.push({ name: METRICS_FILE, index: null, type: opening.type });
    let names: string[];
    try {
      names = await fs.promises.readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw readFailed(dir, error);
      names = [];
    }
    const rotated: Array<{ name: string; index: number; path: string }> = [];
    const listedOnly: ListedFile[] = [];
    for (const name of names) {
      const match = ROTATED_FILE_PATTERN.exec(name);
      if (!match) continue;
      const index = Number(match[1]);
      if (index <= listOnlyThrough) listedOnly.push({ name, index });
      else rotated.push({ name, index, path: path.join(dir, name) });
    }
    rotated.sort((a, b) => a.index - b.index);
    listedOnly.sort((a, b) => a.index - b.index);
    const held: Array<SnapshotFile | undefined> = new Array(rotated.length);
    /** Indexes (into `rotated`) of entries that are not regular files: skipped, not pruned. */
    const notRegular = new Set<number>();
    const eagerFrom = Math.max(0, rotated.length - maxOpen);
    let end = rotated.length; // rotated[0, end) are older than the current file
    let oldestHeld = end;
    let currentFound = false; // the current file was found among the rotated ones, renamed
    for (let i = rotated.length - 1; i >= eagerFrom; i--) {
      const entry = rotated[i]!;
      const rotatedOpening = await openMetricsFile(entry.path);
      if (rotatedOpening.kind === 'gone') break; // pruned: every older file is gone too
      if (rotatedOpening.kind === 'not-regular') {
        // Not a file the writer made (it only makes regular files), so not a sign of pruning: go on past it.
        skipped.push({ name: entry.name, index: entry.index, type: rotatedOpening.type });
        notRegular.add(i);
        oldestHeld = i;
        continue;
      }
      const handle = rotatedOpening.handle;
      handles.set(entry.name, handle);
      const stat = rotatedOpening.stats;
      if (currentStat !== undefined && stat.ino === currentStat.ino && stat.dev === currentStat.dev) {
        // The current file, renamed by a rotation after we opened it: it and anything newer are left out.
        for (let j = i; j < end; j++) {
          const name = rotated[j]!.name;
          await handles.get(name)?.close();
          handles.delete(name);
          held[j] = undefined;
        }
        end = i;
        oldestHeld = i;
        currentFound = true;
        continue;
      }
      held[i] = { ...fileInfo(entry), size: stat.size, dev: stat.dev, ino: stat.ino };
      oldestHeld = i;
    }
    const vanished: string[] = [];
    const files: SnapshotFile[] = [];
    const eagerComplete = oldestHeld === eagerFrom;
    for (let i = 0; i < eagerFrom; i++) {
      // Beyond the bound: listed only. Once a file is gone every older one is gone too.
      const entry = rotated[i]!;
      let stat: fs.Stats | undefined;
      if (eagerComplete) stat = await statOrUndefined(entry.path);
      if (stat === undefined) vanished.push(entry.name);
      else if (!stat.isFile())
        skipped.push({ name: entry.name, index: entry.index, type: nonRegularType(stat) });
      else files.push({ ...fileInfo(entry), size: stat.size, dev: stat.dev, ino: stat.ino });
    }
    for (let i = eagerFrom; i < end; i++) {
      const file = held[i];
      if (file !== undefined) files.push(file);
      else if (!notRegular.has(i)) vanished.push(rotated[i]!.name);
    }
    // No current file (the writer rotated and has not written the next line yet) and listed files pruned
    // before they could be opened: the writer moved on while we looked, and what is held may be nothing.
    if (!lastAttempt && current === undefined && vanished.length > 0) return undefined;
    if (current !== undefined && currentStat !== undefined) {
      if (!currentFound && (await statOf(current, currentPath)).nlink === 0) {
        // The current file was rotated and pruned before its new name could be opened: every rotated file
        // still held is newer than it or of unknown order, so only it forms a gap-free run. Try again for a
        // fresher one; a writer that keeps outrunning the reader gets the file opened first, alone.
        if (!lastAttempt) return undefined;
        await Promise.all(
          [...handles].filter(([name]) => name !== METRICS_FILE).map(([, handle]) => handle.close()),
        );
        for (const name of [...handles.keys()]) if (name !== METRICS_FILE) handles.delete(name);
        files.length = 0;
        vanished.length = 0;
      }
      files.push({
        name: METRICS_FILE,
        path: currentPath,
        index: null,
        size: currentStat.size,
        dev: currentStat.dev,
        ino: currentStat.ino,
      });
    }
    done = true;
    skipped.sort((a, b) => (a.index ?? Number.POSITIVE_INFINITY) - (b.index ?? Number.POSITIVE_INFINITY));
    return new MetricsFileSnapshot(files, vanished, handles, listedOnly, skipped);
  } finally {
    if (!done) await Promise.all([...handles.values()].map((h) => h.close()));
  }
}

function fileInfo(entry: { name: string; index: number; path: string }): MetricsFileInfo {
  return { name: entry.name, path: entry.path, index: entry.index, size: 0 };
}

async function statOf(handle: fs.promises.FileHandle, file: string): Promise<fs.Stats> {
  try {
    return await handle.stat();
  } catch (error) {
    throw readFailed(file, error);
  }
}

async function statOrUndefined(file: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw readFailed(file, error);
  }
}
