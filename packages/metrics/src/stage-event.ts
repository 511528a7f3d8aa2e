// A stage event as the caller records it, and its one-line NDJSON form (hand-written for speed, schema-exact).
import { METRICS_SCHEMA_VERSION, type StageEventLine } from './schema.js';

/**
 * One stage invocation, as passed to `record()`: an NDJSON line without its version. All times come from
 * the caller's clock; the library never reads the wall clock for events.
 */
export type StageEvent = Omit<StageEventLine, 'v'>;

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

function finiteOr0(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/**
 * The NDJSON line of `event`, newline included, keys in schema order. Values the schema refuses are
 * repaired instead of thrown (the loop must not stop for a metric): too-long strings are cut, a non-finite
 * number becomes 0, non-finite attributes are left out, an empty stage becomes `unknown`.
 */
export function formatStageEventLine(event: StageEvent): string {
  const stage =
    event.stage.length === 0 ? 'unknown' : event.stage.length > 256 ? event.stage.slice(0, 256) : event.stage;
  const latency =
    event.latency_ms >= 0 && event.latency_ms !== Number.POSITIVE_INFINITY ? event.latency_ms : 0;
  const step = Number.isSafeInteger(event.step) && event.step >= 0 ? event.step : 0;
  let line = `{"v":${METRICS_SCHEMA_VERSION},"ts":${finiteOr0(event.ts)},"step":${step},"stage":${quoteName(stage)},"outcome":"${event.outcome}","latency_ms":${latency}`;
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
      if (!Number.isFinite(value)) continue;
      text = String(value);
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
