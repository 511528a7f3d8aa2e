import { describe, expect, it } from 'vitest';
import { RealClock, SimulatedClock } from './clock.js';
import { isLoopEngineError } from './errors.js';

describe('SimulatedClock', () => {
  it('moves only when told, in exact microseconds', () => {
    const clock = new SimulatedClock(1_704_067_200_000);
    expect(clock.now()).toBe(1_704_067_200_000);
    clock.advanceBy(0.123);
    clock.advanceBy(0.877);
    expect(clock.now()).toBe(1_704_067_200_001);
    clock.advanceTo(1_704_067_201_000);
    expect(clock.now()).toBe(1_704_067_201_000);
    clock.advanceTo(1_704_067_201_000); // staying put is fine
  });

  it('throws LOOP_ENGINE_CLOCK_BACKWARDS when asked to go back', () => {
    const clock = new SimulatedClock(1000);
    clock.advanceBy(5);
    for (const move of [
      () => clock.advanceTo(1004),
      () => clock.advanceBy(-1),
      () => clock.advanceBy(Number.NaN),
    ]) {
      try {
        move();
        expect.unreachable();
      } catch (error) {
        expect(isLoopEngineError(error) && error.code).toBe('LOOP_ENGINE_CLOCK_BACKWARDS');
      }
    }
    expect(clock.now()).toBe(1005);
  });

  it('sleepUntil jumps forward at once and ignores times in the past', async () => {
    const clock = new SimulatedClock(1000);
    await clock.sleepUntil(61_000);
    expect(clock.now()).toBe(61_000);
    await clock.sleepUntil(5);
    expect(clock.now()).toBe(61_000);
  });
});

describe('RealClock', () => {
  it('is monotonic and near the epoch time', () => {
    const clock = new RealClock();
    let last = clock.now();
    for (let i = 0; i < 1000; i++) {
      const t = clock.now();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(5_000);
  });

  it('sleeps until a time, and wakes early when the signal aborts', async () => {
    const clock = new RealClock();
    const start = clock.now();
    await clock.sleepUntil(start + 30);
    expect(clock.now() - start).toBeGreaterThanOrEqual(29);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 10);
    const t0 = clock.now();
    await clock.sleepUntil(t0 + 10_000, stop.signal);
    expect(clock.now() - t0).toBeLessThan(5_000);
  });
});
