// A small log-linear latency histogram for the per-time-bucket chart series: 896 counters, about 3% relative
// error, a handful of integer operations per record. The whole-history per-stage figures use HDR instead.

/** Counters per histogram: exact below 32 µs, then 32 sub-buckets per power of two up to 2^32 µs. */
const SLOTS = 896;
/** Latencies are clamped here (one hour, as for the HDR histograms). */
const HIGHEST_US = 3_600_000_000;

/** Index of the slot holding `us` (an integer in [0, 2^32)). */
export function chartSlotOf(us: number): number {
  if (us < 32) return us;
  const exponent = 31 - Math.clz32(us);
  return 32 + ((exponent - 5) << 5) + ((us >>> (exponent - 5)) & 31);
}

/** The midpoint of a slot's range, in microseconds. */
export function chartSlotValue(slot: number): number {
  if (slot < 32) return slot;
  const exponent = ((slot - 32) >> 5) + 5;
  const width = 2 ** (exponent - 5);
  const lower = (32 + ((slot - 32) & 31)) * width;
  return lower + (width - 1) / 2;
}

/** Latencies of one stage in one time bucket. */
export class ChartLatencyHistogram {
  readonly counts = new Uint32Array(SLOTS);
  total = 0;

  /** Records a latency in milliseconds (clamped to one hour). */
  recordMs(latencyMs: number): void {
    let us = Math.round(latencyMs * 1000);
    if (us > HIGHEST_US) us = HIGHEST_US;
    this.counts[chartSlotOf(us)]! += 1;
    this.total += 1;
  }

  /** Adds another histogram's counts (when two time buckets merge). */
  add(other: ChartLatencyHistogram): void {
    for (let i = 0; i < SLOTS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
  }

  /** The value at a percentile (0-100) in milliseconds, to about 3%; 0 when empty. */
  percentileMs(percentile: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < SLOTS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return chartSlotValue(i) / 1000;
    }
    return chartSlotValue(SLOTS - 1) / 1000;
  }
}
