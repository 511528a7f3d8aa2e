import { describe, expect, it } from 'vitest';
import type { Fill } from './orders.js';
import { Portfolio } from './portfolio.js';

const fill = (side: Fill['side'], quantity: number, price: number, fee: number): Fill => ({
  orderId: 'x',
  side,
  quantity,
  price,
  fee,
  liquidity: 'taker',
  timeMs: 0,
});

describe('Portfolio: hand-worked case', () => {
  it('tracks position, average entry, realized and unrealized PnL, fees, cash and equity', () => {
    const book = new Portfolio(1000);
    book.apply(fill('buy', 2, 100, 0.1)); // long 2 @ 100; cash 1000 - 200 - 0.1
    book.apply(fill('buy', 1, 130, 0.05)); // long 3 @ (200 + 130) / 3 = 110
    book.mark(120);
    let s = book.snapshot();
    expect(s.position).toBe(3);
    expect(s.averageEntry).toBeCloseTo(110, 12);
    expect(s.realizedPnl).toBe(0);
    expect(s.unrealizedPnl).toBeCloseTo(30, 12); // (120 - 110) * 3
    expect(s.feesPaid).toBeCloseTo(0.15, 12);
    expect(s.cash).toBeCloseTo(669.85, 9);
    expect(s.equity).toBeCloseTo(1029.85, 9); // 1000 + 0 + 30 - 0.15

    book.apply(fill('sell', 1, 125, 0.05)); // realizes (125 - 110) * 1 = 15; entry stays 110
    s = book.snapshot();
    expect(s.position).toBe(2);
    expect(s.averageEntry).toBeCloseTo(110, 12);
    expect(s.realizedPnl).toBeCloseTo(15, 12);

    book.apply(fill('sell', 4, 105, 0.2)); // closes 2: (105 - 110) * 2 = -10; opens short 2 @ 105
    book.mark(100);
    s = book.snapshot();
    expect(s.position).toBe(-2);
    expect(s.averageEntry).toBe(105);
    expect(s.realizedPnl).toBeCloseTo(5, 12);
    expect(s.unrealizedPnl).toBeCloseTo(10, 12); // (100 - 105) * -2
    expect(s.feesPaid).toBeCloseTo(0.4, 12);
    expect(s.cash).toBeCloseTo(1214.6, 9);
    expect(s.equity).toBeCloseTo(1014.6, 9); // 1000 + 5 + 10 - 0.4
    expect(book.pnl()).toBeCloseTo(14.6, 9);

    book.apply(fill('buy', 2, 90, 0)); // covers the short: (90 - 105) * 2 * -1 = +30
    s = book.snapshot();
    expect(s).toMatchObject({ position: 0, averageEntry: 0, unrealizedPnl: 0 });
    expect(s.realizedPnl).toBeCloseTo(35, 12);
    expect(s.equity).toBeCloseTo(1034.6, 9); // 1000 + 35 - 0.4
    expect(s.equity).toBeCloseTo(s.cash, 9);
  });

  it('keeps equity = initial cash + realized + unrealized - fees through random fills', () => {
    const book = new Portfolio(10_000);
    let price = 100;
    for (let i = 0; i < 200; i++) {
      price += ((i * 7919) % 13) - 6;
      book.apply(fill(i % 3 === 0 ? 'sell' : 'buy', 1 + (i % 4), price, 0.01 * (i % 5)));
      book.mark(price + 1);
      const s = book.snapshot();
      expect(s.equity).toBeCloseTo(10_000 + s.realizedPnl + s.unrealizedPnl - s.feesPaid, 6);
    }
  });
});
