import { describe, expect, it } from 'vitest';
import { SimulatedClock } from './clock.js';
import { isLoopEngineError } from './errors.js';
import { GapCounter } from './feed.js';
import type { OrderIdSequence } from './orders.js';
import { PaperExchange } from './paper-exchange.js';
import { TokenBucket } from './risk.js';
import { Rng } from './rng.js';
import { createLoop, type LoopConfig, runLoop } from './run-loop.js';

/** The code and message of what `run` throws. */
function thrown(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(isLoopEngineError(error), String(error)).toBe(true);
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
  throw new Error('expected a LoopEngineError');
}

describe('createLoop: bad config', () => {
  it('throws LOOP_ENGINE_CONFIG_INVALID naming the option, never a plain RangeError or TypeError', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ seed: 1.5 }, /^seed: must be a safe integer, got 1\.5$/],
      [{ seed: Number.NaN }, /^seed: /],
      [{ seed: '42' }, /^seed: /],
      [{}, /^seed: /],
      [{ seed: 1, clock: 'wall' }, /^clock: /],
      [{ seed: 1, clock: {} }, /^clock: /],
      [{ seed: 1, feed: { startMs: 0 } }, /^feed: /],
      [{ seed: 1, strategy: 'ma' }, /^strategy: /],
      [{ seed: 1, strategy: { name: 'x', decide: 1 } }, /^strategy: /],
      [{ seed: 1, risk: 5 }, /^risk: /],
      [{ seed: 1, exchange: 'paper' }, /^exchange: /],
      [{ seed: 1, stepIntervalMs: 0 }, /^stepIntervalMs: must be > 0$/],
      [{ seed: 1, simulatedLatencyMs: -1 }, /^simulatedLatencyMs: must be > 0$/],
      [{ seed: 1, maxConsecutiveErrors: 0 }, /^maxConsecutiveErrors: /],
      [{ seed: 1, faultRate: 2 }, /^faultRate: /],
      [{ seed: 1, initialCash: -1 }, /^initialCash: /],
      [{ seed: 1, risk: { maxPosition: 0 } }, /^maxPosition: /],
      [{ seed: 1, strategy: { fastPeriod: 0 } }, /^fastPeriod: /],
      [{ seed: 1, exchange: { takerFeeBps: Number.NaN } }, /^takerFeeBps: /],
    ];
    for (const [config, message] of cases) {
      const error = thrown(() => createLoop(config as unknown as LoopConfig));
      expect(error.code, JSON.stringify(config)).toBe('LOOP_ENGINE_CONFIG_INVALID');
      expect(error.message).toMatch(message);
    }
    expect(thrown(() => createLoop(undefined as unknown as LoopConfig)).message).toMatch(/^config: /);
  });

  it('names the feed when a simulated clock cannot start at its first candle', () => {
    const feed = {
      kind: 'replay' as const,
      intervalMs: 60_000,
      startMs: 8.64e15,
      next: () => undefined,
      stats: () => ({ candles: 0, gaps: 0, missingIntervals: 0, skippedRows: 0 }),
    };
    expect(thrown(() => createLoop({ seed: 1, feed })).message).toMatch(
      /^feed: starts at 8640000000000000 ms/,
    );
    expect(createLoop({ seed: 1, feed, clock: 'real' }).feed).toBe(feed);
  });

  it('the parts refuse bad values with the coded error too', () => {
    for (const [run, option] of [
      [() => new Rng(1.5), 'seed'],
      [() => new SimulatedClock(-1), 'startMs'],
      [() => new GapCounter(0), 'intervalMs'],
      [() => new TokenBucket(Number.NaN, 5), 'ratePerSecond'],
      [() => new TokenBucket(5, 0), 'capacity'],
      [() => new PaperExchange({} as { orderIds: OrderIdSequence }), 'orderIds'],
    ] as const) {
      const error = thrown(run);
      expect(error.code).toBe('LOOP_ENGINE_CONFIG_INVALID');
      expect(error.message.startsWith(`${option}: `), error.message).toBe(true);
    }
  });
});

describe('runLoop: what it throws', () => {
  it('rejects with LOOP_ENGINE_CONFIG_INVALID for a bad maxSteps, stepIntervalMs or maxConsecutiveErrors', async () => {
    const setup = createLoop({ seed: 1 });
    for (const [options, option] of [
      [{ maxSteps: -1 }, 'maxSteps'],
      [{ maxSteps: 1.5 }, 'maxSteps'],
      [{ maxSteps: 1, stepIntervalMs: 0 }, 'stepIntervalMs'],
      [{ maxSteps: 1, maxConsecutiveErrors: 0 }, 'maxConsecutiveErrors'],
    ] as const) {
      await expect(runLoop({ ...setup, ...options })).rejects.toMatchObject({
        code: 'LOOP_ENGINE_CONFIG_INVALID',
        message: expect.stringMatching(new RegExp(`^${option}: `)),
      });
    }
  });
});
