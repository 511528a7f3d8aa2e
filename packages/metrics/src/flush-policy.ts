// When a loop step's NDJSON lines go to disk: the durability policy (a pure decision, clock injected).
import { MetricsError } from './errors.js';

/**
 * How often {@link MetricsRecorder.endStep} writes the batch to the file; it decides what a SIGKILL can lose
 * (a clean exit, SIGINT or SIGTERM loses nothing in any mode):
 * - `step`: at the end of every step. A SIGKILL loses at most the step in progress.
 * - `interval`: at the end of the first step that comes {@link FLUSH_INTERVAL_MS} ms (real time) or more
 *   after the last flush, and from a timer while the loop waits. A SIGKILL loses at most the steps of the
 *   last 100 ms plus the step in progress (when the event loop is not blocked longer than that).
 * - `batch`: every {@link FLUSH_BATCH_STEPS} steps, and whenever the 64 KiB buffer fills. A SIGKILL loses
 *   at most the last 1,000 steps (the step in progress included).
 *
 * The files' bytes do not depend on the mode: a seeded simulated run writes the same files in each.
 */
export type FlushMode = 'step' | 'interval' | 'batch';

/** Every flush mode, in the order `--help` lists them. */
export const FLUSH_MODES = ['step', 'interval', 'batch'] as const satisfies readonly FlushMode[];

/** `interval` mode: the most real time, in ms, between two flushes while steps end. */
export const FLUSH_INTERVAL_MS = 100;

/** `batch` mode: the most steps between two flushes. */
export const FLUSH_BATCH_STEPS = 1000;

/** Options of {@link StepFlushPolicy}. */
export interface StepFlushPolicyOptions {
  /** `interval` mode: ms between flushes; default {@link FLUSH_INTERVAL_MS}. */
  intervalMs?: number;
  /** `batch` mode: steps between flushes; default {@link FLUSH_BATCH_STEPS}. */
  batchSteps?: number;
  /** A monotonic clock in ms (`interval` mode); default `performance.now`. */
  now?: () => number;
}

/** Decides, at the end of each step, whether the batch is flushed now. */
export class StepFlushPolicy {
  readonly mode: FlushMode;
  private readonly intervalMs: number;
  private readonly batchSteps: number;
  private readonly now: () => number;
  private stepsSinceFlush = 0;
  private lastFlushMs: number;

  constructor(mode: FlushMode, options: StepFlushPolicyOptions = {}) {
    if (!(FLUSH_MODES as readonly string[]).includes(mode)) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        `flush mode must be one of ${FLUSH_MODES.join(', ')}, got ${String(mode)}`,
        { context: { option: 'flush' } },
      );
    }
    this.mode = mode;
    this.intervalMs = options.intervalMs ?? FLUSH_INTERVAL_MS;
    this.batchSteps = options.batchSteps ?? FLUSH_BATCH_STEPS;
    this.now = options.now ?? (() => performance.now());
    this.lastFlushMs = mode === 'interval' ? this.now() : 0;
  }

  /** A step ended: true if the batch should be written now. */
  stepEnded(): boolean {
    if (this.mode === 'step') return true;
    if (this.mode === 'batch') {
      if (++this.stepsSinceFlush < this.batchSteps) return false;
      this.stepsSinceFlush = 0;
      return true;
    }
    const now = this.now();
    if (now - this.lastFlushMs < this.intervalMs) return false;
    this.lastFlushMs = now;
    return true;
  }

  /** The batch was written for another reason (timer, full buffer): the count starts again. */
  flushed(): void {
    this.stepsSinceFlush = 0;
    if (this.mode === 'interval') this.lastFlushMs = this.now();
  }
}
