// Hostile feed files: never opened blocking, refused at once, memory bounded by the limits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeedFileError } from './errors.js';
import { MAX_FEED_FILE_BYTES, MAX_FEED_LINE_BYTES, readFeedFileBytes } from './feed-file.js';
import { loadReplayFeed } from './replay-feed.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loop-feed-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(path: string, limits = {}): Promise<FeedFileError> {
  const error = await loadReplayFeed(path, { limits }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FeedFileError);
  return error as FeedFileError;
}

describe('readFeedFileBytes: files that are not regular', () => {
  it('refuses a FIFO with no writer at once instead of blocking on it', async () => {
    const fifo = join(dir, 'candles.csv');
    execFileSync('mkfifo', [fifo]);
    const error = await refusal(fifo);
    expect(error.message).toBe(`${fifo}: is a FIFO (named pipe); a feed must be a regular file`);
    expect(error).toMatchObject({ code: 'LOOP_ENGINE_FEED_INVALID', file: fifo, badRow: false });
  });

  it('refuses a character device (/dev/zero) and a directory without reading them', async () => {
    expect((await refusal('/dev/zero')).message).toBe(
      '/dev/zero: is a character device; a feed must be a regular file',
    );
    expect((await refusal(dir)).message).toBe(`${dir}: is a directory; a feed must be a regular file`);
  });

  it('refuses a socket', async () => {
    const path = join(dir, 'feed.sock');
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect((await refusal(path)).message).toBe(`${path}: is a socket; a feed must be a regular file`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('names a missing file and a path through a file', async () => {
    expect((await refusal(join(dir, 'none.csv'))).message).toMatch(
      /cannot read the feed file: no such file$/,
    );
    writeFileSync(join(dir, 'f'), 'x');
    expect((await refusal(join(dir, 'f', 'x.csv'))).message).toMatch(
      /cannot read the feed file: a part of the path is not a directory$/,
    );
  });
});

describe('readFeedFileBytes: size limits', () => {
  it('documents limits that hold a year of one-minute candles', () => {
    expect(MAX_FEED_FILE_BYTES).toBe(256 * 1024 * 1024);
    expect(MAX_FEED_LINE_BYTES).toBe(64 * 1024);
  });

  it('refuses a file over the size limit from its size, before reading it', async () => {
    const path = join(dir, 'big.csv');
    writeFileSync(path, 'timestamp,open,high,low,close,volume\n'.repeat(10));
    const error = await refusal(path, { maxFileBytes: 100 });
    expect(error.message).toBe(
      `${path}: is too large: 370 bytes (a feed file may have at most 100 bytes; split it)`,
    );
  });

  it('refuses a CSV line over the limit, naming it, after reading no more than that line', async () => {
    const path = join(dir, 'long.csv');
    writeFileSync(path, `timestamp,open,high,low,close,volume\n0,1,1,1,1,1\n${'9'.repeat(5000)}\n`);
    const error = await refusal(path, { maxLineBytes: 1000 });
    expect(error.message).toBe(
      `${path}:3: line is longer than 1000 bytes (the limit of a feed line); is this a candle file?`,
    );
    // The line limit counts bytes across reads: a long line split over many chunks is still caught.
    writeFileSync(path, `timestamp\n${'1'.repeat(3 * 1024 * 1024)}`);
    expect((await refusal(path, { maxLineBytes: 2 * 1024 * 1024 })).line).toBe(2);
  });

  it('has no line limit for JSON, where one line may hold the whole file', async () => {
    const path = join(dir, 'one-line.json');
    const rows = Array.from({ length: 100 }, (_, i) => `[${i * 60_000},1,1,1,1,0]`);
    writeFileSync(path, `[${rows.join(',')}]`);
    const feed = await loadReplayFeed(path, { limits: { maxLineBytes: 100 } });
    expect(feed.source.candles).toHaveLength(100);
    const bytes = await readFeedFileBytes(path, () => false, { maxLineBytes: 10 });
    expect(bytes.length).toBeGreaterThan(100);
  });
});
