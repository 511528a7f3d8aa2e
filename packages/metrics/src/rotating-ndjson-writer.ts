// Batched, rotating, restart-safe NDJSON file writer: exact line/byte limits, `.N` numbering, failure counting.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, MetricsError } from './errors.js';
import { makeDirectory } from './make-directory.js';

/** The current NDJSON file of a run dir; rotated files are `metrics.ndjson.1` (oldest), `.2`, ... */
export const METRICS_FILE = 'metrics.ndjson';

/** Matches a rotated file name and captures its number. */
export const ROTATED_FILE_PATTERN = /^metrics\.ndjson\.([1-9]\d*)$/;

/** The file operations the writer uses; replaceable to inject failures in tests. */
export type WriterFileSystem = Pick<
  typeof fs,
  | 'openSync'
  | 'writeSync'
  | 'closeSync'
  | 'renameSync'
  | 'fsyncSync'
  | 'unlinkSync'
  | 'readdirSync'
  | 'fstatSync'
  | 'readSync'
  | 'statSync'
  | 'ftruncateSync'
>;

/**
 * The writer's health changed: its first failed write after a healthy time (`failing`), or its first
 * complete flush after failing (`recovered`). Tell an operator; the writer itself goes on either way.
 */
export type WriterHealthChange =
  | { state: 'failing'; file: string; error: string }
  | { state: 'recovered'; file: string; writeErrors: number; linesDropped: number };

/** Options of {@link RotatingNdjsonWriter}. */
export interface RotatingNdjsonWriterOptions {
  /** Run dir; created if missing. */
  dir: string;
  /** Rotate before a line that would make the file hold more than this many lines. Off by default. */
  maxLines?: number;
  /** Rotate before a line that would make the file larger than this (a single larger line gets a file of its own). */
  maxBytes?: number;
  /** Keep at most this many rotated files, deleting the oldest. Off by default (keep all). */
  keep?: number;
  /**
   * Keep the NDJSON files (rotated ones and the current one) within this many bytes by deleting the oldest
   * rotated files at each rotation; the current file is never deleted, so the total stays below this plus
   * one file. Off by default. Without `maxLines` or `maxBytes`, rotation by size at an eighth of it is on.
   */
  maxTotalBytes?: number;
  /** fsync the file after each flush and before each rotation. Off by default. */
  fsync?: boolean;
  /** Size of the batch buffer; default 64 KiB. A full buffer is flushed at once. */
  bufferBytes?: number;
  /** Replaces node:fs (tests inject failures). */
  fileSystem?: WriterFileSystem;
  /** Called (synchronously; what it throws is ignored) when writes start failing and when they recover. */
  onHealthChange?: (change: WriterHealthChange) => void;
}

/** Figures of a writer, as the summary's `writer` object shows them (plus what the schema makes optional). */
export interface WriterStats {
  lines_written: number;
  bytes_written: number;
  rotations: number;
  write_errors: number;
  last_write_error: string | null;
  /** Lines given up because the disk kept failing and the batch buffer was full. */
  lines_dropped: number;
  /** Rotated files deleted by `keep` or `maxTotalBytes`. */
  rotated_files_deleted: number;
}

/**
 * What the recorder writes its lines through: a {@link RotatingNdjsonWriter} on the loop's thread, or the
 * writer thread's loop-side half (the recorder's `writerThread` option). Never throws after construction.
 */
export interface MetricsLineWriter {
  /** Absolute path of the current file. */
  readonly file: string;
  /** Appends one line; it must end with `\n` and contain no other newline. */
  writeLine(line: string): void;
  /** Appends one line that `encode` writes straight into the batch buffer (see {@link RotatingNdjsonWriter.writeEncoded}). */
  writeEncoded<T>(
    value: T,
    encode: (value: T, out: Buffer, at: number) => number,
    text: (value: T) => string,
  ): void;
  /** Writes (or hands over) the batch; false while writes fail. */
  flush(): boolean;
  /** Writes everything and closes the file; false if some lines could not be written. */
  close(): boolean;
  /** A copy of the writer's figures. */
  getStats(): WriterStats;
  /** Numbers of the rotated files that exist, oldest first. */
  rotatedNumbers(): readonly number[];
}

/**
 * Appends lines to `<dir>/metrics.ndjson` through a batch buffer.
 *
 * Guarantees: a line is written whole or not at all to one file; rotation happens only between lines
 * (flush, close, rename to the next `.N`, reopen); numbering continues after the highest existing `.N`, so
 * nothing is overwritten; a torn last line left by a crash is ended with a newline before new lines, so it
 * never glues onto them. Write and rename failures are counted (never thrown): unwritten bytes stay in
 * the buffer and are retried on the next flush (a rotation whose rename failed waits there too, its next
 * file's lines behind it); lines are dropped and counted only when the buffer is full, or the next file
 * would overflow too, while the disk still fails. After SIGKILL at most the unflushed batch is lost.
 */
export class RotatingNdjsonWriter implements MetricsLineWriter {
  /** Absolute path of the current file. */
  readonly file: string;
  private readonly dir: string;
  private readonly fsys: WriterFileSystem;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly maxTotalBytes: number;
  private readonly fsyncEach: boolean;
  private readonly buffer: Buffer;
  private fd: number | null = null;
  private start = 0;
  private end = 0;
  private pendingLines = 0;
  /** Buffer offset where the next file's bytes begin while a rotation is pending; -1 otherwise. */
  private splitAt = -1;
  /** Buffered lines before `splitAt`. */
  private splitLines = 0;
  /** Lines and bytes in the current file including the buffered ones. */
  private fileLines = 0;
  private fileBytes = 0;
  private readonly onHealthChange: ((change: WriterHealthChange) => void) | undefined;
  /** True from a failed write until a flush writes everything. */
  private failing = false;
  /** The byte at `start` is the newline that ended a crash's torn line: no line of ours. */
  private terminatorPending = false;
  private rotated: number[] = [];
  /** Sizes of the rotated files, in the order of `rotated`, and their sum. */
  private rotatedSizes: number[] = [];
  private rotatedTotal = 0;
  private closed = false;
  /** The line {@link writeLineBytes} is appending (one object, refilled: no garbage per line). */
  private readonly range: ByteRange = { source: Buffer.alloc(0), start: 0, end: 0 };
  private readonly stats: WriterStats = {
    lines_written: 0,
    bytes_written: 0,
    rotations: 0,
    write_errors: 0,
    last_write_error: null,
    lines_dropped: 0,
    rotated_files_deleted: 0,
  };

  constructor(options: RotatingNdjsonWriterOptions) {
    this.dir = path.resolve(options.dir);
    this.file = path.join(this.dir, METRICS_FILE);
    this.fsys = options.fileSystem ?? fs;
    this.maxLines = positiveOrOff('maxLines', options.maxLines);
    this.keep = positiveOrOff('keep', options.keep);
    this.maxTotalBytes = positiveOrOff('maxTotalBytes', options.maxTotalBytes);
    const maxBytes = positiveOrOff('maxBytes', options.maxBytes);
    this.maxBytes =
      maxBytes === 0 && this.maxLines === 0 && this.maxTotalBytes > 0
        ? Math.max(1, Math.floor(this.maxTotalBytes / 8))
        : maxBytes;
    this.fsyncEach = options.fsync ?? false;
    this.onHealthChange = options.onHealthChange;
    const bufferBytes = options.bufferBytes ?? 64 * 1024;
    if (!Number.isSafeInteger(bufferBytes) || bufferBytes < 1024) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        `bufferBytes must be an integer >= 1024, got ${bufferBytes}`,
      );
    }
    this.buffer = Buffer.allocUnsafe(bufferBytes);
    try {
      makeDirectory(this.dir);
      this.rotated = this.fsys
        .readdirSync(this.dir)
        .map((name) => ROTATED_FILE_PATTERN.exec(String(name)))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b);
      this.rotatedSizes = this.rotated.map((n) => this.sizeOf(n));
      this.rotatedTotal = this.rotatedSizes.reduce((sum, size) => sum + size, 0);
      this.openCurrent();
    } catch (error) {
      if (this.fd !== null) this.fsys.closeSync(this.fd);
      throw new MetricsError(
        'LOOP_METRICS_OPEN_FAILED',
        `${this.file}: cannot open for writing: ${describeError(error)}`,
        {
          cause: error,
          context: { file: this.file },
        },
      );
    }
    this.pruneRotated();
  }

  /** Appends one line; it must end with `\n` and contain no other newline. Never throws. */
  writeLine(line: string): void {
    if (this.closed) {
      this.stats.lines_dropped++;
      return;
    }
    let bytes = -1;
    if (this.maxBytes > 0) bytes = Buffer.byteLength(line);
    if (
      (this.maxLines > 0 && this.fileLines >= this.maxLines) ||
      (this.maxBytes > 0 && this.fileBytes > 0 && this.fileBytes + bytes > this.maxBytes)
    ) {
      // A rotation still pending (its rename failed) must complete first; if it still cannot, the next
      // file is full as well and the line is dropped.
      if (this.splitAt >= 0 && !this.flush()) {
        this.stats.lines_dropped++;
        return;
      }
      this.beginRotation();
    }
    const capacity = this.buffer.length;
    if (capacity - this.end < line.length * 3) {
      if (bytes < 0) bytes = Buffer.byteLength(line);
      if (capacity - this.end < bytes) {
        this.makeRoom();
        if (capacity - this.end < bytes) {
          if (bytes > capacity && this.start === this.end && this.splitAt < 0) {
            this.writeOversized(line, bytes);
          } else {
            this.stats.lines_dropped++;
          }
          return;
        }
      }
    }
    const written = this.buffer.write(line, this.end);
    this.end += written;
    this.pendingLines++;
    this.fileLines++;
    this.fileBytes += written;
  }

  /**
   * Appends one line that `encode` writes straight into the batch buffer (no string is built): it gets
   * the buffer and the offset, writes one whole line ending in `\n` before `buffer.length` and returns
   * where the line ends, or -1 if it would not fit. A line that fits no buffer goes through `text(value)`
   * and {@link writeLine}. Same limits, rotation and failure handling as `writeLine`. Never throws.
   */
  writeEncoded<T>(
    value: T,
    encode: (value: T, out: Buffer, at: number) => number,
    text: (value: T) => string,
  ): void {
    if (this.closed) {
      this.stats.lines_dropped++;
      return;
    }
    let at = this.end;
    let next = encode(value, this.buffer, at);
    if (next < 0) {
      this.makeRoom();
      at = this.end;
      next = encode(value, this.buffer, at);
      if (next < 0) {
        this.writeLine(text(value));
        return;
      }
    }
    const bytes = next - at;
    if (
      (this.maxLines > 0 && this.fileLines >= this.maxLines) ||
      (this.maxBytes > 0 && this.fileBytes > 0 && this.fileBytes + bytes > this.maxBytes)
    ) {
      if (this.splitAt >= 0) {
        // A rotation still pending must complete first; the flush may move the buffer's free space, so
        // the encoded line (not yet committed) is moved along with it.
        if (!this.flush()) {
          this.stats.lines_dropped++;
          return;
        }
        if (this.end !== at) {
          this.buffer.copyWithin(this.end, at, at + bytes);
          at = this.end;
        }
      }
      this.splitAt = at;
      this.splitLines = this.pendingLines;
      this.fileLines = 0;
      this.fileBytes = 0;
      this.commit(bytes);
      this.flush();
      return;
    }
    this.commit(bytes);
  }

  /**
   * Appends one line given as bytes, `source[start..end)`, ending in `\n` (the writer thread's input: lines
   * the loop's thread encoded). Same limits, rotation and failure handling as {@link writeLine}. Never throws.
   */
  writeLineBytes(source: Buffer, start: number, end: number): void {
    const range = this.range;
    range.source = source;
    range.start = start;
    range.end = end;
    this.writeEncoded(range, copyRange, rangeText);
    range.source = EMPTY;
  }

  /**
   * Appends `lines` whole lines given as bytes, `source[start..end)`: in one copy when they all fit the
   * current file's limits and the batch buffer (the common case), else line by line through
   * {@link writeLineBytes}. The same files and figures as appending them one at a time. Never throws.
   */
  writeLinesBytes(source: Buffer, start: number, end: number, lines: number): void {
    const bytes = end - start;
    const fitsFile =
      this.splitAt < 0 &&
      (this.maxLines === 0 || this.fileLines + lines <= this.maxLines) &&
      (this.maxBytes === 0 || this.fileBytes + bytes <= this.maxBytes);
    if (fitsFile && !this.closed && (this.buffer.length - this.end >= bytes || this.flush())) {
      if (this.buffer.length - this.end >= bytes) {
        source.copy(this.buffer, this.end, start, end);
        this.end += bytes;
        this.pendingLines += lines;
        this.fileLines += lines;
        this.fileBytes += bytes;
        return;
      }
    }
    for (let at = start; at < end; ) {
      const newline = source.indexOf(0x0a, at);
      const lineEnd = newline === -1 || newline >= end ? end : newline + 1;
      this.writeLineBytes(source, at, lineEnd);
      at = lineEnd;
    }
  }

  private commit(bytes: number): void {
    this.end += bytes;
    this.pendingLines++;
    this.fileLines++;
    this.fileBytes += bytes;
  }

  /**
   * Writes the batch to the file (and fsyncs in fsync mode), completing a pending rotation on the way.
   * Returns false if something stayed unwritten (it stays buffered and is retried on the next flush).
   */
  flush(): boolean {
    if (this.splitAt >= 0) {
      // Bytes before the split belong to the file being rotated; then rename it; the rest go to the new file.
      if (!this.writeRange(this.splitAt)) return false;
      this.stats.lines_written += this.splitLines;
      this.pendingLines -= this.splitLines;
      this.splitLines = 0;
      if (!this.renameCurrent()) return false;
      this.splitAt = -1;
    }
    if (this.start === this.end) {
      // Everything is written (a rotation can empty the buffer mid-way): rewind, or the free space
      // shrinks with every rotation until lines are dropped.
      this.start = 0;
      this.end = 0;
      if (this.failing) this.recovered();
      return true;
    }
    if (!this.writeRange(this.end)) return false;
    this.start = 0;
    this.end = 0;
    this.terminatorPending = false;
    this.stats.lines_written += this.pendingLines;
    this.pendingLines = 0;
    if (this.failing) this.recovered();
    if (this.fsyncEach) {
      try {
        this.fsys.fsyncSync(this.fd!);
      } catch (error) {
        this.fail(error);
      }
    }
    return true;
  }

  /** Flushes and closes the file. Returns false if some buffered lines could not be written. */
  close(): boolean {
    if (this.closed) return true;
    const flushed = this.flush();
    this.closed = true;
    if (!flushed) this.stats.lines_dropped += this.pendingLines;
    if (this.fd !== null) {
      try {
        if (this.fsyncEach) this.fsys.fsyncSync(this.fd);
        this.fsys.closeSync(this.fd);
      } catch (error) {
        this.fail(error);
      }
      this.fd = null;
    }
    return flushed;
  }

  /** A copy of the writer's figures. */
  getStats(): WriterStats {
    return { ...this.stats };
  }

  /** Numbers of the rotated files that exist, oldest first. */
  rotatedNumbers(): readonly number[] {
    return this.rotated;
  }

  private openCurrent(): void {
    const fd = this.fsys.openSync(this.file, 'a+');
    this.fd = fd;
    const size = this.fsys.fstatSync(fd).size;
    this.fileBytes = size;
    this.fileLines = 0;
    if (size === 0) return;
    const last = Buffer.alloc(1);
    this.fsys.readSync(fd, last, 0, 1, size - 1);
    if (this.maxLines > 0) this.fileLines = this.countLines(fd, size);
    if (last[0] !== 0x0a) {
      // A torn line from a crash: end it so the next line starts on its own (readers skip the fragment).
      this.buffer.write('\n', this.end);
      this.end += 1;
      this.terminatorPending = true;
      this.fileBytes += 1;
      if (this.maxLines > 0) this.fileLines += 1;
    }
  }

  private countLines(fd: number, size: number): number {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    let lines = 0;
    for (let position = 0; position < size; ) {
      const n = this.fsys.readSync(fd, chunk, 0, Math.min(chunk.length, size - position), position);
      if (n <= 0) break;
      for (let i = chunk.indexOf(0x0a, 0); i !== -1 && i < n; i = chunk.indexOf(0x0a, i + 1)) lines++;
      position += n;
    }
    return lines;
  }

  /**
   * The current file is full: later lines go to the next file. Marks the split in the buffer and tries to
   * complete the rotation now; if the disk or the rename fails, the lines wait in the buffer and
   * {@link flush} retries (close -> rename to the next `.N` -> reopen).
   */
  private beginRotation(): void {
    this.splitAt = this.end;
    this.splitLines = this.pendingLines;
    this.fileLines = 0;
    this.fileBytes = 0;
    this.flush();
  }

  /** Writes buffer bytes from `start` up to `until` to the current file. */
  private writeRange(until: number): boolean {
    if (this.start >= until) return true;
    if (this.fd === null && !this.openAppend()) return false;
    const from = this.start;
    try {
      while (this.start < until) {
        const n = this.fsys.writeSync(this.fd!, this.buffer, this.start, until - this.start);
        this.start += n;
        this.stats.bytes_written += n;
      }
      return true;
    } catch (error) {
      this.fail(error);
      if (this.start > from) this.settlePartialWrite(from);
      return false;
    }
  }

  /**
   * A write failed after some bytes of [from, start) reached the file (a disk filling up mid-write). The
   * whole lines among them are written (counted now, so the figures match the file); a torn tail is cut
   * off the file again and stays buffered, whole, for the retry: the file never ends in half a line.
   */
  private settlePartialWrite(from: number): void {
    const lastNewline = this.buffer.lastIndexOf(0x0a, this.start - 1);
    const wholeEnd = lastNewline >= from ? lastNewline + 1 : from;
    const torn = this.start - wholeEnd;
    if (torn > 0) {
      try {
        const size = this.fsys.fstatSync(this.fd!).size;
        this.fsys.ftruncateSync(this.fd!, size - torn);
        this.start = wholeEnd;
        this.stats.bytes_written -= torn;
      } catch (error) {
        // Cannot cut it: the retry completes the line instead (it is still buffered from `start`).
        this.fail(error);
      }
    }
    let lines = 0;
    for (
      let i = this.buffer.indexOf(0x0a, from);
      i !== -1 && i < this.start;
      i = this.buffer.indexOf(0x0a, i + 1)
    ) {
      lines++;
    }
    if (this.terminatorPending && lines > 0) {
      lines--; // the crash's torn line ended: not a line of ours
      this.terminatorPending = false;
    }
    this.stats.lines_written += lines;
    this.pendingLines -= lines;
    if (this.splitAt >= 0) this.splitLines -= lines;
  }

  /** close -> rename to the next `.N` -> reopen. */
  private renameCurrent(): boolean {
    const next = (this.rotated.at(-1) ?? 0) + 1;
    const target = path.join(this.dir, `${METRICS_FILE}.${next}`);
    try {
      if (this.fd !== null) {
        if (this.fsyncEach) this.fsys.fsyncSync(this.fd);
        this.fsys.closeSync(this.fd);
        this.fd = null;
      }
      this.fsys.renameSync(this.file, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        const message = `rotate ${this.file} -> ${target}: ${describeError(error)}`;
        this.fail(new MetricsError('LOOP_METRICS_ROTATE_FAILED', message, { cause: error }));
        return false;
      }
      // No current file (it could not be created): nothing to rotate, the next open starts a new one.
      this.openAppend();
      return true;
    }
    this.rotated.push(next);
    const size = this.sizeOf(next);
    this.rotatedSizes.push(size);
    this.rotatedTotal += size;
    this.stats.rotations++;
    this.openAppend(); // a failure is counted; writeRange retries the open
    this.pruneRotated();
    return true;
  }

  private openAppend(): boolean {
    try {
      this.fd = this.fsys.openSync(this.file, 'a');
      return true;
    } catch (error) {
      this.fd = null;
      this.fail(error);
      return false;
    }
  }

  /** Size of `metrics.ndjson.<n>` (0 if it cannot be read: it then never blocks pruning). */
  private sizeOf(n: number): number {
    try {
      return this.fsys.statSync(path.join(this.dir, `${METRICS_FILE}.${n}`)).size;
    } catch {
      return 0;
    }
  }

  /** Deletes the oldest rotated files beyond `keep`, then while all files hold more than `maxTotalBytes`. */
  private pruneRotated(): void {
    while (
      this.rotated.length > 0 &&
      ((this.keep > 0 && this.rotated.length > this.keep) ||
        (this.maxTotalBytes > 0 && this.rotatedTotal + this.fileBytes > this.maxTotalBytes))
    ) {
      const oldest = this.rotated[0]!;
      try {
        this.fsys.unlinkSync(path.join(this.dir, `${METRICS_FILE}.${oldest}`));
        this.stats.rotated_files_deleted++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.fail(error);
          return;
        }
      }
      this.rotated.shift();
      this.rotatedTotal -= this.rotatedSizes.shift() ?? 0;
    }
  }

  /** Flushes a full buffer; if the disk fails, moves the unwritten bytes to the front to make room. */
  private makeRoom(): void {
    if (this.flush()) return;
    if (this.start > 0) {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
      this.end -= this.start;
      if (this.splitAt >= 0) this.splitAt -= this.start;
      this.start = 0;
    }
  }

  private writeOversized(line: string, bytes: number): void {
    const data = Buffer.from(line);
    if (this.fd === null && !this.openAppend()) {
      this.stats.lines_dropped++;
      return;
    }
    let offset = 0;
    try {
      while (offset < bytes) offset += this.fsys.writeSync(this.fd!, data, offset, bytes - offset);
    } catch (error) {
      this.fail(error);
      // Too large to keep for a retry: cut what reached the file (no torn line) and drop the line.
      if (offset > 0) {
        try {
          const size = this.fsys.fstatSync(this.fd!).size;
          this.fsys.ftruncateSync(this.fd!, size - offset);
        } catch (cutError) {
          this.fail(cutError);
          this.stats.bytes_written += offset;
        }
      }
      this.stats.lines_dropped++;
      return;
    }
    this.stats.bytes_written += bytes;
    this.stats.lines_written++;
    this.fileLines++;
    this.fileBytes += bytes;
    if (this.failing) this.recovered();
  }

  private fail(error: unknown): void {
    this.stats.write_errors++;
    this.stats.last_write_error = describeError(error);
    if (!this.failing) {
      this.failing = true;
      this.notify({ state: 'failing', file: this.file, error: this.stats.last_write_error });
    }
  }

  private recovered(): void {
    this.failing = false;
    this.notify({
      state: 'recovered',
      file: this.file,
      writeErrors: this.stats.write_errors,
      linesDropped: this.stats.lines_dropped,
    });
  }

  private notify(change: WriterHealthChange): void {
    try {
      this.onHealthChange?.(change);
    } catch {
      // a listener's failure is not the writer's
    }
  }
}

/**
 * Checks rotation limits without touching the file system: `LOOP_METRICS_OPTION_INVALID` naming the option
 * unless each is undefined (off) or a whole number >= 1.
 */
export function checkRotateOptions(options: {
  maxLines?: number;
  maxBytes?: number;
  keep?: number;
  maxTotalBytes?: number;
}): void {
  positiveOrOff('maxLines', options.maxLines);
  positiveOrOff('maxBytes', options.maxBytes);
  positiveOrOff('keep', options.keep);
  positiveOrOff('maxTotalBytes', options.maxTotalBytes);
}

function positiveOrOff(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new MetricsError(
      'LOOP_METRICS_OPTION_INVALID',
      `${name} must be a whole number >= 1, got ${value}`,
      {
        context: { option: name },
      },
    );
  }
  return value;
}

/** A line's bytes in a buffer. */
interface ByteRange {
  source: Buffer;
  start: number;
  end: number;
}

const EMPTY = Buffer.alloc(0);

function copyRange(range: ByteRange, out: Buffer, at: number): number {
  const length = range.end - range.start;
  if (at + length > out.length) return -1;
  range.source.copy(out, at, range.start, range.end);
  return at + length;
}

function rangeText(range: ByteRange): string {
  return range.source.toString('utf8', range.start, range.end);
}
