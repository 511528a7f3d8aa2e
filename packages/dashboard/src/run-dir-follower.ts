// Reads a run dir's NDJSON files into a RunHistory and, when called again, reads only what was appended,
// following the current file through rotation (same inode, new name).
import { type MetricsFileSnapshot, type SkippedMetricsFile, snapshotMetricsFiles } from '@loop/metrics';
import {
  isLoopRunDirError,
  LifetimeTracker,
  METRICS_FILE,
  RunHistory,
  type RunHistoryLimits,
} from '@loop/run-dir';
import { LoopDashboardError } from './errors.js';
import { readNdjsonLines } from './ndjson-file-reader.js';
import { checkOptionsObject, checkText, invalidOption } from './option-checks.js';
import { readStageEventLine } from './stage-event-line.js';

interface FileProgress {
  name: string;
  /** Rotation number (`.N`), or null while it is the current file. */
  index: number | null;
  /** Byte offset after the last complete line read. */
  offset: number;
  nextLine: number;
  bytes: number;
  /** The file's first bytes once read: a file that no longer starts with them is another file. */
  head: Buffer | undefined;
  /** Size of the file when an unterminated last line was first seen at that size, and when (ms). */
  pendingSince: { size: number; ms: number } | undefined;
  /** The last line was judged torn without its newline: a newline right at `offset` ends it, not a new line. */
  tornJudged: boolean;
}

/** Bytes compared to tell a file apart from another that got its inode (after pruning, or a replaced run dir). */
const HEAD_BYTES = 64;

/** What one {@link RunDirFollower.refresh} did. */
export interface RefreshResult {
  /** Events or skipped lines were added (or the history was rebuilt). */
  changed: boolean;
  /** The files no longer matched what was read before (replaced, truncated), so the history was rebuilt. */
  rebuilt: boolean;
}

/**
 * Follows the NDJSON files of a run dir. `refresh({ final: true })` treats the current file as complete (its
 * unterminated last line, if any, is judged: a torn line is skipped and counted); with `final: false` an
 * unterminated last line is left for the next refresh, since the writer may be in the middle of it, unless
 * the file has not changed for `settledMs` since that line was first seen (a writer writes whole lines, so
 * one left that long is what a crash left behind; if a writer does finish it later, the history is rebuilt).
 */
export class RunDirFollower {
  history: RunHistory;
  /** The events split into process lifetimes (restarts), for the health model; rebuilt with the history. */
  lifetimes: LifetimeTracker;
  /** Files of the last snapshot, by `dev:ino`, in chronological order (a Map keeps insertion order). */
  private progress = new Map<string, FileProgress>();
  /** Files read earlier that are gone since (pruned by the writer), oldest first. */
  private retired: FileProgress[] = [];
  /** Highest rotation number seen so far (0: none). */
  private maxIndex = 0;
  /** Entries named like metrics files that are not regular files (FIFO, directory, ...), oldest first. */
  private skipped: SkippedMetricsFile[] = [];
  private settledMs = Number.POSITIVE_INFINITY;
  /** The last refresh failed part-way: the next one rebuilds from scratch. */
  private failed = false;
  /** Events go to the history as well as to the lifetimes. */
  private readonly keepHistory: boolean;

  /**
   * `options.lifetimesOnly`: events feed only {@link lifetimes} (the history keeps the skipped lines, no
   * events): all the health model needs, at a fraction of the cost (the fleet page reads many run dirs so).
   *
   * @throws LoopDashboardError `LOOP_DASHBOARD_OPTION_INVALID` for a `runDir` that is not a string or a bad limit.
   */
  constructor(
    readonly runDir: string,
    private readonly limits: Partial<RunHistoryLimits> = {},
    options: { lifetimesOnly?: boolean } = {},
  ) {
    checkText('RunDirFollower', 'runDir', runDir);
    checkOptionsObject('RunDirFollower', 'limits', limits);
    checkOptionsObject('RunDirFollower', 'options', options);
    this.keepHistory = options.lifetimesOnly !== true;
    try {
      this.history = new RunHistory(limits);
    } catch (error) {
      if (!isLoopRunDirError(error)) throw error;
      throw invalidOption('RunDirFollower', error.message, String(error.context.option ?? 'limits'), error);
    }
    this.lifetimes = new LifetimeTracker();
  }

  /** The files read so far, in chronological order, with lines and bytes read. */
  files(): Array<{ name: string; lines: number; bytes: number }> {
    const row = (p: FileProgress, suffix: string) => ({
      name: `${p.name}${suffix}`,
      lines: p.nextLine - 1,
      bytes: p.bytes,
    });
    return [
      ...this.retired.map((p) =>
        row(p, p.index === null ? ' (rotated and pruned since read)' : ' (pruned since read)'),
      ),
      ...[...this.progress.values()].map((p) => row(p, '')),
    ];
  }

  /**
   * Rotated files that were never read: numbers up to the highest seen that no file read had, and that are
   * not {@link skippedFiles}. They were deleted (`--metrics-rotate-keep`) before this follower got to them, so
   * their events are missing here.
   */
  unreadRotatedFiles(): number {
    let read = this.retired.length; // each retired file had a number, even the current file rotated away
    for (const p of this.progress.values()) if (p.index !== null) read += 1;
    for (const f of this.skipped) if (f.index !== null && f.index <= this.maxIndex) read += 1;
    return Math.max(0, this.maxIndex - read);
  }

  /**
   * Entries named like metrics files that are not regular files (a FIFO, socket, device or directory), oldest
   * first: skipped, never opened blocking nor read. One numbered below a file read before is not looked at
   * again (rotated files never change), so it stays listed until the history is rebuilt.
   */
  skippedFiles(): SkippedMetricsFile[] {
    return [...this.skipped];
  }

  /** True while the current file ends in an unterminated line not judged yet (a later refresh may settle it). */
  pending(): boolean {
    for (const p of this.progress.values()) if (p.pendingSince !== undefined) return true;
    return false;
  }

  /**
   * Reads whatever is new. Throws {@link LoopDashboardError} if a file cannot be read; the history then holds
   * what was read up to the failure, and the next refresh rebuilds it from the files.
   */
  async refresh(options: { final?: boolean; settledMs?: number } = {}): Promise<RefreshResult> {
    this.settledMs = options.settledMs ?? Number.POSITIVE_INFINITY;
    const final = options.final ?? false;
    try {
      if (!this.failed) {
        const first = await this.pass(final);
        if (first !== 'inconsistent') return { changed: first === 'changed', rebuilt: false };
      }
      // Replaced files, or a pass that failed half-way (its history may hold part of a file): start over.
      this.history = new RunHistory(this.limits);
      this.lifetimes = new LifetimeTracker();
      this.progress = new Map();
      this.retired = [];
      this.maxIndex = 0;
      this.skipped = [];
      this.failed = false;
      await this.pass(final);
      return { changed: true, rebuilt: true };
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  private async pass(final: boolean): Promise<'changed' | 'unchanged' | 'inconsistent'> {
    // A rotation-safe snapshot (@loop/metrics, the same as readEvents): the files are opened before they are
    // read, so a writer rotating and pruning meanwhile cannot make a line be skipped or read twice.
    let snapshot: MetricsFileSnapshot;
    try {
      // Rotated files read before never change: they are only listed, not opened, whatever their number.
      snapshot = await snapshotMetricsFiles(this.runDir, { listOnlyThrough: this.maxIndex });
    } catch (cause) {
      throw new LoopDashboardError(
        'LOOP_DASHBOARD_READ_FAILED',
        `cannot read run dir ${this.runDir}: ${reason(cause)}`,
        {
          cause,
          context: { runDir: this.runDir },
        },
      );
    }
    try {
      return await this.readSnapshot(snapshot, final);
    } finally {
      await snapshot.close();
    }
  }

  /**
   * Matches the snapshot's files to the files read before, by inode, and checks that the match is the same
   * file: a rotated file keeps its number, the current file keeps its name only if nothing rotated since, and
   * the first rotation since renames the current file to the next number (`.N` beyond the highest seen). A file that breaks these rules got
   * the inode of a pruned file and is read as new. A file never read before that is not newer than every
   * file read before, or a file that shrank or no longer starts as it did, means the history was replaced.
   */
  private match(snapshot: MetricsFileSnapshot): Map<string, FileProgress> | 'inconsistent' {
    const files = snapshot.files;
    const previousCurrent = [...this.progress.values()].some((p) => p.index === null);
    // The first rotation since the last refresh renamed the current file to the next number.
    const nextIndex = this.maxIndex + 1;
    const rotatedSince = files.some((file) => file.index !== null && file.index > this.maxIndex);
    const readByIndex = new Map<number, [string, FileProgress]>();
    for (const entry of this.progress) if (entry[1].index !== null) readByIndex.set(entry[1].index, entry);
    const skippedBefore = new Set(this.skipped.map((f) => f.index));
    const matched = new Map<string, FileProgress>();
    for (const listed of snapshot.listedOnly) {
      // Only listed (not opened): rotated files read before, which never change, or entries skipped before
      // as not regular files. One never seen is a stranger.
      if (skippedBefore.has(listed.index)) continue;
      const read = readByIndex.get(listed.index);
      if (read === undefined) return 'inconsistent';
      matched.set(read[0], read[1]);
    }
    for (const file of files) {
      const key = `${file.dev}:${file.ino}`;
      const known = this.progress.get(key);
      const same =
        known !== undefined &&
        (known.index !== null
          ? file.index === known.index
          : file.index === null
            ? !rotatedSince
            : file.index === nextIndex);
      if (same) {
        if (file.size < known.offset) return 'inconsistent';
        matched.set(key, known);
        continue;
      }
      // The current file read before vanished without being rotated: the files were replaced.
      if (file.index === null && previousCurrent && !rotatedSince) return 'inconsistent';
      // Never read before: it must come after everything read before.
      if (file.index !== null && file.index <= this.maxIndex) return 'inconsistent';
      // The current file read before was renamed to the next number, so a stranger there replaced it.
      if (file.index === nextIndex && previousCurrent) return 'inconsistent';
      matched.set(key, {
        name: file.name,
        index: file.index,
        offset: 0,
        nextLine: 1,
        bytes: 0,
        head: undefined,
        pendingSince: undefined,
        tornJudged: false,
      });
    }
    return matched;
  }

  private async readSnapshot(
    snapshot: MetricsFileSnapshot,
    final: boolean,
  ): Promise<'changed' | 'unchanged' | 'inconsistent'> {
    const files = snapshot.files;
    const matched = this.match(snapshot);
    if (matched === 'inconsistent') return 'inconsistent';
    let changed = false;
    // Skipped entries: those seen now, and those seen before among the rotated files only listed this time.
    const listedIndexes = new Set(snapshot.listedOnly.map((f) => f.index));
    const skipped = [
      ...this.skipped.filter((f) => f.index !== null && listedIndexes.has(f.index)),
      ...snapshot.skipped,
    ].sort((a, b) => (a.index ?? Number.POSITIVE_INFINITY) - (b.index ?? Number.POSITIVE_INFINITY));
    if (
      skipped.map((f) => `${f.name}:${f.type}`).join() !==
      this.skipped.map((f) => `${f.name}:${f.type}`).join()
    )
      changed = true;
    this.skipped = skipped;
    const previous = new Set(this.progress.values());
    for (const [key, p] of this.progress) {
      if (matched.get(key) !== p) {
        this.retired.push(p); // pruned (or its inode reused): what was read of it stays in the history
        changed = true;
      }
    }
    this.progress = matched;
    for (const file of files) {
      const p = matched.get(`${file.dev}:${file.ino}`)!;
      if (!previous.has(p)) changed = true; // a file listed for the first time
      p.name = file.name;
      p.index = file.index;
      if (file.index !== null && file.index > this.maxIndex) this.maxIndex = file.index;
      let complete = final || file.name !== METRICS_FILE;
      if (!complete && p.pendingSince !== undefined) {
        if (p.pendingSince.size !== file.size) p.pendingSince = undefined;
        else complete = performance.now() - p.pendingSince.ms >= this.settledMs;
      }
      if (file.size <= p.offset) continue;
      const progress = p;
      let result: Awaited<ReturnType<typeof readNdjsonLines>>;
      let replaced = false;
      try {
        const handle = await snapshot.open(file);
        // Pruned before it could be opened (only beyond the snapshot's bound of open files): nothing to read.
        if (handle === undefined) continue;
        try {
          if (p.head !== undefined) {
            const now = Buffer.alloc(p.head.length);
            await handle.read(now, 0, now.length, 0);
            replaced = !now.equals(p.head);
          }
          if (!replaced && p.tornJudged) {
            // The writer ended the torn line with a newline before its next line: that newline is no line.
            const first = Buffer.alloc(1);
            await handle.read(first, 0, 1, p.offset);
            if (first[0] === 0x0a) {
              p.offset += 1;
              p.bytes += 1;
            } else {
              // The line was not torn after all (a writer finishing a short write, e.g. after a full disk):
              // what was judged is wrong, so the history is read again from the files.
              replaced = true;
            }
            p.tornJudged = false;
          }
          if (!replaced) {
            result = await readNdjsonLines(
              handle,
              {
                line: (text, line) => {
                  const read = readStageEventLine(text);
                  if (typeof read === 'string') this.history.addSkipped(progress.name, line, read);
                  else {
                    if (this.keepHistory) this.history.addEvent(read, progress.name, line);
                    this.lifetimes.add(read, progress.name, line);
                  }
                },
                overlong: (line) => this.history.addSkipped(progress.name, line, 'line too long'),
                notUtf8: (line) => this.history.addSkipped(progress.name, line, 'not UTF-8 text'),
              },
              { offset: p.offset, firstLine: p.nextLine },
            );
            if (p.head === undefined && result.endOffset > 0) {
              const head = Buffer.alloc(Math.min(HEAD_BYTES, result.endOffset));
              await handle.read(head, 0, head.length, 0);
              p.head = head;
            }
          }
        } finally {
          await handle.close();
        }
      } catch (cause) {
        throw new LoopDashboardError(
          'LOOP_DASHBOARD_READ_FAILED',
          `cannot read ${file.path}: ${reason(cause)}`,
          {
            cause,
            context: { file: file.path },
          },
        );
      }
      if (replaced) return 'inconsistent';
      result = result!;
      if (result.endOffset !== p.offset || result.nextLine !== p.nextLine) changed = true;
      p.bytes += result.endOffset - p.offset;
      p.offset = result.endOffset;
      p.nextLine = result.nextLine;
      if (result.trailing && complete) {
        // The file will not grow: its unterminated last line is what a crash left behind.
        const read = readStageEventLine(result.trailing.text);
        if (typeof read === 'string')
          this.history.addSkipped(p.name, result.trailing.line, 'torn last line (no newline)');
        else {
          if (this.keepHistory) this.history.addEvent(read, p.name, result.trailing.line);
          this.lifetimes.add(read, p.name, result.trailing.line);
        }
        const trailingBytes = Buffer.byteLength(result.trailing.text);
        p.bytes += trailingBytes;
        p.offset += trailingBytes;
        p.nextLine += 1;
        p.pendingSince = undefined;
        p.tornJudged = !final && file.name === METRICS_FILE;
        changed = true;
      } else if (result.trailing) {
        p.pendingSince ??= { size: file.size, ms: performance.now() };
      }
    }
    return changed ? 'changed' : 'unchanged';
  }
}

/** The OS's reason for an I/O failure (`EACCES: permission denied, open '...'`), or the error's message. */
function reason(cause: unknown): string {
  const inner = (cause as { cause?: unknown }).cause ?? cause;
  return inner instanceof Error ? inner.message : String(inner);
}
