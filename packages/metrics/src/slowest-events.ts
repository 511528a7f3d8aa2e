// The K slowest events of a stage (exemplars behind its max and p99): a small array kept sorted, checked
// against its fastest member first, so almost every event costs one comparison and no allocation.

/** Events kept per stage by default (`slowestPerStage`). */
export const DEFAULT_SLOWEST_PER_STAGE = 10;

/**
 * Keeps the `capacity` slowest of the events offered to it. Among equal latencies the earlier event is kept
 * and listed first. Memory: `capacity` references, whatever the number of events.
 */
export class SlowestEvents<T extends { readonly latency_ms: number }> {
  /** Ascending by latency: `kept[0]` is the fastest of the slowest, the one a new event must beat. */
  private readonly kept: T[] = [];

  constructor(readonly capacity: number) {}

  /**
   * The latency an event must exceed to be kept now: -Infinity until full, +Infinity with no room at all. It
   * only rises, so a caller may keep it and check against it later (a stale value sends an event to
   * {@link accepts} for nothing, never past it).
   */
  threshold(): number {
    if (this.kept.length < this.capacity) return Number.NEGATIVE_INFINITY;
    return this.capacity > 0 ? this.kept[0]!.latency_ms : Number.POSITIVE_INFINITY;
  }

  /** True when an event of this latency would be kept: one comparison once full (the common case). */
  accepts(latencyMs: number): boolean {
    const kept = this.kept;
    if (kept.length < this.capacity) return true;
    return this.capacity > 0 && latencyMs > kept[0]!.latency_ms;
  }

  /** Keeps `event` if it is among the slowest so far. */
  offer(event: T): void {
    if (this.accepts(event.latency_ms)) this.add(event);
  }

  /** Keeps `event`, which {@link accepts} allowed, dropping the fastest kept when full. */
  add(event: T): void {
    const kept = this.kept;
    const latency = event.latency_ms;
    if (kept.length < this.capacity) {
      let at = 0;
      while (at < kept.length && kept[at]!.latency_ms < latency) at++;
      kept.splice(at, 0, event);
      return;
    }
    // Drop the fastest, shift the faster ones down, put the event before any equal to it (earlier ones stay later
    // in this ascending array, so they come first when listed slowest first).
    let at = 1;
    while (at < kept.length && kept[at]!.latency_ms < latency) {
      kept[at - 1] = kept[at]!;
      at++;
    }
    kept[at - 1] = event;
  }

  /** The events kept, slowest first. */
  slowestFirst(): T[] {
    return this.kept.slice().reverse();
  }

  /** How many are kept. */
  get size(): number {
    return this.kept.length;
  }
}
