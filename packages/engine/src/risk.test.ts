import { describe, expect, it } from 'vitest';
import type { OrderRequest } from './orders.js';
import { formatRejection, type RiskContext, RiskManager, TokenBucket } from './risk.js';

const buy = (quantity: number, limitPrice?: number): OrderRequest =>
  limitPrice === undefined
    ? { side: 'buy', type: 'market', quantity }
    : { side: 'buy', type: 'limit', quantity, limitPrice };
const sell = (quantity: number): OrderRequest => ({ side: 'sell', type: 'market', quantity });
const ctx = (over: Partial<RiskContext> = {}): RiskContext => ({
  nowMs: 0,
  position: 0,
  pendingBuy: 0,
  pendingSell: 0,
  price: 100,
  lastPrice: 100,
  ...over,
});
const wide = {
  maxPosition: 100,
  maxNotionalPerOrder: 1e9,
  maxOrdersPerSecond: 1000,
  orderBurst: 1000,
  priceBandBps: 10_000,
};

describe('RiskManager: each reason', () => {
  it('accepts an order inside every limit', () => {
    expect(new RiskManager().check(buy(1), ctx())).toBeNull();
  });

  it('MAX_POSITION counts the position and open orders on the same side', () => {
    const risk = new RiskManager({ ...wide, maxPosition: 2 });
    const rejection = risk.check(buy(1), ctx({ position: 2 }));
    expect(rejection).toEqual({ reason: 'MAX_POSITION', detail: 'position=3 limit=2' });
    expect(formatRejection(rejection!)).toBe('MAX_POSITION: position=3 limit=2');
    expect(risk.check(buy(1), ctx({ position: 1, pendingBuy: 1 }))?.reason).toBe('MAX_POSITION');
    expect(risk.check(buy(1), ctx({ position: 1, pendingSell: 5 }))).toBeNull();
    expect(risk.check(sell(4), ctx({ position: 2 }))).toBeNull(); // 2 - 4 = -2: at the limit
    expect(risk.check(sell(5), ctx({ position: 2 }))).toEqual({
      reason: 'MAX_POSITION',
      detail: 'position=-3 limit=2',
    });
  });

  it('MAX_NOTIONAL uses the limit price, or the current price for a market order', () => {
    const risk = new RiskManager({ ...wide, maxNotionalPerOrder: 500 });
    expect(risk.check(buy(10), ctx())).toEqual({ reason: 'MAX_NOTIONAL', detail: 'notional=1000 limit=500' });
    expect(risk.check(buy(5), ctx())).toBeNull();
    expect(risk.check(buy(5, 100.5), ctx())?.detail).toBe('notional=502.5 limit=500');
  });

  it('MAX_ORDER_RATE: a token bucket on clock time, used only by accepted orders', () => {
    const risk = new RiskManager({ ...wide, maxNotionalPerOrder: 150, maxOrdersPerSecond: 2, orderBurst: 2 });
    expect(risk.check(buy(1), ctx({ nowMs: 1000 }))).toBeNull();
    expect(risk.check(buy(2), ctx({ nowMs: 1000 }))?.reason).toBe('MAX_NOTIONAL'); // refused before the bucket
    expect(risk.check(buy(1), ctx({ nowMs: 1000 }))).toBeNull();
    expect(risk.check(buy(1), ctx({ nowMs: 1000 }))).toEqual({
      reason: 'MAX_ORDER_RATE',
      detail: 'rate=2/s burst=2',
    });
    expect(risk.check(buy(1), ctx({ nowMs: 1400 }))?.reason).toBe('MAX_ORDER_RATE'); // 0.8 tokens
    expect(risk.check(buy(1), ctx({ nowMs: 1500 }))).toBeNull(); // 1 token after 500 ms
  });

  it('PRICE_BAND compares the order price with the last price', () => {
    const risk = new RiskManager({ ...wide, priceBandBps: 50 });
    expect(risk.check(buy(1), ctx({ price: 101, lastPrice: 100 }))).toEqual({
      reason: 'PRICE_BAND',
      detail: 'price=101 last=100 move_bps=100 limit_bps=50',
    });
    expect(risk.check(buy(1), ctx({ price: 100.5, lastPrice: 100 }))).toBeNull(); // 50 bps: on the band
    expect(risk.check(buy(1, 99), ctx({ price: 100, lastPrice: 100 }))?.reason).toBe('PRICE_BAND');
    expect(risk.check(buy(1), ctx({ price: 150, lastPrice: undefined }))).toBeNull(); // first step: no last price
  });

  it('TRADING_HALTED refuses everything; INVALID_ORDER catches bad quantities and limit prices', () => {
    const risk = new RiskManager(wide);
    expect(risk.check(buy(0), ctx())).toEqual({ reason: 'INVALID_ORDER', detail: 'quantity=0' });
    expect(risk.check(buy(Number.NaN), ctx())?.reason).toBe('INVALID_ORDER');
    expect(risk.check({ side: 'buy', type: 'limit', quantity: 1 }, ctx())).toEqual({
      reason: 'INVALID_ORDER',
      detail: 'limit_price=undefined',
    });
    risk.setTradingState('HALTED', 'operator');
    expect(risk.tradingState).toBe('HALTED');
    expect(risk.check(sell(1), ctx({ position: 1 }))).toEqual({
      reason: 'TRADING_HALTED',
      detail: 'state=HALTED (operator)',
    });
  });

  it('TRADING_REDUCING takes only orders that shrink the position without flipping it', () => {
    const risk = new RiskManager(wide);
    risk.setTradingState('REDUCING', 'operator');
    expect(risk.check(buy(1), ctx({ position: 2 }))).toEqual({
      reason: 'TRADING_REDUCING',
      detail: 'position=2 order=buy 1',
    });
    expect(risk.check(sell(1), ctx({ position: 2 }))).toBeNull();
    expect(risk.check(sell(2), ctx({ position: 2 }))).toBeNull();
    expect(risk.check(sell(3), ctx({ position: 2 }))?.reason).toBe('TRADING_REDUCING');
    expect(risk.check(buy(1), ctx({ position: 0 }))?.reason).toBe('TRADING_REDUCING');
    expect(risk.check(buy(1), ctx({ position: -3 }))).toBeNull();
  });

  it('goes from ACTIVE to REDUCING when the loss reaches maxLoss', () => {
    const risk = new RiskManager({ maxLoss: 100 });
    risk.observePnl(-99.99);
    expect(risk.tradingState).toBe('ACTIVE');
    risk.observePnl(-100);
    expect(risk.tradingState).toBe('REDUCING');
    expect(risk.tradingStateReason).toBe('MAX_LOSS: pnl=-100 limit=-100');
    new RiskManager().observePnl(-1e12); // no maxLoss: nothing happens
  });

  it('refuses limits out of range', () => {
    expect(() => new RiskManager({ maxPosition: 0 })).toThrow('maxPosition: must be > 0');
    expect(() => new RiskManager({ orderBurst: 0.5 })).toThrow('orderBurst');
  });
});

describe('TokenBucket', () => {
  it('starts full, refills at the rate, and never holds more than its capacity', () => {
    const bucket = new TokenBucket(10, 3);
    expect([0, 0, 0, 0].map((t) => bucket.tryTake(t))).toEqual([true, true, true, false]);
    expect(bucket.tryTake(100)).toBe(true); // 1 token after 100 ms at 10/s
    expect(bucket.tryTake(100)).toBe(false);
    expect([10_000, 10_000, 10_000, 10_000].map((t) => bucket.tryTake(t))).toEqual([true, true, true, false]);
  });
});
