// Groups a run's event stream into steps (the events sharing a step number, in file order), with lifetimes.
import type { ReadEvent } from '@loop/metrics';
import { startsNewLifetime } from '@loop/run-dir';

/** The events of one step, as read. */
export interface StepGroup {
  /** 1-based process lifetime (a step number going back starts a new one). */
  lifetime: number;
  step: number;
  /** The step's events in file order (at most `maxEventsPerStep`; `eventCount` counts them all). */
  events: ReadEvent[];
  eventCount: number;
}

/**
 * Pulls step groups from an event stream, one event of lookahead. Each event is also handed to `onEvent`
 * (the caller's metrics collector), so one pass serves both. Memory: one step's events.
 */
export class StepReader {
  private readonly iterator: AsyncIterator<ReadEvent>;
  private pending: ReadEvent | undefined;
  private done = false;
  private lifetime = 0;
  private lastStep: number | null = null;

  constructor(
    events: AsyncIterable<ReadEvent>,
    private readonly onEvent: (event: ReadEvent) => void = () => {},
    private readonly maxEventsPerStep = 256,
  ) {
    this.iterator = events[Symbol.asyncIterator]();
  }

  /** The next step, or undefined at the end of the run. */
  async next(): Promise<StepGroup | undefined> {
    const first = this.pending ?? (await this.pull());
    this.pending = undefined;
    if (first === undefined) return undefined;
    const step = first.event.step;
    if (startsNewLifetime(this.lastStep, step)) this.lifetime += 1;
    this.lastStep = step;
    const group: StepGroup = { lifetime: this.lifetime, step, events: [first], eventCount: 1 };
    for (;;) {
      const next = await this.pull();
      if (next === undefined) break;
      if (next.event.step !== step) {
        this.pending = next;
        break;
      }
      group.eventCount += 1;
      if (group.events.length < this.maxEventsPerStep) group.events.push(next);
    }
    return group;
  }

  /** Reads the rest of the stream (feeding `onEvent`) without grouping it. */
  async drain(): Promise<void> {
    this.pending = undefined;
    while ((await this.pull()) !== undefined);
  }

  /** Stops reading early (closes the stream's files); safe to call twice. */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }

  private async pull(): Promise<ReadEvent | undefined> {
    if (this.done) return undefined;
    const result = await this.iterator.next();
    if (result.done) {
      this.done = true;
      return undefined;
    }
    this.onEvent(result.value);
    return result.value;
  }
}
