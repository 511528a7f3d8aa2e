// Reads a run dir's metrics back: rotated files then the current one, streamed, every line validated.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, MetricsError } from './errors.js';
import { openMetricsFile, openOrUndefined, readFailed } from './metrics-file-open.js';
import { snapshotMetricsFiles } from './metrics-file-snapshot.js';
import { METRICS_FILE, ROTATED_FILE_PATTERN } from './rotating-ndjson-writer.js';
import { type StageEventLine, stageEventLineSchema } from './schema.js';
import type { SkippedMetricsFile } from './skipped-metrics-file.js';

/** One metrics file of a run dir. */
export interface MetricsFileInfo {
  /** File name, e.g. `metrics.ndjson.3`. */
  name: string;
  /** Absolute path. */
  path: string;
  /** Rotation number (`.1` is the oldest), or `null` for the current `metrics.ndjson`. */
  index: number | null;
  /** Size in bytes when listed. */
  size: number;
}

/** A valid event read back, with where it came from. */
export interface ReadEvent {
  event: StageEventLine;
  /** File name (not path), e.g. `metrics.ndjson.2`. */
  file: string;
  /** 1-based line number in the file; negative from {@link tailEvents}: -1 is the file's last line. */
  line: number;
}

/**
 * Why a line was skipped: `empty` for a blank line (nothing, or only spaces and tabs; a writer never
 * writes one), `invalid-utf8` for bytes that are not UTF-8 (never decoded with U+FFFD and accepted).
 */
export type SkipReason = 'torn' | 'invalid-json' | 'invalid-schema' | 'empty' | 'too-long' | 'invalid-utf8';

/** A skipped (torn or corrupt) line. */
export interface SkippedLine {
  file: string;
  line: number;
  reason: SkipReason;
  message: string;
}

/** What a read saw: counts, and the first skipped lines with file and line. */
export interface ReadStats {
  /** Files read, in order. */
  files: string[];
  /** Files listed but deleted before they could be opened (pruned by a live writer's keep limit). */
  vanished: string[];
  /**
   * Entries named like metrics files that are not regular files (a FIFO, socket, device or directory), oldest
   * first: skipped without being opened blocking or read; the files around them are read.
   */
  skippedFiles: SkippedMetricsFile[];
  /** Lines looked at (valid and skipped). */
  lines: number;
  /** Valid events yielded. */
  events: number;
  /** Lines skipped (torn, corrupt, invalid). */
  skippedCount: number;
  /** The first `maxSkippedListed` skipped lines. */
  skipped: SkippedLine[];
}

/** Options of {@link readEvents} and {@link tailEvents}. */
export interface ReadOptions {
  /** How many skipped lines to list in `stats.skipped` (all are counted); default 100. */
  maxSkippedListed?: number;
  /** Lines longer than this are skipped as `too-long` without being held in memory; default 1 MiB. */
  maxLineBytes?: number;
}

const CHUNK = 64 * 1024;
/** Rotated files opened up front by readEvents (the newest ones), besides the current file. */
const EAGER_OPEN_LIMIT = 256;

/** Lists `metrics.ndjson.N` files (oldest first) then `metrics.ndjson`, those that exist. */
export async function listMetricsFiles(runDir: string): Promise<MetricsFileInfo[]> {
  return (await listWithIds(runDir)).map(({ ino: _ino, dev: _dev, ...info }) => info);
}

/** {@link listMetricsFiles} plus each file's inode, to recognise a file renamed by rotation. */
async function listWithIds(runDir: string): Promise<Array<MetricsFileInfo & { ino: number; dev: number }>> {
  const dir = path.resolve(runDir);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MetricsError('LOOP_METRICS_READ_FAILED', `${dir}: ${describeError(error)}`, {
      cause: error,
      context: { dir },
    });
  }
  const rotated = names
    .map((name) => ({ name, match: ROTATED_FILE_PATTERN.exec(name) }))
    .filter((f) => f.match !== null)
    .map((f) => ({ name: f.name, index: Number(f.match![1]) }))
    .sort((a, b) => a.index - b.index);
  const entries: Array<{ name: string; index: number | null }> = [...rotated];
  if (names.includes(METRICS_FILE)) entries.push({ name: METRICS_FILE, index: null });
  const out: Array<MetricsFileInfo & { ino: number; dev: number }> = [];
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    try {
      const stat = await fs.promises.stat(file);
      out.push({ ...entry, path: file, size: stat.size, ino: stat.ino, dev: stat.dev });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw readFailed(file, error);
    }
  }
  return out;
}

const EMPTY_LINE = { ok: false, reason: 'empty', message: 'blank line' } as const;
const NOT_UTF8 = { ok: false, reason: 'invalid-utf8', message: 'not UTF-8 text' } as const;

/**
 * Decodes and parses one line's bytes: a line that is not valid UTF-8 is skipped as `invalid-utf8`
 * rather than decoded with replacement characters. `checked` says the caller already knows the bytes are UTF-8.
 */
function parseLineBytes(bytes: Buffer, checked: boolean): ReturnType<typeof parseStageEventLine> {
  if (!checked && !isUtf8(bytes)) return NOT_UTF8;
  return parseStageEventLine(bytes.toString('utf8'));
}

/**
 * Parses and validates one line; a string describing the problem if it is not a valid event. A blank
 * line (empty or only whitespace) is `empty`.
 */
export function parseStageEventLine(
  text: string,
): { ok: true; event: StageEventLine } | { ok: false; reason: SkipReason; message: string } {
  if (text.length === 0) return EMPTY_LINE;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // A line of spaces is as empty as a line of nothing: both are counted the same way.
    if (text.trim().length === 0) return EMPTY_LINE;
    return { ok: false, reason: 'invalid-json', message: describeError(error) };
  }
  const result = stageEventLineSchema.safeParse(json);
  if (result.success) return { ok: true, event: result.data };
  const issue = result.error.issues[0]!;
  return {
    ok: false,
    reason: 'invalid-schema',
    message: `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  };
}

/**
 * Streams the events of a run dir in chronological order (rotated `.1`, `.2`, ..., then `metrics.ndjson`)
 * with bounded memory. Torn and corrupt lines are skipped and counted in `stats`. The files are listed and
 * opened when iteration starts (up to 256 of them, plus the current one), so the read is a consistent
 * snapshot even while a live writer rotates and prunes: lines written after the start may be missing, but
 * nothing in between. Files beyond that bound that vanish before being reached are listed in `stats.vanished`;
 * entries named like metrics files that are not regular files (a FIFO, ...) in `stats.skippedFiles`.
 */
export function readEvents(runDir: string, options: ReadOptions = {}): MetricsEventStream {
  return new MetricsEventStream(runDir, options);
}

/** The async iterable returned by {@link readEvents}; `stats` is complete once iteration ends. */
export class MetricsEventStream implements AsyncIterable<ReadEvent> {
  /** Counts so far; final after the loop ends. */
  readonly stats: ReadStats = {
    files: [],
    vanished: [],
    skippedFiles: [],
    lines: 0,
    events: 0,
    skippedCount: 0,
    skipped: [],
  };
  private readonly maxListed: number;
  private readonly maxLineBytes: number;

  constructor(
    private readonly runDir: string,
    options: ReadOptions,
  ) {
    this.maxListed = options.maxSkippedListed ?? 100;
    this.maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReadEvent> {
    // A snapshot (see snapshotMetricsFiles): the current file opened first, the rotated ones newest first,
    // a rotated file with the current file's inode left out. Open handles survive renames and pruning.
    const snapshot = await snapshotMetricsFiles(this.runDir, { maxOpen: EAGER_OPEN_LIMIT });
    try {
      this.stats.vanished.push(...snapshot.vanished);
      this.stats.skippedFiles.push(...snapshot.skipped);
      for (const info of snapshot.files) {
        // Beyond the eager bound (more than 256 rotated files) a file is opened now and may have been pruned.
        const handle = await snapshot.open(info);
        if (handle === undefined) {
          this.stats.vanished.push(info.name);
          continue;
        }
        this.stats.files.push(info.name);
        try {
          yield* this.readFile(handle, info.name);
        } finally {
          await handle.close();
        }
      }
    } finally {
      await snapshot.close();
    }
  }

  private async *readFile(handle: fs.promises.FileHandle, name: string): AsyncGenerator<ReadEvent> {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let overlong = false;
    let lineNo = 0;
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(chunk, 0, CHUNK, null));
      } catch (error) {
        throw readFailed(path.join(this.runDir, name), error);
      }
      if (n === 0) break;
      let from = 0;
      // One UTF-8 check for the lines that start and end in this chunk (usually all valid), else one a line;
      // the first line (which may have begun in the previous chunk) is checked on its own.
      const firstNl = chunk.indexOf(0x0a, 0);
      const lastNl = chunk.lastIndexOf(0x0a, n - 1);
      const restValid = firstNl !== -1 && firstNl < n && isUtf8(chunk.subarray(firstNl + 1, lastNl));
      for (let nl = chunk.indexOf(0x0a, 0); nl !== -1 && nl < n; nl = chunk.indexOf(0x0a, from)) {
        lineNo++;
        if (overlong) {
          this.skip(name, lineNo, 'too-long', `line longer than ${this.maxLineBytes} bytes`);
          overlong = false;
        } else {
          const parsed =
            carryBytes === 0
              ? parseLineBytes(chunk.subarray(from, nl), from > 0 && restValid)
              : parseLineBytes(Buffer.concat([...carry, chunk.subarray(from, nl)]), false);
          const event = this.accept(name, lineNo, parsed);
          if (event) yield event;
        }
        carry = [];
        carryBytes = 0;
        from = nl + 1;
      }
      if (from < n && !overlong) {
        carryBytes += n - from;
        if (carryBytes > this.maxLineBytes) {
          overlong = true;
          carry = [];
          carryBytes = 0;
        } else {
          carry.push(Buffer.from(chunk.subarray(from, n)));
        }
      }
    }
    if (carryBytes > 0 || overlong) {
      this.stats.lines++;
      this.skip(
        name,
        lineNo + 1,
        'torn',
        'last line has no newline (cut short by a crash, or still being written)',
      );
    }
  }

  private accept(
    file: string,
    line: number,
    parsed: ReturnType<typeof parseStageEventLine>,
  ): ReadEvent | undefined {
    this.stats.lines++;
    if (parsed.ok) {
      this.stats.events++;
      return { event: parsed.event, file, line };
    }
    this.skip(file, line, parsed.reason, parsed.message);
    return undefined;
  }

  private skip(file: string, line: number, reason: SkipReason, message: string): void {
    this.stats.skippedCount++;
    if (this.stats.skipped.length < this.maxListed) this.stats.skipped.push({ file, line, reason, message });
  }
}

/** What {@link tailEvents} returns: up to `n` valid events, oldest first, and what was skipped on the way. */
export interface TailResult {
  events: ReadEvent[];
  skippedCount: number;
  skipped: SkippedLine[];
}

/**
 * The last `n` valid events of a run dir, oldest first, reading files backwards in 64 KiB chunks (the
 * current file, then rotated ones newest first) so only the tail is read. Line numbers are negative,
 * counted from the end of each file. Safe while a live writer rotates and prunes: the events are contiguous
 * (no gap, none twice); the current file is opened before the rotated files are listed, and the listing is
 * taken again if that file was rotated and pruned meanwhile.
 */
export async function tailEvents(runDir: string, n: number, options: ReadOptions = {}): Promise<TailResult> {
  const maxListed = options.maxSkippedListed ?? 100;
  const result: TailResult = { events: [], skippedCount: 0, skipped: [] };
  if (!(n > 0)) return result;
  const newestFirst: ReadEvent[] = [];
  const { current, sources } = await tailSources(runDir);
  for (const info of sources) {
    if (newestFirst.length >= n) break;
    let handle: fs.promises.FileHandle;
    if (info.index === null) handle = current!;
    else {
      const opening = await openMetricsFile(info.path);
      if (opening.kind === 'gone') break; // pruned: every older file is gone too
      if (opening.kind === 'not-regular') continue; // not a file the writer made: the older ones are read
      handle = opening.handle;
    }
    try {
      let position = (await handle.stat()).size;
      let pending = Buffer.alloc(0); // bytes before the earliest line handled so far
      let atFileEnd = true;
      let fromEnd = 0;
      const skip = (line: number, reason: SkipReason, message: string) => {
        result.skippedCount++;
        if (result.skipped.length < maxListed)
          result.skipped.push({ file: info.name, line, reason, message });
      };
      while (newestFirst.length < n) {
        if (position === 0 && pending.length === 0) break;
        let data = pending;
        if (position > 0) {
          const length = Math.min(CHUNK, position);
          position -= length;
          const chunk = Buffer.allocUnsafe(length);
          const { bytesRead } = await handle.read(chunk, 0, length, position);
          data = Buffer.concat([chunk.subarray(0, bytesRead), pending]);
        }
        let segEnd = data.length; // data[segEnd - 1] is a newline once the torn tail is handled
        if (atFileEnd && segEnd > 0) {
          if (data[segEnd - 1] !== 0x0a) {
            const lastNl = data.lastIndexOf(0x0a);
            if (lastNl === -1 && position > 0) {
              pending = data;
              continue;
            }
            fromEnd++;
            skip(-fromEnd, 'torn', 'last line has no newline (cut short by a crash, or still being written)');
            segEnd = lastNl + 1;
          }
          atFileEnd = false;
        }
        while (segEnd > 0 && newestFirst.length < n) {
          const before = segEnd >= 2 ? data.lastIndexOf(0x0a, segEnd - 2) : -1;
          if (before === -1 && position > 0) break; // the line starts in an earlier chunk
          fromEnd++;
          const parsed = parseLineBytes(data.subarray(before + 1, segEnd - 1), false);
          if (parsed.ok) newestFirst.push({ event: parsed.event, file: info.name, line: -fromEnd });
          else skip(-fromEnd, parsed.reason, parsed.message);
          segEnd = before + 1;
        }
        pending = Buffer.from(data.subarray(0, segEnd));
        if (position === 0 && segEnd === 0) break;
      }
    } finally {
      await handle.close();
    }
  }
  result.events = newestFirst.reverse();
  return result;
}

/** Attempts at listing the files to tail when the current file was rotated and pruned while they were listed. */
const TAIL_ATTEMPTS = 5;

/**
 * The files {@link tailEvents} reads, newest first: the current file (opened before listing, its handle
 * returned) then the rotated files older than it. A rotated file with the current file's inode is that same
 * file renamed by a live writer meanwhile, so it and anything newer are left out. If the current file is no
 * longer linked once the listing is done (renamed and pruned meanwhile, so it is in no listed entry and the
 * listed files may be newer than it), the whole listing is taken again; a writer that keeps outrunning it
 * that way leaves the current file alone, still gap-free (as {@link snapshotMetricsFiles} does for readEvents).
 */
async function tailSources(
  runDir: string,
): Promise<{ current: fs.promises.FileHandle | undefined; sources: MetricsFileInfo[] }> {
  const currentPath = path.join(path.resolve(runDir), METRICS_FILE);
  for (let attempt = 1; ; attempt++) {
    const current = await openOrUndefined(currentPath);
    let keep = false;
    try {
      const currentStat = current ? await current.stat() : undefined;
      let rotated = (await listWithIds(runDir)).filter((f) => f.index !== null);
      const renamed = rotated.findIndex(
        (f) => currentStat && f.ino === currentStat.ino && f.dev === currentStat.dev,
      );
      if (renamed >= 0) rotated = rotated.slice(0, renamed);
      else if (current && (await current.stat()).nlink === 0) {
        // Rotated and pruned before the listing saw its new name: the listed files may all be newer.
        if (attempt < TAIL_ATTEMPTS) continue;
        rotated = [];
      }
      const sources: MetricsFileInfo[] = rotated.reverse();
      if (current)
        sources.unshift({ name: METRICS_FILE, path: currentPath, index: null, size: currentStat!.size });
      keep = true;
      return { current, sources };
    } finally {
      if (!keep) await current?.close();
    }
  }
}
