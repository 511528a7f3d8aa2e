// Real-world feed files: naive timestamps with --feed-timezone, quoted fields and extra columns, Binance
// kline CSVs detected by shape, --feed-format to force a format.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loop, readRunDir, readRunJson, tempDir } from './harness.js';

const BINANCE_MS = 'packages/engine/test/fixtures/BTCUSDT-1m-2019-03-29.csv';
const BINANCE_US = 'packages/engine/test/fixtures/BTCUSDT-1m-2019-03-29-us.csv';

/** A pandas-style CSV: naive times, quoted numbers, extra columns. */
function vendorCsv(): string {
  const rows = ['"datetime","open","high","low","close","volume","trades","quote_volume"'];
  for (let m = 0; m < 30; m++) {
    const price = 4092.56 + Math.sin(m / 3) * 5;
    const time = `2021-12-31 23:${String(m).padStart(2, '0')}:00.000000`;
    rows.push(
      `${time},"${price.toFixed(2)}","${(price + 1).toFixed(2)}","${(price - 1).toFixed(2)}","${price.toFixed(2)}","1.5",${m},"${(price * 1.5).toFixed(2)}"`,
    );
  }
  const file = join(tempDir(), 'eth-usd-1m.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

describe('loop run --feed: real-world CSVs', () => {
  it('refuses naive timestamps naming --feed-timezone, then reads them in the zone it gives', async () => {
    const feed = vendorCsv();
    const refused = join(tempDir(), 'refused');
    const r = await loop(['run', '--run-dir', refused, '--feed', feed]);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(r.stderr).toBe(
      `loop run: --feed: ${feed}:2: timestamp "2021-12-31 23:00:00.000000" has no time zone: add Z or +hh:mm, or give the file's zone with --feed-timezone (UTC, +hh:mm or an IANA name)`,
    );
    expect(existsSync(refused)).toBe(false);

    for (const [zone, start] of [
      ['UTC', '2021-12-31T23:00:00.000Z'],
      ['America/New_York', '2022-01-01T04:00:00.000Z'],
      ['+05:30', '2021-12-31T17:30:00.000Z'],
    ] as const) {
      const dir = join(tempDir(), 'run');
      const ok = await loop(['run', '--run-dir', dir, '--feed', feed, '--feed-timezone', zone]);
      expect(ok.exitCode, String(ok.stderr)).toBe(0);
      const run = readRunJson(dir);
      expect(run.started_at).toBe(start);
      expect(run.feed).toMatchObject({ format: 'csv', candles_in_file: 30, skipped_rows: 0 });
      expect(run.settings['feed-timezone']).toBe(zone);
    }
  });

  it('refuses a bad --feed-timezone or --feed-format, and either without a feed file', async () => {
    const feed = vendorCsv();
    const cases: Array<[string[], string]> = [
      [
        ['--feed', feed, '--feed-timezone', 'Mars/Base'],
        'loop run: --feed-timezone: unknown time zone "Mars/Base" (give UTC, +hh:mm, -hh:mm or an IANA name such as Europe/London)',
      ],
      [
        ['--feed', feed, '--feed-timezone', '+24:00'],
        'loop run: --feed-timezone: impossible offset "+24:00"',
      ],
      [
        ['--feed', feed, '--feed-format', 'xlsx'],
        'loop run: --feed-format: expected one of auto, csv, binance, json, got "xlsx"',
      ],
      [
        ['--feed-timezone', 'UTC', '--max-steps', '5'],
        'loop run: --feed-timezone needs --feed <file> (the synthetic feed is not read from a file)',
      ],
      [
        ['--feed-format', 'csv', '--max-steps', '5'],
        'loop run: --feed-format needs --feed <file> (the synthetic feed is not read from a file)',
      ],
    ];
    for (const [args, message] of cases) {
      const dir = join(tempDir(), 'run');
      const r = await loop(['run', '--run-dir', dir, ...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(message);
      expect(existsSync(dir)).toBe(false);
    }
  });

  it('replays Binance kline CSVs (ms and µs open times) detected by shape, byte-identically run to run', async () => {
    const dirs: string[] = [];
    for (const feed of [BINANCE_MS, BINANCE_US, BINANCE_MS]) {
      const dir = join(tempDir(), 'run');
      const r = await loop(['run', '--run-dir', dir, '--feed', feed, '--enable-metrics']);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(readRunJson(dir).feed).toMatchObject({
        format: 'binance',
        candles_in_file: 60,
        first_candle_at: '2019-03-29T00:00:00.000Z',
        skipped_rows: 0,
      });
      dirs.push(dir);
    }
    expect(readRunDir(dirs[2]!)).toEqual(readRunDir(dirs[0]!)); // deterministic
    // Forced to another format, the same file is refused as that format, naming the line.
    const forced = await loop([
      'run',
      '--run-dir',
      join(tempDir(), 'run'),
      '--feed',
      BINANCE_MS,
      '--feed-format',
      'csv',
    ]);
    expect(forced.exitCode).toBe(2);
    expect(forced.stderr).toMatch(
      new RegExp(
        `^loop run: --feed: ${BINANCE_MS}:1: expected a header naming timestamp, open, high, low, close, volume`,
      ),
    );
    const json = await loop([
      'run',
      '--run-dir',
      join(tempDir(), 'run'),
      '--feed',
      BINANCE_MS,
      '--feed-format',
      'json',
    ]);
    expect(json.exitCode).toBe(2);
    expect(json.stderr).toMatch(/^loop run: --feed: .*BTCUSDT-1m-2019-03-29\.csv:1: invalid JSON/);
  });
});
