// Streams the complete lines of one NDJSON file from a byte offset, with a fixed-size buffer.
import { isUtf8 } from 'node:buffer';
import { type FileHandle, open } from 'node:fs/promises';

/** Lines longer than this are skipped (reported as one over-long line) so one bad line cannot exhaust memory. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

const CHUNK_BYTES = 256 * 1024;
/**
 * Most bytes decoded into one string. V8 allocates a string above ~128 KB in its large-object space, and on a
 * 1M-event history one such string per 256 KB chunk cost about 30 times the decoding itself (CPU time).
 */
const DECODE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** Where reading stopped, so a follower can continue from there when the file grows. */
export interface NdjsonReadResult {
  /** Byte offset just past the last newline read: the next read starts here. */
  endOffset: number;
  /** Number the next complete line will have (1-based). */
  nextLine: number;
  /** Bytes after the last newline (an unterminated, possibly torn line), or null if the file ends with `\n`. */
  trailing: { text: string; line: number } | null;
}

/** Callbacks of {@link readNdjsonLines}. */
export interface NdjsonLineSink {
  /** A complete line (without its `\n`) and its 1-based line number; blank lines too (they count as bad). */
  line(text: string, line: number): void;
  /** A line longer than {@link MAX_LINE_BYTES}, which was not decoded. */
  overlong(line: number): void;
  /** A line whose bytes are not UTF-8, which was not decoded (rather than read with U+FFFD). */
  notUtf8(line: number): void;
}

/**
 * Reads a file (a path, or a handle the caller keeps and closes) from byte `offset` to its current end and
 * reports each complete line. `\n` is searched for in bytes (it never occurs inside a UTF-8 sequence), so
 * offsets stay exact for resuming.
 */
export async function readNdjsonLines(
  file: string | FileHandle,
  sink: NdjsonLineSink,
  options: { offset?: number; firstLine?: number } = {},
): Promise<NdjsonReadResult> {
  let position = options.offset ?? 0;
  let lineNo = options.firstLine ?? 1;
  const handle = typeof file === 'string' ? await open(file, 'r') : file;
  try {
    let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let filled = 0; // bytes of a pending, unterminated line at the start of `buffer`
    let skipping = false; // inside an over-long line: discard until its newline
    let endOffset = position;
    for (;;) {
      if (filled === buffer.length) {
        if (buffer.length >= MAX_LINE_BYTES) {
          sink.overlong(lineNo);
          skipping = true;
          filled = 0;
        } else {
          const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, MAX_LINE_BYTES));
          buffer.copy(grown, 0, 0, filled);
          buffer = grown;
        }
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const end = filled + bytesRead;
      let start = 0;
      if (skipping) {
        const nl = buffer.indexOf(NEWLINE, 0);
        if (nl === -1 || nl >= end) {
          endOffset = position;
          continue;
        }
        skipping = false;
        lineNo += 1;
        start = nl + 1;
      }
      const lastNl = buffer.lastIndexOf(NEWLINE, end - 1);
      if (lastNl >= start) {
        if (isUtf8(buffer.subarray(start, lastNl + 1))) {
          // A few decodes per chunk, then string splitting: far cheaper than decoding line by line. Each decode
          // ends at a newline within DECODE_BYTES (unless one line is longer), see there.
          for (let from = start; from <= lastNl; ) {
            let to = lastNl;
            if (to - from >= DECODE_BYTES) {
              const cut = buffer.lastIndexOf(NEWLINE, from + DECODE_BYTES - 1);
              to = cut >= from ? cut : buffer.indexOf(NEWLINE, from + DECODE_BYTES);
            }
            const text = buffer.toString('utf8', from, to + 1);
            let at = 0;
            for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', at)) {
              sink.line(text.slice(at, nl), lineNo);
              lineNo += 1;
              at = nl + 1;
            }
            from = to + 1;
          }
        } else {
          // Some line is not UTF-8: find it, one line at a time (rare, so the slow way is fine).
          let from = start;
          for (let nl = buffer.indexOf(NEWLINE, from); nl !== -1 && nl <= lastNl; ) {
            const bytes = buffer.subarray(from, nl);
            if (isUtf8(bytes)) sink.line(bytes.toString('utf8'), lineNo);
            else sink.notUtf8(lineNo);
            lineNo += 1;
            from = nl + 1;
            nl = buffer.indexOf(NEWLINE, from);
          }
        }
        start = lastNl + 1;
      }
      endOffset = position - (end - start);
      filled = end - start;
      if (start > 0 && filled > 0) buffer.copy(buffer, 0, start, end);
    }
    const trailing =
      !skipping && filled > 0 && buffer.toString('utf8', 0, filled).trim().length > 0
        ? { text: buffer.toString('utf8', 0, filled), line: lineNo }
        : null;
    return { endOffset, nextLine: lineNo, trailing };
  } finally {
    if (typeof file === 'string') await handle.close();
  }
}
