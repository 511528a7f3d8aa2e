// The slowest events of each stage in the latest process lifetime of the files, each with where it was read and
// its step's lines (every stage of that step): the page's "Slowest events" behind a stage's max and p99.
// Bounded: K events per stage, at most MAX_STEP_LINES lines per step; nothing is allocated per event once K are
// kept, except when an event beats the K-th slowest.
import type { StageEventLine } from '@loop/metrics';
import type { SlowStepEvent, TailEvent } from './history-rows.js';

/** Lines of one step kept with a slow event (a step has one line per stage; more are counted, not kept). */
export const MAX_STEP_LINES = 16;

/**
 * One step's lines as read, shared by every kept event of that step. The arrays are reused from step to step
 * while no kept event points at them: only the first `count` entries are this step's (the rest are left over
 * from an earlier step, at most MAX_STEP_LINES references, overwritten as the step goes on).
 */
class StepLines {
  readonly events: StageEventLine[] = [];
  readonly files: string[] = [];
  readonly lines: number[] = [];
  count = 0;
  omitted = 0;
  /** A kept event points at these lines: the next step needs new ones. */
  referenced = false;

  push(event: StageEventLine, file: string, line: number): void {
    const at = this.count;
    if (at === MAX_STEP_LINES) {
      this.omitted += 1;
      return;
    }
    this.events[at] = event;
    this.files[at] = file;
    this.lines[at] = line;
    this.count = at + 1;
  }

  clear(): void {
    this.count = 0;
    this.omitted = 0;
  }
}

interface KeptEvent {
  event: StageEventLine;
  file: string;
  line: number;
  step: StepLines;
}

/**
 * Per stage, the `capacity` slowest events of the current lifetime (reset by {@link startLifetime}), earlier
 * first among equal latencies, as `@loop/metrics` keeps them in the summary's `slowest_by_stage`.
 */
export class SlowestSteps {
  /** stage -> kept events, ascending by latency (the first is the one a new event must beat). */
  readonly #byStage = new Map<string, KeptEvent[]>();
  #step = new StepLines();
  #lifetime = 0;

  constructor(readonly capacity: number) {}

  /** Events after this belong to lifetime `number`: what was kept is dropped. */
  startLifetime(number: number): void {
    this.#lifetime = number;
    this.#byStage.clear();
    this.#newStep();
  }

  /** Takes the next event in file order; `newStep` when it starts a step (as the lifetime boundary decides). */
  add(event: StageEventLine, file: string, line: number, newStep: boolean): void {
    if (this.capacity === 0) return;
    if (newStep) this.#newStep();
    const step = this.#step;
    step.push(event, file, line);
    let kept = this.#byStage.get(event.stage);
    if (kept === undefined) {
      kept = [];
      this.#byStage.set(event.stage, kept);
    }
    const latency = event.latency_ms;
    if (kept.length === this.capacity && !(latency > kept[0]!.event.latency_ms)) return;
    step.referenced = true;
    const entry: KeptEvent = { event, file, line, step };
    // Insert before the first slower one, after any equal (earlier events stay later in this ascending array,
    // so they come first when listed slowest first); drop the fastest when full.
    let at = 0;
    while (at < kept.length && kept[at]!.event.latency_ms < latency) at += 1;
    kept.splice(at, 0, entry);
    if (kept.length > this.capacity) kept.shift();
  }

  /** Per stage (first seen first), the kept events, slowest first, each with its step's lines in file order. */
  rows(): Array<{ stage: string; events: SlowStepEvent[] }> {
    const out: Array<{ stage: string; events: SlowStepEvent[] }> = [];
    for (const [stage, kept] of this.#byStage) {
      if (kept.length === 0) continue;
      const events: SlowStepEvent[] = [];
      for (let i = kept.length - 1; i >= 0; i--) events.push(this.#row(kept[i]!));
      out.push({ stage, events });
    }
    return out;
  }

  #row(kept: KeptEvent): SlowStepEvent {
    const step = kept.step;
    const stepLines: TailEvent[] = [];
    for (let i = 0; i < step.count; i++)
      stepLines.push(tailEvent(step.events[i]!, step.files[i]!, step.lines[i]!));
    return {
      ...tailEvent(kept.event, kept.file, kept.line),
      lifetime: this.#lifetime,
      stepLines,
      stepLinesOmitted: step.omitted,
    };
  }

  #newStep(): void {
    if (this.#step.referenced) this.#step = new StepLines();
    else this.#step.clear();
  }
}

/** An event's row as the tail and the slowest steps list it (without its attrs), with where it was read. */
export function tailEvent(event: StageEventLine, file: string, line: number): TailEvent {
  const row: TailEvent = {
    ts: event.ts,
    step: event.step,
    stage: event.stage,
    outcome: event.outcome,
    latency_ms: event.latency_ms,
    file,
    line,
  };
  if (event.reason !== undefined) row.reason = event.reason;
  if (event.detail !== undefined) row.detail = event.detail;
  return row;
}
