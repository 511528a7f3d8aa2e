import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FeedFileError } from './errors.js';
import { loadReplayFeed, parseCandleFile } from './replay-feed.js';

const REAL_DATA = fileURLToPath(new URL('../../../examples/data/btc-usd-1m-2019-03-29.csv', import.meta.url));
const HEADER = 'timestamp,open,high,low,close,volume';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');

function feedError(run: () => unknown): FeedFileError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FeedFileError);
    return error as FeedFileError;
  }
  throw new Error('expected a FeedFileError');
}

describe('parseCandleFile: CSV', () => {
  it('reads epoch milliseconds and ISO-8601 times, CRLF and a trailing newline', () => {
    const file = parseCandleFile(
      `${HEADER}\r\n60000,10,11,9,10.5,3\r\n2024-01-01T00:02:00Z,10.5,10.5,10,10,0\r\n`,
      'a.csv',
    );
    expect(file.format).toBe('csv');
    expect(file.candles).toEqual([
      { timeMs: 60_000, open: 10, high: 11, low: 9, close: 10.5, volume: 3 },
      { timeMs: Date.parse('2024-01-01T00:02:00Z'), open: 10.5, high: 10.5, low: 10, close: 10, volume: 0 },
    ]);
  });

  it('names the file and line of each kind of bad row', () => {
    const cases: Array<[string, RegExp]> = [
      ['60000,10,9,9,10,1', /^t\.csv:3: high 9 is below max\(open, close\) 10$/],
      ['60000,10,11,10.5,10,1', /^t\.csv:3: low 10.5 is above min\(open, close\) 10$/],
      ['60000,0,11,0,10,1', /^t\.csv:3: open must be > 0, got 0$/],
      ['60000,10,11,9,10,-1', /^t\.csv:3: volume must be >= 0, got -1$/],
      ['0,10,11,9,10,1', /^t\.csv:3: timestamp 0 is not after the previous row's 0 \(line 2\)/],
      ['60000,10,11,9,ten,1', /^t\.csv:3: close is not a number: "ten"$/],
      ['60000,10,11,9,,1', /^t\.csv:3: close is not a number: ""$/],
      ['60000,10,11,9,10', /^t\.csv:3: expected 6 fields, got 5/],
      [
        'yesterday,10,11,9,10,1',
        /^t\.csv:3: timestamp "yesterday" is neither epoch milliseconds nor ISO-8601$/,
      ],
      ['2024-01-01T00:00:00,10,11,9,10,1', /^t\.csv:3: timestamp "2024-01-01T00:00:00" has no time zone/],
    ];
    for (const [row, message] of cases) {
      const error = feedError(() => parseCandleFile(csv('0,10,11,9,10,1', row), 't.csv'));
      expect(error.message).toMatch(message);
      expect(error).toMatchObject({ file: 't.csv', line: 3, badRow: true, code: 'LOOP_ENGINE_FEED_INVALID' });
    }
  });

  it('refuses a missing or wrong header, and a file without candles', () => {
    expect(feedError(() => parseCandleFile('1,2,3,4,5,6\n', 'h.csv')).message).toBe(
      'h.csv:1: expected a header naming timestamp, open, high, low, close, volume (any order; other columns are ignored), got "1,2,3,4,5,6"',
    );
    expect(feedError(() => parseCandleFile('time,open,high,low,close\n0,1,1,1,1\n', 'h.csv')).line).toBe(1);
    expect(feedError(() => parseCandleFile('', 'e.csv')).line).toBe(1);
    const empty = feedError(() => parseCandleFile(`${HEADER}\n\n`, 'e.csv'));
    expect(empty.message).toBe('e.csv: no candles');
    expect(empty.badRow).toBe(false);
  });

  it('skips and counts bad rows when asked, keeping the good ones', () => {
    const file = parseCandleFile(
      csv('0,10,11,9,10,1', '60000,10,9,9,10,1', '60000,10,11,9,10,1', 'x'),
      's.csv',
      {
        skipBadRows: true,
      },
    );
    expect(file.candles.map((c) => c.timeMs)).toEqual([0, 60_000]);
    expect(file.skippedRows).toBe(2);
    expect(file.skipped).toEqual([
      { line: 3, problem: 'high 9 is below max(open, close) 10' },
      { line: 5, problem: 'expected 6 fields, got 1: "x"' },
    ]);
    expect(feedError(() => parseCandleFile(csv('x'), 's.csv', { skipBadRows: true })).message).toBe(
      's.csv: no candles (1 bad row(s) skipped)',
    );
  });

  it('infers the interval and counts gaps and missing candles', () => {
    const minute = (m: number) => `${m * 60_000},10,11,9,10,1`;
    const file = parseCandleFile(
      csv(minute(0), minute(1), minute(2), minute(5), minute(6), minute(8)),
      'g.csv',
    );
    expect(file.intervalMs).toBe(60_000);
    expect(file.gaps).toBe(2);
    expect(file.missingIntervals).toBe(3);
  });
});

describe('parseCandleFile: timestamps', () => {
  const row = (ts: string) => `${ts},10,11,9,10,1`;

  it('refuses dates and times that do not exist instead of rolling them over', () => {
    const cases: Array<[string, string]> = [
      ['2024-02-30T00:00:00Z', 'is not a calendar date (2024-02 has 29 days)'],
      ['2023-02-29T00:00:00Z', 'is not a calendar date (2023-02 has 28 days)'],
      ['2024-04-31T12:00:00+02:00', 'is not a calendar date (2024-04 has 30 days)'],
      ['2024-13-01T00:00:00Z', 'is not a calendar date (month 13)'],
      ['2024-01-00', 'is not a calendar date (2024-01 has 31 days)'],
      ['2024-01-01T24:00:00Z', 'is not a time of day (00:00:00 to 23:59:59)'],
      ['2024-01-01T00:00:00+24:00', 'has an impossible time zone offset'],
    ];
    for (const [ts, problem] of cases) {
      const error = feedError(() => parseCandleFile(csv(row('1000'), row(ts)), 't.csv'));
      expect(error.message).toBe(`t.csv:3: timestamp "${ts}" ${problem}`);
      expect(error).toMatchObject({ line: 3, badRow: true, code: 'LOOP_ENGINE_FEED_INVALID' });
    }
    // The first row too: a run must not start on a rolled-over date.
    expect(feedError(() => parseCandleFile(csv(row('2024-02-30T00:00:00Z')), 'f.csv')).message).toMatch(
      /^f\.csv:2: timestamp "2024-02-30T00:00:00Z" is not a calendar date/,
    );
    const skipped = parseCandleFile(csv(row('2024-02-30T00:00:00Z'), row('2024-03-02T00:00:00Z')), 's.csv', {
      skipBadRows: true,
    });
    expect(skipped.skippedRows).toBe(1);
    expect(skipped.candles.map((c) => c.timeMs)).toEqual([Date.parse('2024-03-02T00:00:00Z')]);
  });

  it('accepts real leap days and month ends', () => {
    const file = parseCandleFile(
      csv(row('2000-02-29T00:00:00Z'), row('2024-02-29T23:59:59.999Z'), row('2024-12-31T23:59:59+00:00')),
      'ok.csv',
    );
    expect(file.candles.map((c) => c.timeMs)).toEqual([
      Date.parse('2000-02-29T00:00:00Z'),
      Date.parse('2024-02-29T23:59:59.999Z'),
      Date.parse('2024-12-31T23:59:59Z'),
    ]);
  });

  it('accepts times from 1970-01-01 (0) to 2255-06-05 (9007199254740 ms), and names the row of any other', () => {
    const ok = parseCandleFile(csv(row('0'), row('2255-06-05T23:47:34.739Z'), row('9007199254740')), 'r.csv');
    expect(ok.candles.map((c) => c.timeMs)).toEqual([0, 9_007_199_254_739, 9_007_199_254_740]);
    const range =
      'must be from 0 (1970-01-01T00:00:00Z) to 9007199254740 (2255-06-05T23:47:34.740Z) ms since the epoch';
    expect(feedError(() => parseCandleFile(csv(row('1969-12-31T00:00:00Z')), 'r.csv')).message).toBe(
      `r.csv:2: timestamp "1969-12-31T00:00:00Z" is out of range: ${range}`,
    );
    expect(feedError(() => parseCandleFile(csv(row('1970-01-01T00:00:00+01:00')), 'r.csv')).line).toBe(2);
    expect(feedError(() => parseCandleFile(csv(row('0'), row('9007199254741')), 'r.csv')).message).toBe(
      `r.csv:3: timestamp 9007199254741 is out of range: ${range}`,
    );
    expect(
      feedError(() => parseCandleFile(csv(row('0'), row('2255-06-05T23:47:34.741Z')), 'r.csv')).line,
    ).toBe(3);
    expect(feedError(() => parseCandleFile(csv(row('0'), row('8640000000000000')), 'r.csv')).line).toBe(3);
    expect(feedError(() => parseCandleFile(csv(row('0'), row('99999999999999999999')), 'r.csv')).line).toBe(
      3,
    );
    const json = (ts: string) => `[\n[0,1,1,1,1,0],\n[${ts},1,1,1,1,0]\n]`;
    expect(feedError(() => parseCandleFile(json('9e15'), 'r.json')).message).toBe(
      `r.json:3: timestamp 9000000000000000 is out of range: ${range}`,
    );
    expect(feedError(() => parseCandleFile(json('1e300'), 'r.json')).line).toBe(3);
    const negative = feedError(() => parseCandleFile('[\n[-5,1,1,1,1,0]\n]', 'n.json'));
    expect(negative.message).toBe(`n.json:2: timestamp -5 is out of range: ${range}`);
    expect(negative).toMatchObject({ line: 2, badRow: true });
    expect(feedError(() => parseCandleFile('[\n["1969-12-31T00:00:00Z",1,1,1,1,0]\n]', 'n.json')).line).toBe(
      2,
    );
    const skipped = parseCandleFile('[[-5,1,1,1,1,0],[60000,1,1,1,1,0],[9e15,1,1,1,1,0]]', 's.json', {
      skipBadRows: true,
    });
    expect(skipped.candles.map((c) => c.timeMs)).toEqual([60_000]);
    expect(skipped.skippedRows).toBe(2);
  });
});

describe('parseCandleFile: ccxt JSON', () => {
  it('reads [[ts, o, h, l, c, v], ...] and names the line of a bad row', () => {
    const text =
      '[\n  [0, 10, 11, 9, 10, 1],\n  [60000, 10, 11, 9, 10, 1],\n  [120000, 10, 9, 9, 10, 1]\n]\n';
    expect(feedError(() => parseCandleFile(text, 'c.json')).message).toBe(
      'c.json:4: high 9 is below max(open, close) 10',
    );
    const skipped = parseCandleFile(text, 'c.json', { skipBadRows: true });
    expect(skipped.candles).toHaveLength(2);
    expect(skipped.skipped).toEqual([{ line: 4, problem: 'high 9 is below max(open, close) 10' }]);
    const oneLine = parseCandleFile('[[0,1,1,1,1,0],["1970-01-01T00:01:00Z",1,1,1,1,0]]', 'x.txt');
    expect(oneLine.format).toBe('json');
    expect(oneLine.candles[1]!.timeMs).toBe(60_000);
  });

  it('names the row as well as the line when a line holds several rows (single-line ccxt JSON)', () => {
    const oneLine = '[[1,1,1,1,1,0],[2,1,1,1,1,0],[2,1,1,1,1,0]]';
    const error = feedError(() => parseCandleFile(oneLine, 'oneline.json'));
    expect(error.message).toBe(
      "oneline.json:1 (row 3): timestamp 2 is not after the previous row's 2 (row 2); timestamps must strictly increase",
    );
    expect(error).toMatchObject({ file: 'oneline.json', line: 1, row: 3, badRow: true });
    expect(feedError(() => parseCandleFile('[[1,1,1,1,1,0],[2,1,0.5,1,1,0]]', 'o.json')).message).toBe(
      'o.json:1 (row 2): high 0.5 is below max(open, close) 1',
    );
    const skipped = parseCandleFile('[[1,1,1,1,1,0],[2,1,0.5,1,1,0],"x",[3,1,1,1,1,0]]', 'o.json', {
      skipBadRows: true,
    });
    expect(skipped.candles.map((c) => c.timeMs)).toEqual([1, 3]);
    expect(skipped.skipped).toEqual([
      { line: 1, row: 2, problem: 'high 0.5 is below max(open, close) 1' },
      { line: 1, row: 3, problem: 'expected a row [timestamp, open, high, low, close, volume], got "x"' },
    ]);
    // Rows on lines of their own keep the line-only form; a row before a shared line is named by both.
    const mixed = '[\n[5,1,1,1,1,0],\n[6,1,1,1,1,0], [5,1,1,1,1,0]\n]';
    expect(feedError(() => parseCandleFile(mixed, 'm.json')).message).toBe(
      "m.json:3 (row 3): timestamp 5 is not after the previous row's 6 (row 2); timestamps must strictly increase",
    );
    const mixed2 = '[\n[6,1,1,1,1,0],\n[5,1,1,1,1,0], [7,1,1,1,1,0]\n]';
    expect(feedError(() => parseCandleFile(mixed2, 'm.json')).message).toBe(
      "m.json:3 (row 2): timestamp 5 is not after the previous row's 6 (line 2); timestamps must strictly increase",
    );
    const mixed3 = '[[1,1,1,1,1,0], [6,1,1,1,1,0],\n[5,1,1,1,1,0]\n]';
    expect(feedError(() => parseCandleFile(mixed3, 'm.json')).message).toBe(
      "m.json:2: timestamp 5 is not after the previous row's 6 (line 1, row 2); timestamps must strictly increase",
    );
  });

  it('rejects rows of the wrong shape and malformed JSON with a line', () => {
    expect(feedError(() => parseCandleFile('[\n[0,1,1,1,1,0],\n{"a":1}\n]', 'r.json')).message).toMatch(
      /^r\.json:3: expected a row \[timestamp, open, high, low, close, volume\]/,
    );
    expect(feedError(() => parseCandleFile('[\n[0,1,1,1,1,"1"]\n]', 'r.json')).message).toBe(
      'r.json:2: volume is not a number: "1"',
    );
    const malformed = feedError(() => parseCandleFile('[\n[0,1,1,1,1,0],\n[60000,1,1,1,1,0\n', 'm.json'));
    expect(malformed.badRow).toBe(false);
    expect(malformed.message).toMatch(/^m\.json:\d+: invalid JSON/);
    expect(feedError(() => parseCandleFile('{"rows": []}', 'o.json')).message).toBe(
      'o.json:1: expected a JSON array of [ts, o, h, l, c, v] rows',
    );
  });
});

describe('parseCandleFile: real-world CSVs', () => {
  it('reads quoted fields, columns in any order and extra columns (ignored and listed)', () => {
    const file = parseCandleFile(
      [
        '"date","open","high","low","close","volume","trades","quote_volume"',
        '"2021-12-31T23:01:00Z","4092.56","4093","4090.5","4091","1.5","12","6137.1"',
        '2021-12-31T23:02:00Z,4091, 4092 ,4090,"4091.5",2,3,"8183,0"',
      ].join('\r\n'),
      'q.csv',
    );
    expect(file.ignoredColumns).toEqual(['trades', 'quote_volume']);
    expect(file.candles).toEqual([
      {
        timeMs: Date.parse('2021-12-31T23:01:00Z'),
        open: 4092.56,
        high: 4093,
        low: 4090.5,
        close: 4091,
        volume: 1.5,
      },
      {
        timeMs: Date.parse('2021-12-31T23:02:00Z'),
        open: 4091,
        high: 4092,
        low: 4090,
        close: 4091.5,
        volume: 2,
      },
    ]);
    const reordered = parseCandleFile('Volume,Close,Low,High,Open,Open Time\n3,10,9,11,10,60000\n', 'r.csv');
    expect(reordered.candles[0]).toEqual({
      timeMs: 60_000,
      open: 10,
      high: 11,
      low: 9,
      close: 10,
      volume: 3,
    });
    expect(feedError(() => parseCandleFile(csv('0,"1,1,1,1,1'), 'u.csv')).message).toBe(
      'u.csv:2: a quoted field does not close: "0,"1,1,1,1,1"',
    );
  });

  it('refuses a naive timestamp naming the option that gives its zone, and reads it in that zone', () => {
    const naive = csv('2021-12-31 23:01:00.000000,1,1,1,1,1', '2021-12-31 23:02:00.000000,1,1,1,1,1');
    expect(feedError(() => parseCandleFile(naive, 'n.csv')).message).toBe(
      'n.csv:2: timestamp "2021-12-31 23:01:00.000000" has no time zone: add Z or +hh:mm, or give the file\'s zone with timeZone (UTC, +hh:mm or an IANA name)',
    );
    expect(
      feedError(() => parseCandleFile(naive, 'n.csv', { timeZoneOption: '--feed-timezone' })).message,
    ).toMatch(/give the file's zone with --feed-timezone/);
    const utc = Date.parse('2021-12-31T23:01:00Z');
    const at = (timeZone: string) =>
      parseCandleFile(naive, 'n.csv', { timeZone }).candles.map((c) => c.timeMs);
    expect(at('UTC')).toEqual([utc, utc + 60_000]);
    expect(at('+05:30')).toEqual([utc - 5.5 * 3_600_000, utc - 5.5 * 3_600_000 + 60_000]);
    expect(at('-03:00')[0]).toBe(utc + 3 * 3_600_000);
    expect(at('America/New_York')[0]).toBe(utc + 5 * 3_600_000); // EST in December
    expect(at('Europe/London')[0]).toBe(utc);
    // A time that has a zone keeps it; sub-millisecond digits are dropped.
    const mixed = parseCandleFile(
      csv('2024-07-01T12:00:00.1239Z,1,1,1,1,1', '2024-07-01 14:01:00.5,1,1,1,1,1'),
      'm.csv',
      {
        timeZone: 'Europe/Berlin',
      },
    );
    expect(mixed.candles.map((c) => c.timeMs)).toEqual([
      Date.parse('2024-07-01T12:00:00.123Z'),
      Date.parse('2024-07-01T12:01:00.500Z'), // CEST, +02:00
    ]);
  });

  it('reads wall times across daylight-saving changes; a skipped wall time is a bad row', () => {
    // Europe/Berlin 2024-03-31: 02:00 -> 03:00; 2024-10-27: 03:00 -> 02:00 (02:xx happens twice, first kept).
    const rows = (...ts: string[]) => csv(...ts.map((t) => `${t},1,1,1,1,1`));
    const spring = parseCandleFile(rows('2024-03-31 01:59', '2024-03-31 03:00'), 's.csv', {
      timeZone: 'Europe/Berlin',
    });
    expect(spring.candles.map((c) => new Date(c.timeMs).toISOString())).toEqual([
      '2024-03-31T00:59:00.000Z',
      '2024-03-31T01:00:00.000Z',
    ]);
    expect(
      feedError(() => parseCandleFile(rows('2024-03-31 02:30'), 'g.csv', { timeZone: 'Europe/Berlin' }))
        .message,
    ).toBe('g.csv:2: timestamp "2024-03-31 02:30" does not exist in Europe/Berlin (clocks moved forward)');
    const autumn = parseCandleFile(
      rows('2024-10-27 01:59', '2024-10-27 02:30', '2024-10-27 03:00'),
      'a.csv',
      {
        timeZone: 'Europe/Berlin',
      },
    );
    expect(autumn.candles.map((c) => new Date(c.timeMs).toISOString())).toEqual([
      '2024-10-26T23:59:00.000Z',
      '2024-10-27T00:30:00.000Z',
      '2024-10-27T02:00:00.000Z',
    ]);
  });

  it('refuses an unknown time zone naming the option', () => {
    for (const zone of ['Mars/Base', '+25:00', 'EST5EDT!']) {
      expect(() =>
        parseCandleFile(csv('0,1,1,1,1,1'), 'z.csv', { timeZone: zone, timeZoneOption: '--feed-timezone' }),
      ).toThrow(/^--feed-timezone: (unknown time zone|impossible offset)/);
    }
  });
});

describe('parseCandleFile: Binance klines', () => {
  const binance = (ms: string, last = '0') =>
    `${ms},4092.56,4093.00,4090.50,4091.00,1.50000000,${ms.slice(0, -3)}999,6137.10,12,0.75,3068.55,${last}`;

  it('detects the headerless 12-column shape, open times in ms or µs, and reads the test files', async () => {
    const ms = parseCandleFile(`${binance('1640991660000')}\n${binance('1640991720000')}\n`, 'k.csv');
    expect(ms.format).toBe('binance');
    expect(ms.candles.map((c) => c.timeMs)).toEqual([1_640_991_660_000, 1_640_991_720_000]);
    expect(ms.candles[0]).toMatchObject({ open: 4092.56, high: 4093, low: 4090.5, close: 4091, volume: 1.5 });
    const us = parseCandleFile(`${binance('1640991660000000')}\n`, 'k.csv');
    expect(us).toMatchObject({ format: 'binance', candles: [{ timeMs: 1_640_991_660_000 }] });
    for (const name of ['BTCUSDT-1m-2019-03-29.csv', 'BTCUSDT-1m-2019-03-29-us.csv']) {
      const feed = await loadReplayFeed(fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url)));
      expect(feed.source).toMatchObject({ format: 'binance', intervalMs: 60_000, skippedRows: 0 });
      expect(feed.source.candles).toHaveLength(60);
      expect(feed.startMs).toBe(1_553_817_600_000);
    }
  });

  it('names the line of a bad kline, and can be forced (or forced off) with format', () => {
    const bad = feedError(() =>
      parseCandleFile(`${binance('1640991660000')}\n${binance('16409917200')}\n`, 'k.csv', {
        format: 'binance',
      }),
    );
    expect(bad.message).toBe(
      'k.csv:2: open time "16409917200" is not epoch milliseconds (13 digits) or microseconds (16 digits)',
    );
    expect(
      feedError(() => parseCandleFile(`${binance('1640991660000')},x\n`, 'k.csv', { format: 'binance' }))
        .message,
    ).toMatch(/^k\.csv:1: expected 12 fields, got 13/);
    // Forced to csv, the first kline is read as a header, and refused as one.
    expect(
      feedError(() => parseCandleFile(`${binance('1640991660000')}\n`, 'k.csv', { format: 'csv' })).message,
    ).toMatch(/^k\.csv:1: expected a header naming timestamp/);
  });
});

describe('parseCandleFile: hostile content', () => {
  it('refuses a JSON feed nested 5,000 deep with one line, without overflowing the stack', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const error = feedError(() => parseCandleFile(deep, 'deep.json'));
    expect(error.message).toBe(
      `deep.json:1: expected a row [timestamp, open, high, low, close, volume], got ${'['.repeat(59)}…`,
    );
    let nested = '1';
    for (let i = 0; i < 20_000; i++) nested = `[${nested}]`;
    expect(feedError(() => parseCandleFile(`[[0,${nested},1,1,1,1]]`, 'n.json')).message).toMatch(
      /^n\.json:1: open is not a number: \[\[\[\[/,
    );
  });

  it('says a number too large for a double is out of range, as the file wrote it', () => {
    expect(feedError(() => parseCandleFile('[[0,1e400,1,1,1,1]]', 'big.json')).message).toBe(
      'big.json:1: open is out of range: 1e400',
    );
    expect(feedError(() => parseCandleFile('[\n[0, 1, 1, 1, 1, -2E+999 ]\n]', 'big.json')).message).toBe(
      'big.json:2: volume is out of range: -2E+999',
    );
    expect(feedError(() => parseCandleFile('[[1e400,1,1,1,1,1]]', 'big.json')).message).toMatch(
      /^big\.json:1: timestamp 1e400 is out of range: must be from 0/,
    );
    expect(feedError(() => parseCandleFile(csv('0,1,1e400,1,1,1'), 'big.csv')).message).toBe(
      'big.csv:2: high is out of range: 1e400',
    );
  });

  it('never copies control characters of a binary row into the message', () => {
    const binary = csv('0,1,1,1,1,1', '60000,\u001b[2J\u0007\r\u0000,1,1,1,1');
    const error = feedError(() => parseCandleFile(binary, 'bin\u001b.csv'));
    expect(error.message).toBe('bin\\x1b.csv:3: open is not a number: "\\x1b[2J\\x07\\x0d\\x00"');
    expect(error.file).toBe('bin\u001b.csv');
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const json = feedError(() => parseCandleFile('[[0,"\\u001b]0;title\\u0007",1,1,1,1]]', 'b.json'));
    expect(json.message).toBe('b.json:1: open is not a number: "\\u001b]0;title\\u0007"');
    const badJson = feedError(() => parseCandleFile('[[0,1,1,1,1,1]]\u001b[2J', 'j.json'));
    expect(badJson.message).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('loadReplayFeed', () => {
  it('replays the real BTC-USD day: 1382 candles, 52 gaps, 58 missing minutes', async () => {
    const feed = await loadReplayFeed(REAL_DATA);
    expect(feed.source).toMatchObject({
      format: 'csv',
      intervalMs: 60_000,
      gaps: 52,
      missingIntervals: 58,
      skippedRows: 0,
    });
    expect(feed.startMs).toBe(1_553_817_600_000);
    let n = 0;
    while (feed.next() !== undefined) n++;
    expect(n).toBe(1382);
    expect(feed.stats()).toEqual({ candles: 1382, gaps: 52, missingIntervals: 58, skippedRows: 0 });
    expect(feed.next()).toBeUndefined();
  });

  it('counts gaps as the loop reaches them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-feed-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'g.csv');
    writeFileSync(path, csv('0,1,1,1,1,0', '60000,1,1,1,1,0', '240000,1,1,1,1,0', '300000,1,1,1,1,0'));
    const feed = await loadReplayFeed(path);
    feed.next();
    feed.next();
    expect(feed.stats().gaps).toBe(0);
    feed.next();
    expect(feed.stats()).toMatchObject({ candles: 3, gaps: 1, missingIntervals: 2 });
  });

  it('names a missing file', async () => {
    await expect(loadReplayFeed('/no/such/file.csv')).rejects.toThrow(
      '/no/such/file.csv: cannot read the feed file: no such file',
    );
  });
});
