// Where the loop's time comes from: a simulated clock that only moves when told (deterministic runs)
// or the real, monotonic clock. The only engine module that reads the system's time.
import { performance } from 'node:perf_hooks';
import { LoopEngineError } from './errors.js';

/** `simulated` (deterministic) or `real`. */
export type ClockKind = 'simulated' | 'real';

/** The loop's time source. Times are milliseconds since the epoch. */
export interface Clock {
  /** Which kind of clock this is; the loop paces steps only under a `real` one. */
  readonly kind: ClockKind;
  /** Current time, ms since the epoch (fractional: microsecond resolution). Never goes back. */
  now(): number;
  /**
   * Waits until `timeMs` (returns at once if it is not in the future). A simulated clock jumps there;
   * a real clock sleeps. Resolves early, without throwing, when `signal` aborts.
   */
  sleepUntil(timeMs: number, signal?: AbortSignal): Promise<void>;
}

/** Latest start time of a {@link SimulatedClock}, ms: its microseconds must be a safe integer (2255-06-05). Internal. */
export const SIMULATED_CLOCK_MAX_MS = Number.MAX_SAFE_INTEGER / 1000;

/**
 * A clock that moves only when told to, in whole microseconds (so sums of latencies stay exact).
 * It only moves forward: asking it to go back throws `LOOP_ENGINE_CLOCK_BACKWARDS`.
 */
export class SimulatedClock implements Clock {
  /** Always `simulated`. */
  readonly kind = 'simulated' as const;
  #us: number;

  /**
   * @param startMs the first time the clock shows, ms since the epoch, from 0 to 9007199254740.991
   *   (2255-06-05: the clock counts microseconds in a safe integer); anything else throws
   *   `LOOP_ENGINE_CONFIG_INVALID`.
   */
  constructor(startMs: number) {
    const us = Math.round(startMs * 1000);
    if (!Number.isSafeInteger(us) || us < 0) {
      throw new LoopEngineError(
        'LOOP_ENGINE_CONFIG_INVALID',
        `startMs: a simulated clock starts from 0 to ${SIMULATED_CLOCK_MAX_MS} ms since the epoch (1970-01-01 to 2255-06-05), got ${startMs}`,
      );
    }
    this.#us = us;
  }

  /** The time the clock was last moved to, ms since the epoch (whole microseconds). */
  now(): number {
    return this.#us / 1000;
  }

  /** Moves the clock forward by `ms` (rounded to the microsecond). */
  advanceBy(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new LoopEngineError('LOOP_ENGINE_CLOCK_BACKWARDS', `SimulatedClock: cannot advance by ${ms} ms`);
    }
    this.#us += Math.round(ms * 1000);
  }

  /** Moves the clock to `timeMs`; throws if that is earlier than now. */
  advanceTo(timeMs: number): void {
    const us = Math.round(timeMs * 1000);
    if (!(us >= this.#us)) {
      throw new LoopEngineError(
        'LOOP_ENGINE_CLOCK_BACKWARDS',
        `SimulatedClock: cannot go back from ${this.now()} to ${timeMs}`,
      );
    }
    this.#us = us;
  }

  /** Jumps to `timeMs` if it is later than now (no waiting); resolves at once. */
  sleepUntil(timeMs: number): Promise<void> {
    if (timeMs > this.now()) this.advanceTo(timeMs);
    return Promise.resolve();
  }
}

/** The system's monotonic clock, anchored to the epoch at process start (`performance.timeOrigin`). */
export class RealClock implements Clock {
  /** Always `real`. */
  readonly kind = 'real' as const;

  /** Monotonic time since the epoch, ms, with sub-millisecond resolution. */
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  /** Sleeps until `timeMs`; resolves early, without throwing, when `signal` aborts. */
  sleepUntil(timeMs: number, signal?: AbortSignal): Promise<void> {
    const wait = timeMs - this.now();
    if (wait <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.ceil(wait));
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
