// A stage event as the caller records it, and its one-line NDJSON form (hand-written for speed, schema-exact).
import { microsAsMsText, numberText, wholeText } from './number-text.js';
import type { StageEventLine } from './schema.js';
import { METRICS_SCHEMA_VERSION } from './schema-version.js';

/**
 * One stage invocation, as passed to `record()`: an NDJSON line without its version. All times come from
 * the caller's clock; the library never reads the wall clock for events.
 */
export type StageEvent = Omit<StageEventLine, 'v'>;

/**
 * A stage event to refill for each stage (a hot loop that records from one object allocates nothing per
 * stage): all eight properties present, absent ones `undefined`, always in this order, so V8 gives every
 * such object one hidden class and the recorder's and encoder's reads of it stay monomorphic. Only for
 * a recorder that keeps no recent events (`recentCapacity: 0`): the ring would keep the object itself.
 */
export function reusableStageEvent(): StageEvent {
  return {
    ts: 0,
    step: 0,
    stage: '',
    outcome: 'ok',
    latency_ms: 0,
    reason: undefined,
    detail: undefined,
    attrs: undefined,
  };
}

const quotedCache = new Map<string, string>();
const QUOTED_CACHE_LIMIT = 4096;

/** JSON string literal of `text`, cached for the few names (stages, reasons) that repeat on every step. */
function quoteName(text: string): string {
  let quoted = quotedCache.get(text);
  if (quoted === undefined) {
    quoted = JSON.stringify(text);
    if (quotedCache.size < QUOTED_CACHE_LIMIT) quotedCache.set(text, quoted);
  }
  return quoted;
}

let lastTs = Number.NaN;
let lastTsText = '0';

/**
 * A timestamp (ms since the epoch) as JSON text at microsecond resolution; the stages of one step often
 * share one, so the last is cached.
 */
function formatTimestamp(ts: number): string {
  if (ts === lastTs) return lastTsText;
  // Below 9e12 ms (year 2255) the microseconds fit a safe integer.
  const text =
    ts >= 0 && ts < 9e12 ? microsAsMsText(Math.round(ts * 1000)) : Number.isFinite(ts) ? numberText(ts) : '0';
  lastTs = ts;
  lastTsText = text;
  return text;
}

/** A latency in ms as JSON text at microsecond resolution (the resolution of the histograms). */
export function formatLatencyMs(latencyMs: number): string {
  if (!(latencyMs >= 0) || latencyMs === Number.POSITIVE_INFINITY) return '0';
  if (latencyMs < 9e12) return microsAsMsText(Math.round(latencyMs * 1000));
  return String(Math.round(latencyMs * 1000) / 1000);
}

/**
 * The NDJSON line of `event`, newline included, keys in schema order. Values the schema refuses are
 * repaired instead of thrown (the loop must not stop for a metric): too-long strings are cut, a non-finite
 * number becomes 0, non-finite attributes are left out, an empty stage becomes `unknown`. `latency_ms` is
 * written at microsecond resolution, like the histograms.
 */
export function formatStageEventLine(event: StageEvent): string {
  const stage =
    event.stage.length === 0 ? 'unknown' : event.stage.length > 256 ? event.stage.slice(0, 256) : event.stage;
  const step = Number.isSafeInteger(event.step) && event.step >= 0 ? wholeText(event.step) : '0';
  let line = `{"v":${METRICS_SCHEMA_VERSION},"ts":${formatTimestamp(event.ts)},"step":${step},"stage":${quoteName(stage)},"outcome":"${event.outcome}","latency_ms":${formatLatencyMs(event.latency_ms)}`;
  if (event.reason !== undefined) {
    line += `,"reason":${quoteName(event.reason.length > 256 ? event.reason.slice(0, 256) : event.reason)}`;
  }
  if (event.detail !== undefined) {
    line += `,"detail":${JSON.stringify(event.detail.length > 4096 ? event.detail.slice(0, 4096) : event.detail)}`;
  }
  if (event.attrs !== undefined) line += formatAttrs(event.attrs);
  return `${line}}\n`;
}

function formatAttrs(attrs: NonNullable<StageEvent['attrs']>): string {
  let out = ',"attrs":{';
  let first = true;
  for (const key in attrs) {
    const value = attrs[key];
    let text: string;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) text = numberText(value);
      else continue;
    } else if (typeof value === 'string') {
      text = JSON.stringify(value.length > 256 ? value.slice(0, 256) : value);
    } else {
      continue;
    }
    out += `${first ? '' : ','}${quoteName(key.length > 64 ? key.slice(0, 64) : key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}
