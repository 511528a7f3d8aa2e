// The recorder's hot path: a stage event's NDJSON line encoded straight into the writer's batch buffer,
// byte for byte what formatStageEventLine() returns, without building a string (no garbage per line).
//
// What makes it cheap (see the package bench's breakdown): bytes go out four at a time, as little-endian
// 32-bit DataView stores (one store beats four byte stores or a `set()` call for short runs); the parts of a
// line that repeat are ready-made runs of such words — the head with the timestamp's whole seconds (shared
// by the stages of a step), `,"step":`, `,"stage":..,"outcome":..,"latency_ms":` per stage and outcome,
// attribute keys, reasons; digits come three at a time from tables of words. A store may write up to three
// bytes past the end of what it means; the next store starts there and overwrites them, and the bounds
// checks leave that slack. The caches only memoize pure functions of their key: the bytes never depend on
// what was encoded before.
import { numberText } from './number-text.js';
import { METRICS_SCHEMA_VERSION } from './schema-version.js';
import type { StageEvent } from './stage-event.js';

/** A run of bytes as little-endian 32-bit words (the last one padded): `length` bytes in `count` words. */
interface ByteRun {
  words: Uint32Array;
  length: number;
  count: number;
}

function runOf(text: string): ByteRun {
  const bytes = Buffer.from(text, 'utf8');
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  for (let i = 0; i < bytes.length; i++) words[i >> 2]! |= bytes[i]! << (8 * (i & 3));
  return { words, length: bytes.length, count: words.length };
}

const HEAD_TEXT = `{"v":${METRICS_SCHEMA_VERSION},"ts":`;
const HEAD = runOf(HEAD_TEXT);
const STEP = runOf(',"step":');
const ATTRS = runOf(',"attrs":{');
const DETAIL = runOf(',"detail":');
const UNKNOWN_STAGE = 'unknown';
const COMMA = 0x2c;
const CLOSE = 0x7d;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;
/** Bytes a word store may write past the end of what it means. */
const SLACK = 4;

/** Digit words for 0..999: "ddd" zero-padded; without leading zeros (and its length); ".ddd" fractions. */
const PADDED = new Uint32Array(1000);
const PLAIN = new Uint32Array(1000);
const PLAIN_LENGTH = new Uint8Array(1000);
const FRACTION = new Uint32Array(1000);
/** Significant bytes of FRACTION[f]: ".5" for 500 (2), ".125" for 125 (4); 0 for 0. */
const FRACTION_LENGTH = new Uint8Array(1000);
/** Significant digits of PADDED[f] as the end of a six-digit fraction: 1..3 (trailing zeros dropped). */
const TAIL_LENGTH = new Uint8Array(1000);
for (let n = 0; n < 1000; n++) {
  const padded = String(n).padStart(3, '0');
  const significant = padded.replace(/0+$/, '');
  PADDED[n] = runOf(padded).words[0]!;
  PLAIN[n] = runOf(String(n)).words[0]!;
  PLAIN_LENGTH[n] = String(n).length;
  FRACTION[n] = runOf(`.${padded}`).words[0]!;
  FRACTION_LENGTH[n] = n === 0 ? 0 : 1 + significant.length;
  TAIL_LENGTH[n] = significant.length;
}

/** Ready-made runs per name; bounded, as names come from the caller. */
const CACHE_LIMIT = 4096;

/** `,"stage":"<stage>","outcome":"<outcome>","latency_ms":` for each outcome of one stage. */
interface StageHeads {
  ok: ByteRun;
  rejected: ByteRun;
  error: ByteRun;
}
const stageHeads = new Map<string, StageHeads>();

function headsOf(rawStage: string): StageHeads {
  let heads = stageHeads.get(rawStage);
  if (heads === undefined) {
    const stage =
      rawStage.length === 0 ? UNKNOWN_STAGE : rawStage.length > 256 ? rawStage.slice(0, 256) : rawStage;
    const head = (outcome: string) =>
      runOf(`,"stage":${JSON.stringify(stage)},"outcome":"${outcome}","latency_ms":`);
    heads = { ok: head('ok'), rejected: head('rejected'), error: head('error') };
    if (stageHeads.size < CACHE_LIMIT) stageHeads.set(rawStage, heads);
  }
  return heads;
}

/** `,"reason":"<reason>"` per reason. */
const reasonRuns = new Map<string, ByteRun>();

function reasonOf(raw: string): ByteRun {
  let run = reasonRuns.get(raw);
  if (run === undefined) {
    run = runOf(`,"reason":${JSON.stringify(raw.length > 256 ? raw.slice(0, 256) : raw)}`);
    if (reasonRuns.size < CACHE_LIMIT) reasonRuns.set(raw, run);
  }
  return run;
}

/** `"<key>":` per attribute key. */
const keyRuns = new Map<string, ByteRun>();

function keyOf(raw: string): ByteRun {
  let run = keyRuns.get(raw);
  if (run === undefined) {
    run = runOf(`${JSON.stringify(raw.length > 64 ? raw.slice(0, 64) : raw)}:`);
    if (keyRuns.size < CACHE_LIMIT) keyRuns.set(raw, run);
  }
  return run;
}

/** Attribute keys by their place in `attrs` (a caller's attrs have the same keys in the same order). */
const KEY_SLOTS = 8;
const slotKeys: (string | undefined)[] = new Array(KEY_SLOTS).fill(undefined);
const slotRuns: ByteRun[] = new Array(KEY_SLOTS).fill(ATTRS);

/** `{"v":1,"ts":` and the digits of the whole seconds of a timestamp: the stages of a step share them. */
const headScratch = Buffer.alloc(HEAD.length + 24);
headScratch.write(HEAD_TEXT, 0, 'latin1');
const headScratchView = new DataView(headScratch.buffer, headScratch.byteOffset, headScratch.length);
const headWithSeconds: ByteRun = {
  words: new Uint32Array(headScratch.length / 4),
  length: 0,
  count: 0,
};
/** The first ms of those seconds (-1 before the first timestamp). */
let headSecondsMs = -1;

function setHeadSeconds(seconds: number): void {
  const length = writeWhole(seconds, headScratchView, HEAD.length);
  const count = (length + 3) >> 2;
  for (let i = 0; i < count; i++) headWithSeconds.words[i] = headScratchView.getUint32(4 * i, true);
  headWithSeconds.length = length;
  headWithSeconds.count = count;
  headSecondsMs = seconds * 1000;
}

/** A DataView over the last buffer written to (the writer's batch buffer: one for its lifetime). */
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
let viewOf: Buffer | undefined;

/**
 * Writes the line of `event` (newline included) into `out` from `at`, and returns where it ends; -1 if
 * it would not fit before `out.length` (nothing meaningful is left behind: the caller has not committed
 * those bytes; up to a few bytes past the returned end may have been written). Same repairs as
 * `formatStageEventLine`.
 */
export function encodeStageEvent(event: StageEvent, out: Buffer, at: number): number {
  if (out !== viewOf) {
    view = new DataView(out.buffer, out.byteOffset, out.length);
    viewOf = out;
  }
  const v = view;
  const limit = out.length;
  const heads = headsOf(event.stage);
  const stageHead =
    event.outcome === 'ok' ? heads.ok : event.outcome === 'rejected' ? heads.rejected : heads.error;
  // Fixed part: head, three numbers (at most 24 bytes each), keys, the stage head, the slack.
  if (at + 140 + stageHead.length > limit) return -1;
  let p = at;
  const ts = event.ts;
  if (ts >= 1000 && ts < 9e12) {
    const us = Math.round(ts * 1000);
    const ms = Math.floor(us / 1000);
    let msOfSecond = ms - headSecondsMs;
    if (!(msOfSecond >= 0 && msOfSecond < 1000)) {
      setHeadSeconds(Math.floor(ms / 1000));
      msOfSecond = ms - headSecondsMs;
    }
    // The seconds are >= 1, so the milliseconds are three digits, zero-padded.
    p = put(headWithSeconds, v, p);
    v.setUint32(p, PADDED[msOfSecond]!, true);
    p = writeFraction3(us - ms * 1000, v, p + 3);
  } else {
    p = put(HEAD, v, p);
    if (ts >= 0 && ts < 9e12) p = writeMicrosAsMs(Math.round(ts * 1000), v, p);
    else p = writeAscii(Number.isFinite(ts) ? numberText(ts) : '0', out, p);
  }
  p = put(STEP, v, p);
  const step = event.step;
  p = writeWhole(Number.isSafeInteger(step) && step >= 0 ? step : 0, v, p);
  p = put(stageHead, v, p);
  const latency = event.latency_ms;
  if (!(latency >= 0) || latency === Number.POSITIVE_INFINITY) out[p++] = ZERO;
  else if (latency < 9e12) p = writeMicrosAsMs(Math.round(latency * 1000), v, p);
  else p = writeAscii(String(Math.round(latency * 1000) / 1000), out, p);
  if (event.reason !== undefined) {
    const reason = reasonOf(event.reason);
    if (p + reason.length + SLACK > limit) return -1;
    p = put(reason, v, p);
  }
  if (event.detail !== undefined) {
    const text = JSON.stringify(event.detail.length > 4096 ? event.detail.slice(0, 4096) : event.detail);
    if (p + DETAIL.length + SLACK + text.length * 3 > limit) return -1;
    p = put(DETAIL, v, p);
    p += out.write(text, p);
  }
  if (event.attrs !== undefined) {
    p = encodeAttrs(event.attrs, out, v, p, limit);
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
  v: DataView,
  at: number,
  limit: number,
): number {
  if (at + ATTRS.length + SLACK + 1 > limit) return -1;
  let p = put(ATTRS, v, at);
  let first = true;
  let slot = 0;
  for (const key in attrs) {
    const value = attrs[key];
    // A pointer comparison when the key sits where it sat in the previous attrs.
    let name: ByteRun;
    if (slot < KEY_SLOTS && slotKeys[slot] === key) name = slotRuns[slot]!;
    else {
      name = keyOf(key);
      if (slot < KEY_SLOTS) {
        slotKeys[slot] = key;
        slotRuns[slot] = name;
      }
    }
    slot++;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      // A comma, the key, a number of at most 24 bytes (String() of a double), the slack.
      if (p + name.length + 1 + 24 + SLACK > limit) return -1;
      if (!first) out[p++] = COMMA;
      p = writeNumber(value, out, v, put(name, v, p));
    } else if (typeof value === 'string') {
      const text = JSON.stringify(value.length > 256 ? value.slice(0, 256) : value);
      if (p + name.length + 1 + SLACK + text.length * 3 > limit) return -1;
      if (!first) out[p++] = COMMA;
      p = put(name, v, p);
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

/** Writes a run, word by word. */
function put(run: ByteRun, v: DataView, at: number): number {
  const words = run.words;
  const n = run.count;
  for (let i = 0; i < n; i++) v.setUint32(at + 4 * i, words[i]!, true);
  return at + run.length;
}

/** An ASCII string (number text) byte by byte. */
function writeAscii(text: string, out: Buffer, at: number): number {
  const n = text.length;
  for (let i = 0; i < n; i++) out[at + i] = text.charCodeAt(i);
  return at + n;
}

/** Three digits of 0 <= n < 1000, zero-padded. */
function write3(n: number, v: DataView, at: number): number {
  v.setUint32(at, PADDED[n]!, true);
  return at + 3;
}

/** 0 <= n < 1000 without leading zeros. */
function write1to3(n: number, v: DataView, at: number): number {
  v.setUint32(at, PLAIN[n]!, true);
  return at + PLAIN_LENGTH[n]!;
}

/** 0 <= n < 10^9 in decimal, three digits at a time (int32 arithmetic). */
function writeSmall(n: number, v: DataView, at: number): number {
  if (n < 1000) return write1to3(n, v, at);
  if (n < 1_000_000) {
    const high = (n / 1000) | 0;
    return write3(n - high * 1000, v, write1to3(high, v, at));
  }
  const high = (n / 1_000_000) | 0;
  const rest = n - high * 1_000_000;
  const middle = (rest / 1000) | 0;
  return write3(rest - middle * 1000, v, write3(middle, v, write1to3(high, v, at)));
}

/** A whole number 0 <= n < 2^53 in decimal. */
function writeWhole(n: number, v: DataView, at: number): number {
  if (n < 1_000_000_000) return writeSmall(n, v, at);
  // Two small integers: V8 divides those as int32, the whole double much more slowly.
  const high = Math.floor(n / 1_000_000_000);
  const low = n - high * 1_000_000_000;
  const lowHigh = (low / 1_000_000) | 0;
  const rest = low - lowHigh * 1_000_000;
  const middle = (rest / 1000) | 0;
  let p = writeWhole(high, v, at);
  p = write3(lowHigh, v, p);
  p = write3(middle, v, p);
  return write3(rest - middle * 1000, v, p);
}

/** `.` and the significant digits of 0 < fraction/1000 < 1; nothing for 0. */
function writeFraction3(fraction: number, v: DataView, at: number): number {
  v.setUint32(at, FRACTION[fraction]!, true);
  return at + FRACTION_LENGTH[fraction]!;
}

/** `us / 1000` (ms, up to three decimals, no trailing zeros) for a whole number 0 <= us < 2^53. */
function writeMicrosAsMs(us: number, v: DataView, at: number): number {
  if (us < 2_147_483_648) {
    // A latency: int32 arithmetic.
    const ms = (us / 1000) | 0;
    return writeFraction3(us - ms * 1000, v, writeSmall(ms, v, at));
  }
  const whole = Math.floor(us / 1000);
  return writeFraction3(us - whole * 1000, v, writeWhole(whole, v, at));
}

/** `.` and the significant digits of 0 <= fraction/10^6 < 1 (nothing for 0). */
function writeFraction6(fraction: number, v: DataView, at: number): number {
  const high = (fraction / 1000) | 0;
  const low = fraction - high * 1000;
  if (low === 0) return writeFraction3(high, v, at);
  v.setUint32(at, FRACTION[high]!, true);
  v.setUint32(at + 4, PADDED[low]!, true);
  return at + 4 + TAIL_LENGTH[low]!;
}

/** Exactly `String(value)` for a finite number: six-decimal fast path, `String` for the rest. */
function writeNumber(value: number, out: Buffer, v: DataView, at: number): number {
  if ((value | 0) === value) {
    // An int32 (-0 included, which prints as 0).
    if (value >= 0) return writeSmall(value, v, at);
    if (value > -1_000_000_000) {
      out[at] = MINUS;
      return writeSmall(-value, v, at + 1);
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
      return writeFraction6(millionths - whole * 1e6, v, writeWhole(whole, v, p));
    }
  }
  return writeAscii(String(value), out, at);
}
