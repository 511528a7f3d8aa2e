// Historical replay: OHLCV candles from a CSV (with a header), a Binance kline CSV or a ccxt-style JSON
// file, every row validated, bad rows named by file and line (or skipped and counted), gaps counted as the
// loop reaches them.
import { extname } from 'node:path';
import { SIMULATED_CLOCK_MAX_MS } from './clock.js';
import { splitCsvLine, UnbalancedQuotes } from './csv-fields.js';
import { FeedFileError } from './errors.js';
import { type Candle, type Feed, type FeedStats, GapCounter, inferIntervalMs } from './feed.js';
import { type FeedFileLimits, readFeedFileBytes } from './feed-file.js';
import { type FeedTimeZone, parseFeedTimeZone } from './feed-time-zone.js';
import { describeJsonValue, escapeForMessage } from './message-text.js';

/**
 * `csv`: a header naming `timestamp` (or `time`, `date`, `datetime`, `open_time`), `open`, `high`, `low`,
 * `close`, `volume` in any order, other columns ignored; `binance`: Binance's kline CSV (no header, 12
 * columns, open time in epoch ms or µs); `json`: ccxt-style `[[ts,o,h,l,c,v], ...]`.
 */
export type CandleFileFormat = 'csv' | 'binance' | 'json';

/** Options of {@link parseCandleFile} and {@link loadReplayFeed}. */
export interface CandleFileOptions {
  /** Skip bad rows and count them instead of failing on the first one. Default false. */
  skipBadRows?: boolean;
  /**
   * The format; by default detected: `.json` (or, but for `.csv`, a first character `[`) is JSON, else a first
   * line of 12 fields starting with a 13- or 16-digit time is Binance's kline CSV, else a CSV with a header.
   */
  format?: CandleFileFormat;
  /**
   * Time zone of timestamps written without one (`2021-12-31 23:01:00.000000`): `UTC`, `±hh:mm` or an IANA
   * name (`Europe/London`). Without it such a timestamp is a bad row. Times with a zone keep theirs.
   */
  timeZone?: string;
  /** How messages name the `timeZone` setting (the CLI says `--feed-timezone`); default `timeZone`. */
  timeZoneOption?: string;
  /** Size limits of {@link loadReplayFeed}; by default `MAX_FEED_FILE_BYTES` and `MAX_FEED_LINE_BYTES`. */
  limits?: FeedFileLimits;
}

/** A row that was skipped, with why. */
export interface SkippedRow {
  /** Line of the row in the file (1-based; a CSV header is line 1). */
  line: number;
  /**
   * Position of the row in a JSON file's top-level array (1-based), set only when its line holds more
   * than one row (a single-line ccxt dump), where the line alone does not say which row it was.
   */
  row?: number;
  /** What is wrong with it, e.g. `high 9 is below max(open, close) 10`. */
  problem: string;
}

/** A parsed, validated candle file. */
export interface CandleFile {
  /** The file's name as given (used in messages). */
  file: string;
  /** The format the file was read as. */
  format: CandleFileFormat;
  /** The valid candles, in file order (timestamps strictly increase). */
  candles: Candle[];
  /** The most common step between candles, ms (60000 for one-minute candles). */
  intervalMs: number;
  /** Gaps in the whole file (the feed also counts those it reaches). */
  gaps: number;
  /** Candles missing in those gaps. */
  missingIntervals: number;
  /** CSV columns that were read past (`trades`, `quote_volume`, ...), as the header names them. */
  ignoredColumns: string[];
  /** Bad rows skipped (with `skipBadRows`); all are counted. */
  skippedRows: number;
  /** The first {@link MAX_SKIPPED_ROWS_KEPT} skipped rows. */
  skipped: SkippedRow[];
}

/** How many skipped rows a {@link CandleFile} lists (all are counted). */
export const MAX_SKIPPED_ROWS_KEPT = 20;

// A timestamp must be a time a simulated clock can run at: whole ms from 0 (1970-01-01T00:00:00.000Z)
// to 9007199254740 (2255-06-05T23:47:34.740Z), where its microseconds stop being safe integers. Earlier
// times cannot start the clock; later ones (up to 8.64e15, a Date's limit) would start it at a wrong
// time or, near a Date's limit, run it past what a Date can show and crash whatever formats it.
const MIN_TIME_MS = 0;
const MAX_TIME_MS = Math.floor(SIMULATED_CLOCK_MAX_MS);
const TIME_RANGE = `from ${MIN_TIME_MS} (1970-01-01T00:00:00Z) to ${MAX_TIME_MS} (2255-06-05T23:47:34.740Z) ms since the epoch`;

const CSV_COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
/** Header names read as each column (lower case, spaces and dashes as `_`). */
const CSV_NAMES: Record<string, CsvColumn> = {
  timestamp: 'timestamp',
  time: 'timestamp',
  date: 'timestamp',
  datetime: 'timestamp',
  date_time: 'timestamp',
  open_time: 'timestamp',
  opentime: 'timestamp',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume',
  vol: 'volume',
};
const BINANCE_COLUMNS = 12;
const BINANCE_TIME = /^(\d{13}|\d{16})$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const EPOCH_MS = /^\d+$/;
// Groups: year, month, day, hour, minute, second, fraction, zone, zone hours, zone minutes.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/;
const ISO_DATE_TIME_NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/**
 * Reads and validates a candle file, then serves it as a {@link ReplayFeed}. Throws {@link FeedFileError},
 * also for a path that is not a regular file (never opened blocking), a file over `MAX_FEED_FILE_BYTES`,
 * or a CSV line over `MAX_FEED_LINE_BYTES` (both refused before the rest is read).
 */
export async function loadReplayFeed(path: string, options: CandleFileOptions = {}): Promise<ReplayFeed> {
  const bytes = await readFeedFileBytes(
    path,
    (first) => (options.format ?? detectFormat(path, first.toString('utf8', 0, 4096))) !== 'json',
    options.limits,
  );
  return new ReplayFeed(parseCandleFile(bytes.toString('utf8'), path, options));
}

/** Parses and validates the text of a candle file named `file`. Throws {@link FeedFileError}. */
export function parseCandleFile(text: string, file: string, options: CandleFileOptions = {}): CandleFile {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const format = options.format ?? detectFormat(file, text);
  const rows = new RowValidator(file, options.skipBadRows ?? false);
  const option = options.timeZoneOption ?? 'timeZone';
  const times: TimeReading = {
    zone: options.timeZone === undefined ? undefined : parseFeedTimeZone(options.timeZone, option),
    option,
  };
  let ignoredColumns: string[] = [];
  if (format === 'csv') ignoredColumns = readCsv(text, file, rows, times);
  else if (format === 'binance') readBinance(text, file, rows);
  else readJson(text, file, rows, times);
  if (rows.candles.length === 0) {
    const skipped = rows.skippedRows > 0 ? ` (${rows.skippedRows} bad row(s) skipped)` : '';
    throw new FeedFileError(file, undefined, `no candles${skipped}`);
  }
  const candleTimes = rows.candles.map((c) => c.timeMs);
  const intervalMs = inferIntervalMs(candleTimes, 60_000);
  const gaps = new GapCounter(intervalMs);
  for (const t of candleTimes) gaps.see(t);
  return {
    file,
    format,
    candles: rows.candles,
    intervalMs,
    gaps: gaps.gaps,
    missingIntervals: gaps.missingIntervals,
    ignoredColumns,
    skippedRows: rows.skippedRows,
    skipped: rows.skipped,
  };
}

/** A feed that replays a validated {@link CandleFile} once, in order. */
export class ReplayFeed implements Feed {
  /** Always `replay`. */
  readonly kind = 'replay' as const;
  /** The file's most common step between candles, ms. */
  readonly intervalMs: number;
  /** Time of the file's first candle, ms since the epoch. */
  readonly startMs: number;
  /** The parsed file being replayed. */
  readonly source: CandleFile;
  readonly #gaps: GapCounter;
  #index = 0;

  /** @param source a file from {@link parseCandleFile}; it must hold at least one candle. */
  constructor(source: CandleFile) {
    this.source = source;
    this.intervalMs = source.intervalMs;
    this.startMs = source.candles[0]!.timeMs;
    this.#gaps = new GapCounter(source.intervalMs);
  }

  /** The next candle of the file, or `undefined` after the last one. */
  next(): Candle | undefined {
    const candle = this.source.candles[this.#index];
    if (candle === undefined) return undefined;
    this.#index++;
    this.#gaps.see(candle.timeMs);
    return candle;
  }

  /** Candles replayed so far, the gaps among them and the file's skipped rows. */
  stats(): FeedStats {
    return {
      candles: this.#index,
      gaps: this.#gaps.gaps,
      missingIntervals: this.#gaps.missingIntervals,
      skippedRows: this.source.skippedRows,
    };
  }
}

function detectFormat(file: string, text: string): CandleFileFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (ext !== '.csv' && start.startsWith('[')) return 'json';
  // Binance's klines have no header: 12 fields, the first an open time in epoch ms (13 digits) or µs (16).
  const firstLine = start.slice(0, start.search(/\r?\n|$/));
  const fields = firstLine.split(',');
  return fields.length === BINANCE_COLUMNS && BINANCE_TIME.test(fields[0]!.trim()) ? 'binance' : 'csv';
}

/** How timestamps without a zone are read: in `zone`, or refused naming `option`. */
interface TimeReading {
  zone: FeedTimeZone | undefined;
  option: string;
}

/** A bad row: thrown inside a row's validation, caught by {@link RowValidator}. */
class BadRow extends Error {}

class RowValidator {
  readonly candles: Candle[] = [];
  readonly skipped: SkippedRow[] = [];
  skippedRows = 0;
  #lastTime: number | undefined;
  #lastLine = 0;
  #lastRow: number | undefined;

  constructor(
    readonly file: string,
    readonly skipBadRows: boolean,
  ) {}

  /**
   * Validates one row and keeps it, or skips it (skip mode), or throws a {@link FeedFileError}. `row` is
   * given only when `line` holds more than one row (single-line JSON), to tell them apart.
   */
  add(line: number, read: () => Candle, row?: number): void {
    try {
      const candle = read();
      this.#check(candle, line);
      this.candles.push(candle);
      this.#lastTime = candle.timeMs;
      this.#lastLine = line;
      this.#lastRow = row;
    } catch (error) {
      if (!(error instanceof BadRow)) throw error;
      this.bad(line, error.message, row);
    }
  }

  bad(line: number, problem: string, row?: number): void {
    if (!this.skipBadRows) {
      throw new FeedFileError(
        this.file,
        line,
        problem,
        row === undefined ? { badRow: true } : { badRow: true, row },
      );
    }
    this.skippedRows++;
    if (this.skipped.length < MAX_SKIPPED_ROWS_KEPT) {
      this.skipped.push(row === undefined ? { line, problem } : { line, row, problem });
    }
  }

  #check(c: Candle, line: number): void {
    if (this.#lastTime !== undefined && !(c.timeMs > this.#lastTime)) {
      const last = this.#lastLine;
      const previous =
        this.#lastRow === undefined
          ? `line ${last}`
          : last === line
            ? `row ${this.#lastRow}`
            : `line ${last}, row ${this.#lastRow}`;
      throw new BadRow(
        `timestamp ${c.timeMs} is not after the previous row's ${this.#lastTime} (${previous}); timestamps must strictly increase`,
      );
    }
    for (const key of ['open', 'high', 'low', 'close'] as const) {
      if (!(c[key] > 0)) throw new BadRow(`${key} must be > 0, got ${c[key]}`);
    }
    if (!(c.volume >= 0)) throw new BadRow(`volume must be >= 0, got ${c.volume}`);
    if (!(c.high >= Math.max(c.open, c.close))) {
      throw new BadRow(`high ${c.high} is below max(open, close) ${Math.max(c.open, c.close)}`);
    }
    if (!(c.low <= Math.min(c.open, c.close))) {
      throw new BadRow(`low ${c.low} is above min(open, close) ${Math.min(c.open, c.close)}`);
    }
  }
}

/** Reads a CSV with a header; returns the header's ignored columns. */
function readCsv(text: string, file: string, rows: RowValidator, times: TimeReading): string[] {
  const lines = text.split('\n');
  const headerLine = (lines[0] ?? '').replace(/\r$/, '');
  let header: string[];
  try {
    header = splitCsvLine(headerLine).map((f) =>
      f
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_'),
    );
  } catch {
    header = [];
  }
  const index = new Map<CsvColumn, number>();
  const ignored: string[] = [];
  header.forEach((name, i) => {
    const column = CSV_NAMES[name];
    if (column === undefined || index.has(column)) ignored.push(name);
    else index.set(column, i);
  });
  if (CSV_COLUMNS.some((c) => !index.has(c))) {
    throw new FeedFileError(
      file,
      1,
      `expected a header naming ${CSV_COLUMNS.join(', ')} (any order; other columns are ignored), got "${truncate(headerLine.trim())}"`,
    );
  }
  const [t, o, h, l, c, v] = CSV_COLUMNS.map((column) => index.get(column)!);
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    rows.add(i + 1, () => {
      const fields = csvFields(raw, header.length);
      return {
        timeMs: parseTimestamp(fields[t!]!.trim(), times),
        open: parseNumber('open', fields[o!]!.trim()),
        high: parseNumber('high', fields[h!]!.trim()),
        low: parseNumber('low', fields[l!]!.trim()),
        close: parseNumber('close', fields[c!]!.trim()),
        volume: parseNumber('volume', fields[v!]!.trim()),
      };
    });
  }
  return ignored;
}

/** The fields of a data line, which must have `expected` of them. */
function csvFields(raw: string, expected: number): string[] {
  let fields: string[];
  try {
    fields = splitCsvLine(raw);
  } catch (error) {
    if (!(error instanceof UnbalancedQuotes)) throw error;
    throw new BadRow(`${error.message}: "${truncate(raw)}"`);
  }
  if (fields.length !== expected) {
    throw new BadRow(`expected ${expected} fields, got ${fields.length}: "${truncate(raw)}"`);
  }
  return fields;
}

/**
 * Reads Binance's kline CSV: no header; open time, open, high, low, close, volume, close time, quote volume,
 * trades, taker buy base, taker buy quote, ignore. The open time is epoch ms, or µs in newer files.
 */
function readBinance(text: string, _file: string, rows: RowValidator): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    rows.add(i + 1, () => {
      const [time, open, high, low, close, volume] = csvFields(raw, BINANCE_COLUMNS).map((f) => f.trim());
      if (!BINANCE_TIME.test(time!)) {
        throw new BadRow(
          `open time "${truncate(time!)}" is not epoch milliseconds (13 digits) or microseconds (16 digits)`,
        );
      }
      // Newer files give microseconds; a candle opens on a whole millisecond.
      const ms = time!.length === 16 ? Math.floor(Number(time) / 1000) : Number(time);
      return {
        timeMs: inTimeRange(ms, time),
        open: parseNumber('open', open!),
        high: parseNumber('high', high!),
        low: parseNumber('low', low!),
        close: parseNumber('close', close!),
        volume: parseNumber('volume', volume!),
      };
    });
  }
}

function readJson(text: string, file: string, rows: RowValidator, times: TimeReading): void {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const line = jsonErrorLine(text, error);
    const message = escapeForMessage((error as Error).message, 200);
    throw new FeedFileError(file, line, `invalid JSON: ${message}`, { cause: error });
  }
  if (!Array.isArray(data))
    throw new FeedFileError(file, 1, 'expected a JSON array of [ts, o, h, l, c, v] rows');
  const { lines, starts } = rowPositions(text);
  const rowsOnLine = new Map<number, number>();
  for (const line of lines) rowsOnLine.set(line, (rowsOnLine.get(line) ?? 0) + 1);
  data.forEach((row: unknown, i) => {
    const line = lines[i];
    // Where a line holds several rows (the usual single-line ccxt dump) the row number says which one.
    const shared = line === undefined || (rowsOnLine.get(line) ?? 0) > 1;
    rows.add(
      line ?? 1,
      () => {
        if (!Array.isArray(row) || row.length !== 6) {
          throw new BadRow(
            `expected a row [timestamp, open, high, low, close, volume], got ${describeJsonValue(row)}`,
          );
        }
        const [ts, open, high, low, close, volume] = row as unknown[];
        // JSON.parse reads 1e400 as Infinity; the message shows the number as the file wrote it.
        const raw = (k: number) => rowElementText(text, starts[i], k);
        return {
          timeMs: typeof ts === 'string' ? parseTimestamp(ts, times) : jsonTimestamp(ts, raw),
          open: jsonNumber('open', open, raw(1)),
          high: jsonNumber('high', high, raw(2)),
          low: jsonNumber('low', low, raw(3)),
          close: jsonNumber('close', close, raw(4)),
          volume: jsonNumber('volume', volume, raw(5)),
        };
      },
      shared ? i + 1 : undefined,
    );
  });
}

/**
 * Line (1-based) and offset of each element of a JSON document's top-level array, found by a scan that
 * skips strings.
 */
function rowPositions(text: string): { lines: number[]; starts: number[] } {
  const lines: number[] = [];
  const starts: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) line++;
    if (inString) {
      if (ch === 92)
        i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 32 || ch === 9 || ch === 10 || ch === 13) continue;
    if (depth === 1 && expectValue && ch !== 93) {
      lines.push(line);
      starts.push(i);
      expectValue = false;
    }
    if (ch === 34) inString = true;
    else if (ch === 91 || ch === 123) {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (ch === 93 || ch === 125) depth--;
    else if (ch === 44 && depth === 1) expectValue = true;
  }
  return { lines, starts };
}

/**
 * The source text of item `k` of the JSON array starting at `text[start]`, if it is one (only called on a
 * bad row, to show a number as written); undefined if there is no such item.
 */
function rowElementText(text: string, start: number | undefined, k: number): string | undefined {
  if (start === undefined || text.charCodeAt(start) !== 91) return undefined;
  let depth = 0;
  let item = 0;
  let from = start + 1;
  for (let i = start; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      continue;
    }
    if (ch === 91 || ch === 123) depth++;
    else if (ch === 93 || ch === 125) depth--;
    if ((ch === 44 && depth === 1) || depth === 0) {
      if (item === k) return text.slice(from, i).trim();
      if (depth === 0) return undefined;
      item++;
      from = i + 1;
    }
  }
  return undefined;
}

function jsonErrorLine(text: string, error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : '';
  const lineCol = /line (\d+) column \d+/.exec(message);
  if (lineCol) return Number(lineCol[1]);
  const position = /position (\d+)/.exec(message);
  if (position) return text.slice(0, Number(position[1])).split('\n').length;
  return undefined;
}

/**
 * A CSV field or JSON string: epoch ms (digits) or ISO-8601, a real calendar time, in range. A date and time
 * without a zone is read in `times.zone`, or refused naming the option that gives it; a date alone is UTC
 * unless a zone is given.
 */
function parseTimestamp(raw: string, times: TimeReading): number {
  if (EPOCH_MS.test(raw)) return inTimeRange(Number(raw), raw);
  const parts = ISO_8601.exec(raw);
  const naive =
    parts === null
      ? ISO_DATE_TIME_NO_ZONE.test(raw)
      : parts[8] === undefined && (parts[4] !== undefined || times.zone !== undefined);
  if (naive && times.zone === undefined) {
    throw new BadRow(
      `timestamp "${truncate(raw)}" has no time zone: add Z or +hh:mm, or give the file's zone with ${times.option} (UTC, +hh:mm or an IANA name)`,
    );
  }
  if (parts !== null) checkCalendar(raw, parts);
  if (naive && parts !== null) return inTimeRange(naiveInZone(raw, parts, times.zone!), `"${truncate(raw)}"`);
  const ms = parts !== null && !naive ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new BadRow(`timestamp "${truncate(raw)}" is neither epoch milliseconds nor ISO-8601`);
  }
  return inTimeRange(ms, `"${truncate(raw)}"`);
}

/** A checked ISO-8601 time without a zone, read in `zone` (fractions below a millisecond dropped). */
function naiveInZone(raw: string, parts: RegExpExecArray, zone: FeedTimeZone): number {
  const [, year, month, day, hour, minute, second, fraction] = parts;
  const wall = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour ?? 0),
    Number(minute ?? 0),
    Number(second ?? 0),
    fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')),
  );
  const epoch = zone.toEpochMs(wall);
  if (epoch === undefined) {
    throw new BadRow(`timestamp "${truncate(raw)}" does not exist in ${zone.name} (clocks moved forward)`);
  }
  return epoch;
}

/**
 * Refuses dates and times that do not exist, which `Date.parse` would roll over (2024-02-30 -> March 1,
 * 24:00 -> the next day) instead of failing.
 */
function checkCalendar(raw: string, parts: RegExpExecArray): void {
  const [, year, month, day, hour, minute, second, , , zoneHour, zoneMinute] = parts;
  const m = Number(month);
  if (m < 1 || m > 12)
    throw new BadRow(`timestamp "${truncate(raw)}" is not a calendar date (month ${month})`);
  const days = daysInMonth(Number(year), m);
  const d = Number(day);
  if (d < 1 || d > days) {
    throw new BadRow(
      `timestamp "${truncate(raw)}" is not a calendar date (${year}-${month} has ${days} days)`,
    );
  }
  if (hour !== undefined && (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59)) {
    throw new BadRow(`timestamp "${truncate(raw)}" is not a time of day (00:00:00 to 23:59:59)`);
  }
  if (zoneHour !== undefined && (Number(zoneHour) > 23 || Number(zoneMinute) > 59)) {
    throw new BadRow(`timestamp "${truncate(raw)}" has an impossible time zone offset`);
  }
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** A JSON number timestamp: whole epoch ms in range; `raw(0)` is its source text. */
function jsonTimestamp(value: unknown, raw: (k: number) => string | undefined): number {
  // A whole number too large to be exact (or to be finite) is out of range rather than "not a whole number".
  if (typeof value === 'number' && Number.isFinite(value) && Number.isInteger(value))
    return inTimeRange(value);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return inTimeRange(value, escapeForMessage(raw(0) ?? String(value)));
  }
  return jsonNumber('timestamp', value, raw(0), true);
}

/** `ms` if it is a time the feed accepts (`MIN_TIME_MS` to `MAX_TIME_MS`); `shown` is how the row wrote it. */
function inTimeRange(ms: number, shown: string = String(ms)): number {
  if (!(ms >= MIN_TIME_MS && ms <= MAX_TIME_MS)) {
    throw new BadRow(`timestamp ${shown} is out of range: must be ${TIME_RANGE}`);
  }
  return ms === 0 ? 0 : ms; // no -0
}

function parseNumber(column: string, raw: string): number {
  if (!DECIMAL.test(raw)) throw new BadRow(`${column} is not a number: "${truncate(raw)}"`);
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new BadRow(`${column} is out of range: ${truncate(raw)}`);
  return value;
}

/** A JSON number; `raw` is how the file wrote it, shown for a number too large for a double (1e400). */
function jsonNumber(column: string, value: unknown, raw: string | undefined, integer = false): number {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new BadRow(`${column} is out of range: ${truncate(raw ?? String(value))}`);
  }
  if (typeof value !== 'number' || (integer && !Number.isSafeInteger(value))) {
    throw new BadRow(
      `${column} is not a ${integer ? 'whole number' : 'number'}: ${describeJsonValue(value)}`,
    );
  }
  return value;
}

/** Text from the file, one line, control characters escaped, at most `max` characters. */
function truncate(text: string, max = 60): string {
  return escapeForMessage(text, max);
}
