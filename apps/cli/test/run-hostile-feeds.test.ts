// Hostile feed files: each is refused at once with one line naming it, exit 2, no run dir, no stack.
import { execFileSync } from 'node:child_process';
import { readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loop, tempDir } from './harness.js';

/** Runs `loop run --feed <feed>` into a new run dir; checks the common shape of a refusal. */
async function refuse(feed: string, extra: string[] = []): Promise<string> {
  const dir = join(tempDir(), 'run');
  // Bounded: a feed that blocks (a FIFO opened for reading waits for a writer) fails the test, not CI.
  const r = await loop(['run', '--run-dir', dir, '--feed', feed, ...extra], { timeout: 30_000 });
  expect(r.timedOut, 'loop run hung on the feed').toBe(false);
  expect(r.exitCode, String(r.stderr)).toBe(2);
  expect(r.stdout).toBe('');
  const stderr = String(r.stderr);
  expect(stderr.split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/internal error|RangeError|\n\s+at /);
  expect(stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  return stderr;
}

describe('loop run: hostile feed files', () => {
  it('refuses a JSON feed nested 5,000 deep (10 KB)', async () => {
    const feed = join(tempDir(), 'deep.json');
    writeFileSync(feed, `${'['.repeat(5000)}${']'.repeat(5000)}`);
    expect(await refuse(feed)).toMatch(
      new RegExp(
        `^loop run: --feed: ${feed}:1: expected a row \\[timestamp, open, high, low, close, volume\\], got \\[\\[\\[`,
      ),
    );
  });

  it('refuses a FIFO with no writer, /dev/zero, a socket and a directory without opening them blocking', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'candles.csv');
    execFileSync('mkfifo', [fifo]);
    expect(await refuse(fifo)).toBe(
      `loop run: --feed: ${fifo}: is a FIFO (named pipe); a feed must be a regular file`,
    );
    expect(await refuse('/dev/zero')).toBe(
      'loop run: --feed: /dev/zero: is a character device; a feed must be a regular file',
    );
    expect(await refuse(dir)).toBe(`loop run: --feed: ${dir}: is a directory; a feed must be a regular file`);
    const socket = join(dir, 'feed.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(await refuse(socket)).toBe(
        `loop run: --feed: ${socket}: is a socket; a feed must be a regular file`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a feed over 256 MiB from its size, and a CSV line over 64 KiB, before reading the rest', async () => {
    const big = join(tempDir(), 'big.csv');
    writeFileSync(big, '');
    truncateSync(big, 256 * 1024 * 1024 + 1); // sparse: no disk used
    expect(await refuse(big)).toBe(
      `loop run: --feed: ${big}: is too large: 268435457 bytes (a feed file may have at most 268435456 bytes; split it)`,
    );
    const long = join(tempDir(), 'long.csv');
    writeFileSync(long, `timestamp,open,high,low,close,volume\n${'7'.repeat(8 * 1024 * 1024)}`);
    expect(await refuse(long)).toBe(
      `loop run: --feed: ${long}:2: line is longer than 65536 bytes (the limit of a feed line); is this a candle file?`,
    );
  });

  it('escapes the control bytes of a binary row, and says a number out of range as written', async () => {
    const dir = tempDir();
    const binary = join(dir, 'binary.csv');
    writeFileSync(
      binary,
      Buffer.concat([
        Buffer.from('timestamp,open,high,low,close,volume\n0,'),
        Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x00, 0x9b, 0xff, 0x0d]),
        Buffer.from(',1,1,1,1\n'),
      ]),
    );
    expect(await refuse(binary)).toBe(
      `loop run: --feed: ${binary}:2: open is not a number: "\\x1b[2J\\x07\\x00\ufffd\ufffd" (--feed-skip-bad-rows skips bad rows)`,
    );
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, '[[0,1e400,1,1,1,1]]');
    expect(await refuse(huge)).toBe(
      `loop run: --feed: ${huge}:1: open is out of range: 1e400 (--feed-skip-bad-rows skips bad rows)`,
    );
  });
});

describe('loop with no command', () => {
  it('prints the usage on stderr and exits 2', async () => {
    const r = await loop([]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: loop <command> \[flags\]/);
    const help = await loop(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: loop <command> \[flags\]/);
    expect(help.stderr).toBe('');
  });
});
