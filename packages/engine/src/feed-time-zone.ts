// The time zone of a feed's naive timestamps (`2021-12-31 23:01:00`): UTC, a fixed offset or an IANA zone.
import { LoopEngineError } from './errors.js';

/** A resolved time zone: turns a wall-clock time (its fields read as if UTC) into epoch milliseconds. */
export interface FeedTimeZone {
  /** As given: `UTC`, `+05:30`, `America/New_York`. */
  readonly name: string;
  /**
   * Epoch ms of the wall time `wallMs` (the wall time's fields as UTC), or `undefined` if that wall time
   * does not exist in the zone (skipped by a daylight-saving change). A repeated wall time (clocks set back)
   * is its first occurrence.
   */
  toEpochMs(wallMs: number): number | undefined;
}

const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;
const QUARTER_HOUR_MS = 15 * 60_000;

/**
 * Resolves `UTC` (or `Z`), `±hh:mm` or an IANA zone name (`Europe/London`). Throws a
 * {@link LoopEngineError} `LOOP_ENGINE_CONFIG_INVALID` naming `option` for anything else.
 */
export function parseFeedTimeZone(name: string, option = 'timeZone'): FeedTimeZone {
  if (/^(utc|z)$/i.test(name)) return fixed(name, 0);
  const offset = OFFSET.exec(name);
  if (offset !== null) {
    const [, sign, hours, minutes] = offset;
    if (Number(hours) > 23 || Number(minutes) > 59) {
      throw new LoopEngineError('LOOP_ENGINE_CONFIG_INVALID', `${option}: impossible offset "${name}"`);
    }
    return fixed(name, (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60_000);
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new LoopEngineError(
      'LOOP_ENGINE_CONFIG_INVALID',
      `${option}: unknown time zone "${name.slice(0, 60)}" (give UTC, +hh:mm, -hh:mm or an IANA name such as Europe/London)`,
    );
  }
  return new IanaTimeZone(name, format);
}

function fixed(name: string, offsetMs: number): FeedTimeZone {
  return { name, toEpochMs: (wallMs) => wallMs - offsetMs };
}

/** An IANA zone; offsets come from Intl and are cached per quarter hour (every real change falls on one). */
class IanaTimeZone implements FeedTimeZone {
  // Quarter hour -> offset. A row needs a few quarters around its time; sorted rows reuse them.
  readonly #offsets = new Map<number, number>();

  constructor(
    readonly name: string,
    private readonly format: Intl.DateTimeFormat,
  ) {}

  toEpochMs(wallMs: number): number | undefined {
    // Try the offsets in force just before and after the wall time; the earliest that maps back to it wins.
    const halfDay = 43_200_000;
    const candidates = [
      wallMs - this.#offsetAt(wallMs - halfDay),
      wallMs - this.#offsetAt(wallMs),
      wallMs - this.#offsetAt(wallMs + halfDay),
    ];
    let best: number | undefined;
    for (const utc of candidates) {
      if (utc + this.#offsetAt(utc) === wallMs && (best === undefined || utc < best)) best = utc;
    }
    return best;
  }

  /** The zone's offset from UTC at `utcMs`, ms. */
  #offsetAt(utcMs: number): number {
    const bucket = Math.floor(utcMs / QUARTER_HOUR_MS);
    const known = this.#offsets.get(bucket);
    if (known !== undefined) return known;
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(bucket * QUARTER_HOUR_MS)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      parts.year!,
      parts.month! - 1,
      parts.day!,
      parts.hour!,
      parts.minute!,
      parts.second!,
    );
    if (this.#offsets.size >= 256) this.#offsets.clear();
    const offset = wall - bucket * QUARTER_HOUR_MS;
    this.#offsets.set(bucket, offset);
    return offset;
  }
}
