// Historical replay: OHLCV candles from a CSV or ccxt-style JSON file, every row validated, bad rows
// named by file and line (or skipped and counted), gaps counted as the loop reaches them.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { FeedFileError } from './errors.js';
import { type Candle, type Feed, type FeedStats, GapCounter, inferIntervalMs } from './feed.js';

/** `csv` (header `timestamp,open,high,low,close,volume`) or `json` (`[[ts,o,h,l,c,v], ...]`). */
export type CandleFileFormat = 'csv' | 'json';

/** Options of {@link parseCandleFile} and {@link loadReplayFeed}. */
export interface CandleFileOptions {
  /** Skip bad rows and count them instead of failing on the first one. Default false. */
  skipBadRows?: boolean;
  /** The format; by default from the extension (`.json`, `.csv`), else from the first character. */
  format?: CandleFileFormat;
}

/** A row that was skipped, with why. */
export interface SkippedRow {
  line: number;
  problem: string;
}

/** A parsed, validated candle file. */
export interface CandleFile {
  /** The file's name as given (used in messages). */
  file: string;
  format: CandleFileFormat;
  candles: Candle[];
  /** The most common step between candles, ms (60000 for one-minute candles). */
  intervalMs: number;
  /** Gaps in the whole file (the feed also counts those it reaches). */
  gaps: number;
  missingIntervals: number;
  skippedRows: number;
  /** The first {@link MAX_SKIPPED_ROWS_KEPT} skipped rows. */
  skipped: SkippedRow[];
}

/** How many skipped rows a {@link CandleFile} lists (all are counted). */
export const MAX_SKIPPED_ROWS_KEPT = 20;

const CSV_HEADER = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const EPOCH_MS = /^\d+$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const ISO_DATE_TIME_NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/** Reads and validates a candle file, then serves it as a {@link ReplayFeed}. Throws {@link FeedFileError}. */
export async function loadReplayFeed(path: string, options: CandleFileOptions = {}): Promise<ReplayFeed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new FeedFileError(path, undefined, `cannot read the feed file: ${why}`, { cause: error });
  }
  return new ReplayFeed(parseCandleFile(text, path, options));
}

/** Parses and validates the text of a candle file named `file`. Throws {@link FeedFileError}. */
export function parseCandleFile(text: string, file: string, options: CandleFileOptions = {}): CandleFile {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const format = options.format ?? detectFormat(file, text);
  const rows = new RowValidator(file, options.skipBadRows ?? false);
  if (format === 'csv') readCsv(text, file, rows);
  else readJson(text, file, rows);
  if (rows.candles.length === 0) {
    const skipped = rows.skippedRows > 0 ? ` (${rows.skippedRows} bad row(s) skipped)` : '';
    throw new FeedFileError(file, undefined, `no candles${skipped}`);
  }
  const times = rows.candles.map((c) => c.timeMs);
  const intervalMs = inferIntervalMs(times, 60_000);
  const gaps = new GapCounter(intervalMs);
  for (const t of times) gaps.see(t);
  return {
    file,
    format,
    candles: rows.candles,
    intervalMs,
    gaps: gaps.gaps,
    missingIntervals: gaps.missingIntervals,
    skippedRows: rows.skippedRows,
    skipped: rows.skipped,
  };
}

/** A feed that replays a validated {@link CandleFile} once, in order. */
export class ReplayFeed implements Feed {
  readonly kind = 'replay' as const;
  readonly intervalMs: number;
  readonly startMs: number;
  readonly source: CandleFile;
  readonly #gaps: GapCounter;
  #index = 0;

  constructor(source: CandleFile) {
    this.source = source;
    this.intervalMs = source.intervalMs;
    this.startMs = source.candles[0]!.timeMs;
    this.#gaps = new GapCounter(source.intervalMs);
  }

  next(): Candle | undefined {
    const candle = this.source.candles[this.#index];
    if (candle === undefined) return undefined;
    this.#index++;
    this.#gaps.see(candle.timeMs);
    return candle;
  }

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
  if (ext === '.csv') return 'csv';
  return text.trimStart().startsWith('[') ? 'json' : 'csv';
}

/** A bad row: thrown inside a row's validation, caught by {@link RowValidator}. */
class BadRow extends Error {}

class RowValidator {
  readonly candles: Candle[] = [];
  readonly skipped: SkippedRow[] = [];
  skippedRows = 0;
  #lastTime: number | undefined;
  #lastLine = 0;

  constructor(
    readonly file: string,
    readonly skipBadRows: boolean,
  ) {}

  /** Validates one row and keeps it, or skips it (skip mode), or throws a {@link FeedFileError}. */
  add(line: number, read: () => Candle): void {
    try {
      const candle = read();
      this.#check(candle);
      this.candles.push(candle);
      this.#lastTime = candle.timeMs;
      this.#lastLine = line;
    } catch (error) {
      if (!(error instanceof BadRow)) throw error;
      this.bad(line, error.message);
    }
  }

  bad(line: number, problem: string): void {
    if (!this.skipBadRows) {
      throw new FeedFileError(this.file, line, problem, { badRow: true });
    }
    this.skippedRows++;
    if (this.skipped.length < MAX_SKIPPED_ROWS_KEPT) this.skipped.push({ line, problem });
  }

  #check(c: Candle): void {
    if (this.#lastTime !== undefined && !(c.timeMs > this.#lastTime)) {
      throw new BadRow(
        `timestamp ${c.timeMs} is not after the previous row's ${this.#lastTime} (line ${this.#lastLine}); timestamps must strictly increase`,
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

function readCsv(text: string, file: string, rows: RowValidator): void {
  const lines = text.split('\n');
  const header = (lines[0] ?? '')
    .replace(/\r$/, '')
    .split(',')
    .map((f) => f.trim().toLowerCase());
  if (header.length !== CSV_HEADER.length || header.some((f, i) => f !== CSV_HEADER[i])) {
    throw new FeedFileError(
      file,
      1,
      `expected the header "${CSV_HEADER.join(',')}", got "${truncate((lines[0] ?? '').trim())}"`,
    );
  }
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    rows.add(i + 1, () => {
      const fields = raw.split(',');
      if (fields.length !== 6)
        throw new BadRow(`expected 6 fields, got ${fields.length}: "${truncate(raw)}"`);
      const [ts, open, high, low, close, volume] = fields.map((f) => f.trim()) as [string, ...string[]];
      return {
        timeMs: parseTimestamp(ts),
        open: parseNumber('open', open!),
        high: parseNumber('high', high!),
        low: parseNumber('low', low!),
        close: parseNumber('close', close!),
        volume: parseNumber('volume', volume!),
      };
    });
  }
}

function readJson(text: string, file: string, rows: RowValidator): void {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const line = jsonErrorLine(text, error);
    throw new FeedFileError(file, line, `invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(data))
    throw new FeedFileError(file, 1, 'expected a JSON array of [ts, o, h, l, c, v] rows');
  const lines = rowLines(text);
  data.forEach((row: unknown, i) => {
    rows.add(lines[i] ?? 1, () => {
      if (!Array.isArray(row) || row.length !== 6) {
        throw new BadRow(
          `expected a row [timestamp, open, high, low, close, volume], got ${truncate(JSON.stringify(row))}`,
        );
      }
      const [ts, open, high, low, close, volume] = row as unknown[];
      return {
        timeMs: typeof ts === 'string' ? parseTimestamp(ts) : jsonNumber('timestamp', ts, true),
        open: jsonNumber('open', open),
        high: jsonNumber('high', high),
        low: jsonNumber('low', low),
        close: jsonNumber('close', close),
        volume: jsonNumber('volume', volume),
      };
    });
  });
}

/** Line (1-based) of each element of a JSON document's top-level array, found by a scan that skips strings. */
function rowLines(text: string): number[] {
  const lines: number[] = [];
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
      expectValue = false;
    }
    if (ch === 34) inString = true;
    else if (ch === 91 || ch === 123) {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (ch === 93 || ch === 125) depth--;
    else if (ch === 44 && depth === 1) expectValue = true;
  }
  return lines;
}

function jsonErrorLine(text: string, error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : '';
  const lineCol = /line (\d+) column \d+/.exec(message);
  if (lineCol) return Number(lineCol[1]);
  const position = /position (\d+)/.exec(message);
  if (position) return text.slice(0, Number(position[1])).split('\n').length;
  return undefined;
}

function parseTimestamp(raw: string): number {
  if (EPOCH_MS.test(raw)) {
    const ms = Number(raw);
    if (!Number.isSafeInteger(ms)) throw new BadRow(`timestamp ${raw} is out of range`);
    return ms;
  }
  if (ISO_DATE_TIME_NO_ZONE.test(raw)) {
    throw new BadRow(`timestamp "${truncate(raw)}" has no time zone (add Z or +hh:mm)`);
  }
  const ms = ISO_8601.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new BadRow(`timestamp "${truncate(raw)}" is neither epoch milliseconds nor ISO-8601`);
  }
  return ms;
}

function parseNumber(column: string, raw: string): number {
  const value = Number(raw);
  if (!DECIMAL.test(raw) || !Number.isFinite(value))
    throw new BadRow(`${column} is not a number: "${truncate(raw)}"`);
  return value;
}

function jsonNumber(column: string, value: unknown, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
    throw new BadRow(
      `${column} is not a ${integer ? 'whole number' : 'number'}: ${truncate(JSON.stringify(value) ?? String(value))}`,
    );
  }
  return value;
}

function truncate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
