// The recorder's hot path: a stage event's NDJSON line encoded straight into the writer's batch buffer,
// byte for byte what formatStageEventLine() returns, without building a string (no garbage per line).
//
// What makes it cheap (see the package bench's breakdown): the parts of a line that repeat are copied as
// ready-made byte runs with one `set()` each — the head and the timestamp's whole seconds (shared by the
// stages of a step), `,"step":N` (shared by the four events of a step), and `,"stage":..,"outcome":..,
// "latency_ms":` per stage and outcome; the varying digits come from a 000..999 table, three at a time.
// The caches only memoize pure functions of their key, so the bytes never depend on what came before.
import { numberText } from './number-text.js';
import { METRICS_SCHEMA_VERSION } from './schema.js';
import type { StageEvent } from './stage-event.js';

const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');

const HEAD = bytesOf(`{"v":${METRICS_SCHEMA_VERSION},"ts":`);
const STEP = bytesOf(',"step":');
const DETAIL = bytesOf(',"detail":');
const ATTRS = bytesOf(',"attrs":{');
const UNKNOWN_STAGE = 'unknown';
const COMMA = 0x2c;
const CLOSE = 0x7d;
const NEWLINE = 0x0a;
const DOT = 0x2e;
const ZERO = 0x30;
const MINUS = 0x2d;

/** "000".."999": the digits of n at DIGITS[3n], DIGITS[3n+1], DIGITS[3n+2]. */
const DIGITS = new Uint8Array(3000);
/** For f in 1..999, the significant digits of f/1000 after the point: ".5" for 500, ".125" for 125. */
const FRACTION = new Uint8Array(4000);
/** Bytes of FRACTION[4f..] that count (2..4); 0 for f = 0. */
const FRACTION_LENGTH = new Uint8Array(1000);
/** For f in 1..999, the digits of f padded to three with trailing zeros dropped: 1..3. */
const TAIL_LENGTH = new Uint8Array(1000);
for (let n = 0; n < 1000; n++) {
  const text = String(n).padStart(3, '0');
  const significant = text.replace(/0+$/, '');
  for (let i = 0; i < 3; i++) DIGITS[3 * n + i] = text.charCodeAt(i);
  FRACTION[4 * n] = DOT;
  for (let i = 0; i < 3; i++) FRACTION[4 * n + 1 + i] = text.charCodeAt(i);
  FRACTION_LENGTH[n] = n === 0 ? 0 : 1 + significant.length;
  TAIL_LENGTH[n] = significant.length;
}

/** Ready-made byte runs per name; bounded, as names come from the caller. */
const CACHE_LIMIT = 4096;

/** `,"stage":"<stage>","outcome":"<outcome>","latency_ms":` for each outcome of one stage. */
interface StageHeads {
  ok: Buffer;
  rejected: Buffer;
  error: Buffer;
}
const stageHeads = new Map<string, StageHeads>();

function headsOf(rawStage: string): StageHeads {
  let heads = stageHeads.get(rawStage);
  if (heads === undefined) {
    const stage =
      rawStage.length === 0 ? UNKNOWN_STAGE : rawStage.length > 256 ? rawStage.slice(0, 256) : rawStage;
    const head = (outcome: string) =>
      bytesOf(`,"stage":${JSON.stringify(stage)},"outcome":"${outcome}","latency_ms":`);
    heads = { ok: head('ok'), rejected: head('rejected'), error: head('error') };
    if (stageHeads.size < CACHE_LIMIT) stageHeads.set(rawStage, heads);
  }
  return heads;
}

/** `,"reason":"<reason>"` per reason. */
const reasonBytes = new Map<string, Buffer>();

function reasonOf(raw: string): Buffer {
  let bytes = reasonBytes.get(raw);
  if (bytes === undefined) {
    bytes = bytesOf(`,"reason":${JSON.stringify(raw.length > 256 ? raw.slice(0, 256) : raw)}`);
    if (reasonBytes.size < CACHE_LIMIT) reasonBytes.set(raw, bytes);
  }
  return bytes;
}

/** `"<key>":` per attribute key. */
const keyBytes = new Map<string, Buffer>();

function keyOf(raw: string): Buffer {
  let bytes = keyBytes.get(raw);
  if (bytes === undefined) {
    bytes = bytesOf(`${JSON.stringify(raw.length > 64 ? raw.slice(0, 64) : raw)}:`);
    if (keyBytes.size < CACHE_LIMIT) keyBytes.set(raw, bytes);
  }
  return bytes;
}

/** `{"v":1,"ts":` and the digits of the whole seconds of a timestamp: the stages of a step share them. */
const headWithSeconds = Buffer.alloc(HEAD.length + 20);
HEAD.copy(headWithSeconds, 0);
let headWithSecondsLength = 0;
/** The first ms of those seconds (-1 before the first timestamp). */
let headSecondsMs = -1;

/** Attribute keys by their place in `attrs` (a caller's attrs have the same keys in the same order). */
const KEY_SLOTS = 8;
const slotKeys: (string | undefined)[] = new Array(KEY_SLOTS).fill(undefined);
const slotBytes: Buffer[] = new Array(KEY_SLOTS).fill(ATTRS);

/**
 * Writes the line of `event` (newline included) into `out` from `at`, and returns where it ends; -1 if
 * it would not fit before `out.length` (nothing meaningful is left behind: the caller has not committed
 * those bytes). Same repairs as `formatStageEventLine`.
 */
export function encodeStageEvent(event: StageEvent, out: Buffer, at: number): number {
  const limit = out.length;
  const heads = headsOf(event.stage);
  const stageHead =
    event.outcome === 'ok' ? heads.ok : event.outcome === 'rejected' ? heads.rejected : heads.error;
  // Fixed part: head, three numbers (at most 24 bytes each with slack for the digit tables), the stage.
  if (at + 120 + stageHead.length > limit) return -1;
  let p = at;
  const ts = event.ts;
  if (ts >= 1000 && ts < 9e12) {
    const us = Math.round(ts * 1000);
    const ms = Math.floor(us / 1000);
    let msOfSecond = ms - headSecondsMs;
    if (!(msOfSecond >= 0 && msOfSecond < 1000)) {
      const seconds = Math.floor(ms / 1000);
      headSecondsMs = seconds * 1000;
      headWithSecondsLength = writeWhole(seconds, headWithSeconds, HEAD.length);
      msOfSecond = ms - headSecondsMs;
    }
    // The seconds are >= 1, so the milliseconds are three digits, zero-padded.
    p = write3(msOfSecond, out, copyPrefix(headWithSeconds, headWithSecondsLength, out, p));
    p = writeFraction3(us - ms * 1000, out, p);
  } else {
    p = copy(HEAD, out, p);
    if (ts >= 0 && ts < 9e12) p = writeMicrosAsMs(Math.round(ts * 1000), out, p);
    else p = writeAscii(Number.isFinite(ts) ? numberText(ts) : '0', out, p);
  }
  p = copy(STEP, out, p);
  const step = event.step;
  p = writeWhole(Number.isSafeInteger(step) && step >= 0 ? step : 0, out, p);
  out.set(stageHead, p);
  p += stageHead.length;
  const latency = event.latency_ms;
  if (!(latency >= 0) || latency === Number.POSITIVE_INFINITY) out[p++] = ZERO;
  else if (latency < 9e12) p = writeMicrosAsMs(Math.round(latency * 1000), out, p);
  else p = writeAscii(String(Math.round(latency * 1000) / 1000), out, p);
  if (event.reason !== undefined) {
    const reason = reasonOf(event.reason);
    if (p + reason.length > limit) return -1;
    out.set(reason, p);
    p += reason.length;
  }
  if (event.detail !== undefined) {
    const text = JSON.stringify(event.detail.length > 4096 ? event.detail.slice(0, 4096) : event.detail);
    if (p + DETAIL.length + text.length * 3 > limit) return -1;
    out.set(DETAIL, p);
    p += DETAIL.length;
    p += out.write(text, p);
  }
  if (event.attrs !== undefined) {
    p = encodeAttrs(event.attrs, out, p, limit);
    if (p < 0) return -1;
  }
  if (p + 2 > limit) return -1;
  out[p++] = CLOSE;
  out[p++] = NEWLINE;
  return p;
}

function encodeAttrs(
  attrs: NonNullable<StageEvent['attrs']>,
  out: Buffer,
  at: number,
  limit: number,
): number {
  if (at + ATTRS.length + 1 > limit) return -1;
  let p = copy(ATTRS, out, at);
  let first = true;
  let slot = 0;
  for (const key in attrs) {
    const value = attrs[key];
    // A pointer comparison when the key sits where it sat in the previous attrs.
    let name: Buffer;
    if (slot < KEY_SLOTS && slotKeys[slot] === key) name = slotBytes[slot]!;
    else {
      name = keyOf(key);
      if (slot < KEY_SLOTS) {
        slotKeys[slot] = key;
        slotBytes[slot] = name;
      }
    }
    slot++;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      // A number is at most 24 bytes (String() of a double), +8 of slack for the digit tables.
      if (p + name.length + 33 > limit) return -1;
      if (!first) out[p++] = COMMA;
      p = writeNumber(value, out, copy(name, out, p));
    } else if (typeof value === 'string') {
      const text = JSON.stringify(value.length > 256 ? value.slice(0, 256) : value);
      if (p + name.length + 1 + text.length * 3 > limit) return -1;
      if (!first) out[p++] = COMMA;
      out.set(name, p);
      p += name.length;
      p += out.write(text, p);
    } else {
      continue;
    }
    first = false;
  }
  if (p + 1 > limit) return -1;
  out[p++] = CLOSE;
  return p;
}

/** Copies a short run of bytes (a loop beats `set()`'s call below ~20 bytes). */
function copy(bytes: Buffer, out: Buffer, at: number): number {
  const n = bytes.length;
  for (let i = 0; i < n; i++) out[at + i] = bytes[i]!;
  return at + n;
}

/** Copies the first `n` bytes of `bytes`. */
function copyPrefix(bytes: Buffer, n: number, out: Buffer, at: number): number {
  for (let i = 0; i < n; i++) out[at + i] = bytes[i]!;
  return at + n;
}

/** An ASCII string (number text) byte by byte. */
function writeAscii(text: string, out: Buffer, at: number): number {
  const n = text.length;
  for (let i = 0; i < n; i++) out[at + i] = text.charCodeAt(i);
  return at + n;
}

/** Three digits of 0 <= n < 1000, zero-padded. */
function write3(n: number, out: Buffer, at: number): number {
  const i = 3 * n;
  out[at] = DIGITS[i]!;
  out[at + 1] = DIGITS[i + 1]!;
  out[at + 2] = DIGITS[i + 2]!;
  return at + 3;
}

/** 0 <= n < 1000 without leading zeros. */
function write1to3(n: number, out: Buffer, at: number): number {
  const i = 3 * n;
  if (n >= 100) {
    out[at] = DIGITS[i]!;
    out[at + 1] = DIGITS[i + 1]!;
    out[at + 2] = DIGITS[i + 2]!;
    return at + 3;
  }
  if (n >= 10) {
    out[at] = DIGITS[i + 1]!;
    out[at + 1] = DIGITS[i + 2]!;
    return at + 2;
  }
  out[at] = DIGITS[i + 2]!;
  return at + 1;
}

/** 0 <= n < 10^9 in decimal, three digits at a time (int32 arithmetic). */
function writeSmall(n: number, out: Buffer, at: number): number {
  if (n < 1000) return write1to3(n, out, at);
  if (n < 1_000_000) {
    const high = (n / 1000) | 0;
    return write3(n - high * 1000, out, write1to3(high, out, at));
  }
  const high = (n / 1_000_000) | 0;
  const rest = n - high * 1_000_000;
  const middle = (rest / 1000) | 0;
  return write3(rest - middle * 1000, out, write3(middle, out, write1to3(high, out, at)));
}

/** A whole number 0 <= n < 2^53 in decimal. */
function writeWhole(n: number, out: Buffer, at: number): number {
  if (n < 1_000_000_000) return writeSmall(n, out, at);
  // Two small integers: V8 divides those as int32, the whole double much more slowly.
  const high = Math.floor(n / 1_000_000_000);
  const low = n - high * 1_000_000_000;
  const lowHigh = (low / 1_000_000) | 0;
  const rest = low - lowHigh * 1_000_000;
  const middle = (rest / 1000) | 0;
  let p = writeWhole(high, out, at);
  p = write3(lowHigh, out, p);
  p = write3(middle, out, p);
  return write3(rest - middle * 1000, out, p);
}

/** `.` and the significant digits of 0 < fraction/1000 < 1; nothing for 0. Writes up to 4 bytes. */
function writeFraction3(fraction: number, out: Buffer, at: number): number {
  const i = 4 * fraction;
  out[at] = DOT;
  out[at + 1] = FRACTION[i + 1]!;
  out[at + 2] = FRACTION[i + 2]!;
  out[at + 3] = FRACTION[i + 3]!;
  return at + FRACTION_LENGTH[fraction]!;
}

/** `us / 1000` (ms, up to three decimals, no trailing zeros) for a whole number 0 <= us < 2^53. */
function writeMicrosAsMs(us: number, out: Buffer, at: number): number {
  if (us < 2_147_483_648) {
    // A latency: int32 arithmetic.
    const ms = (us / 1000) | 0;
    return writeFraction3(us - ms * 1000, out, writeSmall(ms, out, at));
  }
  const whole = Math.floor(us / 1000);
  return writeFraction3(us - whole * 1000, out, writeWhole(whole, out, at));
}

/** `.` and the significant digits of 0 <= fraction/10^6 < 1 (nothing for 0). Writes up to 7 bytes. */
function writeFraction6(fraction: number, out: Buffer, at: number): number {
  const high = (fraction / 1000) | 0;
  const low = fraction - high * 1000;
  if (low === 0) return writeFraction3(high, out, at);
  out[at] = DOT;
  write3(high, out, at + 1);
  write3(low, out, at + 4);
  return at + 4 + TAIL_LENGTH[low]!;
}

/** Exactly `String(value)` for a finite number: six-decimal fast path, `String` for the rest. */
function writeNumber(value: number, out: Buffer, at: number): number {
  if ((value | 0) === value) {
    // An int32 (-0 included, which prints as 0).
    if (value >= 0) return writeSmall(value, out, at);
    if (value > -1_000_000_000) {
      out[at] = MINUS;
      return writeSmall(-value, out, at + 1);
    }
  }
  let p = at;
  let magnitude = value;
  if (value < 0) {
    out[p++] = MINUS;
    magnitude = -value;
  }
  if (magnitude < 8_589_934_592 && magnitude >= 1e-6) {
    // See numberText: below 2^33 the six-decimal text that reads back as `value` is String()'s.
    const millionths = Math.round(magnitude * 1e6);
    if (millionths / 1e6 === magnitude) {
      const whole = Math.floor(millionths / 1e6);
      return writeFraction6(millionths - whole * 1e6, out, writeWhole(whole, out, p));
    }
  }
  return writeAscii(String(value), out, at);
}
