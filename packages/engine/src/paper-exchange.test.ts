import { describe, expect, it } from 'vitest';
import { isLoopEngineError } from './errors.js';
import type { Candle } from './feed.js';
import { OrderIdSequence } from './orders.js';
import { PaperExchange } from './paper-exchange.js';

const candle = (open: number, high: number, low: number, close: number): Candle => ({
  timeMs: 0,
  open,
  high,
  low,
  close,
  volume: 1,
});
const exchange = () =>
  new PaperExchange({ orderIds: new OrderIdSequence(42), slippageBps: 10, takerFeeBps: 5, makerFeeBps: 1 });

describe('PaperExchange: market orders', () => {
  it('fill at the next candle open, slipped against the order, paying the taker fee', () => {
    const ex = exchange();
    const b = ex.submit({ side: 'buy', type: 'market', quantity: 2 }, 1000);
    const s = ex.submit({ side: 'sell', type: 'market', quantity: 1 }, 1000);
    expect([b.id, s.id]).toEqual(['s42-1', 's42-2']);
    expect(ex.pendingQuantity('buy')).toBe(2);
    const fills = ex.match(candle(100, 120, 80, 110), 2000);
    expect(fills).toHaveLength(2);
    // buy: 100 * (1 + 10 bps) = 100.1; fee 100.1 * 2 * 5 bps = 0.1001
    expect(fills[0]).toMatchObject({
      orderId: 's42-1',
      side: 'buy',
      quantity: 2,
      liquidity: 'taker',
      timeMs: 2000,
    });
    expect(fills[0]!.price).toBeCloseTo(100.1, 12);
    expect(fills[0]!.fee).toBeCloseTo(0.1001, 12);
    // sell: 100 * (1 - 10 bps) = 99.9; fee 99.9 * 1 * 5 bps = 0.04995
    expect(fills[1]!.price).toBeCloseTo(99.9, 12);
    expect(fills[1]!.fee).toBeCloseTo(0.04995, 12);
    expect(ex.openOrders).toHaveLength(0);
    expect(ex.pendingQuantity('buy')).toBe(0);
  });
});

describe('PaperExchange: limit orders', () => {
  it('fill when the price crosses them, at the limit, paying the maker fee', () => {
    const ex = exchange();
    ex.submit({ side: 'buy', type: 'limit', quantity: 1, limitPrice: 95 }, 0);
    ex.submit({ side: 'sell', type: 'limit', quantity: 2, limitPrice: 105 }, 0);
    expect(ex.match(candle(100, 104.99, 95.01, 100), 1)).toEqual([]); // neither reached
    const buys = ex.match(candle(100, 101, 95, 96), 2); // low touches 95
    expect(buys).toEqual([
      { orderId: 's42-1', side: 'buy', quantity: 1, price: 95, fee: 0.0095, liquidity: 'maker', timeMs: 2 },
    ]);
    const sells = ex.match(candle(110, 112, 108, 111), 3); // opens through the limit: still filled at the limit
    expect(sells[0]).toMatchObject({ side: 'sell', quantity: 2, price: 105, liquidity: 'maker' });
    expect(sells[0]!.fee).toBeCloseTo(105 * 2 * 0.0001, 12);
    expect(ex.openOrders).toEqual([]);
  });

  it('rest until filled or cancelled', () => {
    const ex = exchange();
    ex.submit({ side: 'buy', type: 'limit', quantity: 1, limitPrice: 90 }, 0);
    ex.submit({ side: 'buy', type: 'limit', quantity: 3, limitPrice: 80 }, 0);
    ex.match(candle(100, 101, 89, 95), 1);
    expect(ex.openOrders.map((o) => o.quantity)).toEqual([3]);
    expect(ex.pendingQuantity('buy')).toBe(3);
    expect(ex.cancelAll()).toBe(1);
    expect(ex.pendingQuantity('buy')).toBe(0);
    expect(ex.match(candle(50, 60, 40, 55), 2)).toEqual([]);
  });

  it('refuses malformed orders with LOOP_ENGINE_ORDER_INVALID', () => {
    const ex = exchange();
    for (const order of [
      { side: 'buy', type: 'market', quantity: 0 },
      { side: 'buy', type: 'limit', quantity: 1 },
      { side: 'sell', type: 'limit', quantity: 1, limitPrice: -5 },
    ] as const) {
      try {
        ex.submit(order, 0);
        expect.unreachable();
      } catch (error) {
        expect(isLoopEngineError(error) && error.code).toBe('LOOP_ENGINE_ORDER_INVALID');
      }
    }
  });
});
