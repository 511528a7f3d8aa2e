// A fixed-size ring of recent stage events with where each was read from; allocates nothing per event.
import type { StageEventLine } from '@loop/metrics';
import type { TailEvent } from './history-rows.js';
import { tailEvent } from './slowest-steps.js';

/** The last `capacity` events pushed, oldest first on read. Keeps the parsed event: do not mutate it. */
export class EventRing {
  readonly #events: Array<StageEventLine | undefined>;
  readonly #files: string[];
  readonly #lines: Int32Array;
  #next = 0;
  #pushed = 0;

  constructor(capacity: number) {
    const size = Math.max(0, capacity);
    this.#events = new Array(size);
    this.#files = new Array(size);
    this.#lines = new Int32Array(size);
  }

  push(event: StageEventLine, file: string, line: number): void {
    const capacity = this.#events.length;
    if (capacity === 0) return;
    const at = this.#next;
    this.#events[at] = event;
    this.#files[at] = file;
    this.#lines[at] = line;
    this.#next = at + 1 === capacity ? 0 : at + 1;
    this.#pushed += 1;
  }

  /** The events held, oldest first, as plain rows. */
  rows(): TailEvent[] {
    const capacity = this.#events.length;
    const out: TailEvent[] = [];
    const take = Math.min(capacity, this.#pushed);
    for (let i = take; i > 0; i--) {
      const at = (this.#next - i + capacity) % capacity;
      const event = this.#events[at];
      if (event === undefined) continue;
      const row = tailEvent(event, this.#files[at]!, this.#lines[at]!);
      if (event.attrs !== undefined) row.attrs = { ...event.attrs };
      out.push(row);
    }
    return out;
  }
}
