import { describe, expect, it } from 'vitest';
import type { Candle } from './feed.js';
import type { Order } from './orders.js';
import { MovingAverageCrossover, type MovingAverageCrossoverOptions } from './strategy.js';

const at = (close: number, i: number): Candle => ({
  timeMs: i,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
});

/** Feeds closes; returns the last decision, with position and open orders as given. */
function decideAfter(
  options: MovingAverageCrossoverOptions,
  closes: number[],
  position = 0,
  openOrders: Order[] = [],
) {
  const strategy = new MovingAverageCrossover(options);
  let decision = strategy.decide({ step: 1, candle: at(closes[0]!, 0), position, openOrders });
  for (let i = 1; i < closes.length; i++) {
    decision = strategy.decide({ step: i + 1, candle: at(closes[i]!, i), position, openOrders });
  }
  return decision;
}

const rising = [1, 2, 3, 4, 5, 6];
const falling = [6, 5, 4, 3, 2, 1];
const opts = { fastPeriod: 2, slowPeriod: 4, quantity: 1 };

describe('MovingAverageCrossover', () => {
  it('waits for slowPeriod closes', () => {
    expect(decideAfter(opts, [1, 2, 3]).orders).toEqual([]);
  });

  it('targets +quantity above and -quantity below, ordering the difference to the position', () => {
    expect(decideAfter(opts, rising).orders).toEqual([{ side: 'buy', type: 'market', quantity: 1 }]);
    expect(decideAfter(opts, rising, 1).orders).toEqual([]);
    expect(decideAfter(opts, falling, 1).orders).toEqual([{ side: 'sell', type: 'market', quantity: 2 }]);
    expect(decideAfter({ ...opts, allowShort: false }, falling, 1).orders).toEqual([
      { side: 'sell', type: 'market', quantity: 1 },
    ]);
  });

  it('counts open orders, and cancels them when the target moves', () => {
    const pendingBuy: Order = { id: 'a', side: 'buy', type: 'market', quantity: 1, submittedMs: 0 };
    expect(decideAfter(opts, rising, 0, [pendingBuy])).toEqual({ orders: [] });
    expect(decideAfter(opts, falling, 0, [pendingBuy])).toEqual({
      orders: [{ side: 'sell', type: 'market', quantity: 1 }],
      cancelOpenOrders: true,
    });
  });

  it('places limit orders on the passive side of the close', () => {
    const decision = decideAfter({ ...opts, orderType: 'limit', limitOffsetBps: 10 }, [10, 10, 10, 10, 20]);
    expect(decision.orders).toEqual([{ side: 'buy', type: 'limit', quantity: 1, limitPrice: 19.98 }]);
  });

  it('refuses a slow period that is not above the fast one', () => {
    expect(() => new MovingAverageCrossover({ fastPeriod: 5, slowPeriod: 5 })).toThrow(/slowPeriod/);
  });
});
