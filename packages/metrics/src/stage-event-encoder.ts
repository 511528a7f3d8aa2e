// The recorder's hot path: a stage event's NDJSON line encoded straight into the writer's batch buffer,
// byte for byte what formatStageEventLine() returns, without building a string (no garbage per line).
import { numberText } from './number-text.js';
import { METRICS_SCHEMA_VERSION } from './schema.js';
import type { StageEvent } from './stage-event.js';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

const HEAD = ascii(`{"v":${METRICS_SCHEMA_VERSION},"ts":`);
const STEP = ascii(',"step":');
const STAGE = ascii(',"stage":');
const OUTCOMES: Record<string, Uint8Array> = {
  ok: ascii(',"outcome":"ok","latency_ms":'),
  rejected: ascii(',"outcome":"rejected","latency_ms":'),
  error: ascii(',"outcome":"error","latency_ms":'),
};
const REASON = ascii(',"reason":');
const DETAIL = ascii(',"detail":');
const ATTRS = ascii(',"attrs":{');
const UNKNOWN_STAGE = 'unknown';
const COMMA = 0x2c;
const COLON = 0x3a;
const CLOSE = 0x7d;
const NEWLINE = 0x0a;
const DOT = 0x2e;
const ZERO = 0x30;

/** JSON string literals (UTF-8, quotes included) of names that repeat on every step: stages, reasons, keys. */
const quotedBytes = new Map<string, Uint8Array>();
const QUOTED_LIMIT = 4096;

function quoted(text: string): Uint8Array {
  let bytes = quotedBytes.get(text);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(text));
    if (quotedBytes.size < QUOTED_LIMIT) quotedBytes.set(text, bytes);
  }
  return bytes;
}

/**
 * Writes the line of `event` (newline included) into `out` from `at`, and returns where it ends; -1 if
 * it would not fit before `out.length` (nothing meaningful is left behind: the caller has not committed
 * those bytes). Same repairs as `formatStageEventLine`.
 */
export function encodeStageEvent(event: StageEvent, out: Buffer, at: number): number {
  const limit = out.length;
  const rawStage = event.stage;
  const stage =
    rawStage.length === 0 ? UNKNOWN_STAGE : rawStage.length > 256 ? rawStage.slice(0, 256) : rawStage;
  const stageBytes = quoted(stage);
  // Fixed part: head, three numbers (at most 22 bytes each), keys, the stage name.
  if (at + 140 + stageBytes.length > limit) return -1;
  let p = copy(HEAD, out, at);
  const ts = event.ts;
  if (ts >= 0 && ts < 9e12) p = writeMicrosAsMs(Math.round(ts * 1000), out, p);
  else p = writeAscii(Number.isFinite(ts) ? numberText(ts) : '0', out, p);
  p = copy(STEP, out, p);
  const step = event.step;
  p = writeWhole(Number.isSafeInteger(step) && step >= 0 ? step : 0, out, p);
  p = copy(STAGE, out, p);
  p = copy(stageBytes, out, p);
  p = copy(OUTCOMES[event.outcome]!, out, p);
  const latency = event.latency_ms;
  if (!(latency >= 0) || latency === Number.POSITIVE_INFINITY) out[p++] = ZERO;
  else if (latency < 9e12) p = writeMicrosAsMs(Math.round(latency * 1000), out, p);
  else p = writeAscii(String(Math.round(latency * 1000) / 1000), out, p);
  if (event.reason !== undefined) {
    const reason = quoted(event.reason.length > 256 ? event.reason.slice(0, 256) : event.reason);
    if (p + REASON.length + reason.length > limit) return -1;
    p = copy(REASON, out, p);
    p = copy(reason, out, p);
  }
  if (event.detail !== undefined) {
    const text = JSON.stringify(event.detail.length > 4096 ? event.detail.slice(0, 4096) : event.detail);
    if (p + DETAIL.length + text.length * 3 > limit) return -1;
    p = copy(DETAIL, out, p);
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
  for (const key in attrs) {
    const value = attrs[key];
    const name = quoted(key.length > 64 ? key.slice(0, 64) : key);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      if (p + name.length + 28 > limit) return -1;
      if (!first) out[p++] = COMMA;
      p = copy(name, out, p);
      out[p++] = COLON;
      p = writeNumber(value, out, p);
    } else if (typeof value === 'string') {
      const text = JSON.stringify(value.length > 256 ? value.slice(0, 256) : value);
      if (p + name.length + 2 + text.length * 3 > limit) return -1;
      if (!first) out[p++] = COMMA;
      p = copy(name, out, p);
      out[p++] = COLON;
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

function copy(bytes: Uint8Array, out: Buffer, at: number): number {
  const n = bytes.length;
  for (let i = 0; i < n; i++) out[at + i] = bytes[i]!;
  return at + n;
}

/** An ASCII string (number text) byte by byte. */
function writeAscii(text: string, out: Buffer, at: number): number {
  const n = text.length;
  for (let i = 0; i < n; i++) out[at + i] = text.charCodeAt(i);
  return at + n;
}

/** A whole number 0 <= n < 2^53 in decimal. */
function writeWhole(n: number, out: Buffer, at: number): number {
  if (n < 1_000_000_000) return writeSmall(n, out, at);
  // Two small integers: V8 divides those as int32, the whole double much more slowly.
  const high = Math.floor(n / 1_000_000_000);
  let low = n - high * 1_000_000_000;
  const p = writeWhole(high, out, at) + 9;
  for (let i = 1; i <= 9; i++) {
    const q = (low / 10) | 0;
    out[p - i] = ZERO + (low - q * 10);
    low = q;
  }
  return p;
}

/** 0 <= n < 10^9 in decimal. */
function writeSmall(n: number, out: Buffer, at: number): number {
  const digits =
    n < 10
      ? 1
      : n < 100
        ? 2
        : n < 1000
          ? 3
          : n < 10_000
            ? 4
            : n < 100_000
              ? 5
              : n < 1_000_000
                ? 6
                : n < 10_000_000
                  ? 7
                  : n < 100_000_000
                    ? 8
                    : 9;
  let x = n | 0;
  const end = at + digits;
  for (let p = end - 1; p >= at; p--) {
    const q = (x / 10) | 0;
    out[p] = ZERO + (x - q * 10);
    x = q;
  }
  return end;
}

/** `us / 1000` (ms, up to three decimals, no trailing zeros) for a whole number 0 <= us < 2^53. */
function writeMicrosAsMs(us: number, out: Buffer, at: number): number {
  const whole = Math.floor(us / 1000);
  let p = writeWhole(whole, out, at);
  const fraction = us - whole * 1000;
  if (fraction !== 0) p = writeFraction(fraction, 3, out, p);
  return p;
}

/** `.` and `width` digits of `fraction` (0 < fraction < 10^width <= 10^6), trailing zeros dropped. */
function writeFraction(fraction: number, width: number, out: Buffer, at: number): number {
  let f = fraction | 0;
  let w = width;
  for (let q = (f / 10) | 0; f === q * 10; q = (f / 10) | 0) {
    f = q;
    w--;
  }
  out[at] = DOT;
  const end = at + w + 1;
  for (let p = end - 1; p > at; p--) {
    const q = (f / 10) | 0;
    out[p] = ZERO + (f - q * 10);
    f = q;
  }
  return end;
}

/** Exactly `String(value)` for a finite number: six-decimal fast path, `String` for the rest. */
function writeNumber(value: number, out: Buffer, at: number): number {
  let p = at;
  let magnitude = value;
  if (value < 0) {
    out[p++] = 0x2d;
    magnitude = -value;
  }
  if (magnitude === 0) {
    out[at] = ZERO; // -0 prints as 0
    return at + 1;
  }
  if (magnitude < 8_589_934_592 && magnitude >= 1e-6) {
    // See numberText: below 2^33 the six-decimal text that reads back as `value` is String()'s.
    const millionths = Math.round(magnitude * 1e6);
    if (millionths / 1e6 === magnitude) {
      const whole = Math.floor(millionths / 1e6);
      p = writeWhole(whole, out, p);
      const fraction = millionths - whole * 1e6;
      return fraction === 0 ? p : writeFraction(fraction, 6, out, p);
    }
  }
  return writeAscii(String(value), out, at);
}
