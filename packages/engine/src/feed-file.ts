// Reads a feed file's bytes safely: a regular file only (checked without ever blocking on a FIFO or a
// device), no larger than a fixed limit, and for line-based formats no line longer than a fixed limit.
import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { FeedFileError } from './errors.js';
import { escapeForMessage } from './message-text.js';

/** Largest feed file read, bytes (256 MiB: about four million one-minute candles, eight years). */
export const MAX_FEED_FILE_BYTES = 256 * 1024 * 1024;
/** Longest line of a line-based feed file (CSV), bytes; a candle row is under 200. */
export const MAX_FEED_LINE_BYTES = 64 * 1024;

const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** Limits of {@link readFeedFileBytes}; the defaults are {@link MAX_FEED_FILE_BYTES} and {@link MAX_FEED_LINE_BYTES}. */
export interface FeedFileLimits {
  maxFileBytes?: number;
  maxLineBytes?: number;
}

/**
 * The whole content of `path`, refused (a {@link FeedFileError}) if it is not a regular file, is larger than
 * `maxFileBytes`, or — when `lineBased(firstBytes)` says so — holds a line longer than `maxLineBytes`. A
 * FIFO, device, socket or directory is refused from `stat` alone; the open is non-blocking and checked
 * again on the handle, so a file swapped for a FIFO in between cannot block either.
 */
export async function readFeedFileBytes(
  path: string,
  lineBased: (firstBytes: Buffer) => boolean,
  limits: FeedFileLimits = {},
): Promise<Buffer> {
  const maxFileBytes = limits.maxFileBytes ?? MAX_FEED_FILE_BYTES;
  const maxLineBytes = limits.maxLineBytes ?? MAX_FEED_LINE_BYTES;
  let handle: FileHandle;
  try {
    checkKind(path, await stat(path), maxFileBytes);
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw asFeedError(path, error);
  }
  try {
    checkKind(path, await handle.stat(), maxFileBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    let checkLines: boolean | undefined;
    let line = 1;
    let lineBytes = 0; // bytes of the current line read so far
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      // The file grew while being read: still refused at the limit, with the memory bounded by it.
      if (total > maxFileBytes) throw tooLarge(path, `more than ${maxFileBytes}`, maxFileBytes);
      const data = chunk.subarray(0, bytesRead);
      checkLines ??= lineBased(data);
      if (checkLines) {
        let from = 0;
        for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, from)) {
          if (lineBytes + nl - from > maxLineBytes) break;
          line++;
          lineBytes = 0;
          from = nl + 1;
        }
        lineBytes += data.length - from;
        if (lineBytes > maxLineBytes) {
          throw new FeedFileError(
            path,
            line,
            `line is longer than ${maxLineBytes} bytes (the limit of a feed line); is this a candle file?`,
          );
        }
      }
      chunks.push(data);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (error) {
    throw asFeedError(path, error);
  } finally {
    await handle.close();
  }
}

function checkKind(path: string, info: import('node:fs').Stats, maxFileBytes: number): void {
  const kind = info.isDirectory()
    ? 'a directory'
    : info.isFIFO()
      ? 'a FIFO (named pipe)'
      : info.isCharacterDevice()
        ? 'a character device'
        : info.isBlockDevice()
          ? 'a block device'
          : info.isSocket()
            ? 'a socket'
            : info.isFile()
              ? undefined
              : 'not a regular file';
  if (kind !== undefined) {
    throw new FeedFileError(path, undefined, `is ${kind}; a feed must be a regular file`);
  }
  if (info.size > maxFileBytes) throw tooLarge(path, String(info.size), maxFileBytes);
}

function tooLarge(path: string, size: string, maxFileBytes: number): FeedFileError {
  return new FeedFileError(
    path,
    undefined,
    `is too large: ${size} bytes (a feed file may have at most ${maxFileBytes} bytes; split it)`,
  );
}

function asFeedError(path: string, error: unknown): FeedFileError {
  if (error instanceof FeedFileError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : escapeForMessage(error instanceof Error ? error.message : String(error), 200);
  return new FeedFileError(path, undefined, `cannot read the feed file: ${why}`, { cause: error });
}
