// The position stage: position, average entry, realized and unrealized PnL, fees and equity.
import { assertConfig } from './errors.js';
import type { Fill } from './orders.js';

/** The book after a step. */
export interface PositionSnapshot {
  /** Signed quantity: > 0 long, < 0 short. */
  position: number;
  /** Average entry price of the open position; 0 when flat. */
  averageEntry: number;
  /** PnL of closed quantity, before fees. */
  realizedPnl: number;
  /** PnL of the open position at the mark price. */
  unrealizedPnl: number;
  /** Fees of all booked fills, quote currency. */
  feesPaid: number;
  /** Initial cash - buys + sells - fees. */
  cash: number;
  /** Cash + position x mark = initial cash + realized + unrealized - fees. */
  equity: number;
  /** The last price the book was marked at. */
  markPrice: number;
}

/** Position accounting with average-cost entry. */
export class Portfolio {
  /** Cash at the start, quote currency. */
  readonly initialCash: number;
  #position = 0;
  #averageEntry = 0;
  #realized = 0;
  #fees = 0;
  #cash: number;
  #mark = 0;

  /** @param initialCash cash at the start, >= 0 (default 100000). */
  constructor(initialCash = 100_000) {
    assertConfig(initialCash >= 0 && Number.isFinite(initialCash), 'initialCash', 'must be >= 0');
    this.initialCash = initialCash;
    this.#cash = initialCash;
  }

  /** Signed position of the booked fills: > 0 long, < 0 short. */
  get position(): number {
    return this.#position;
  }

  /**
   * Books a fill. Adding to the position moves the average entry; reducing it realizes
   * (fill - entry) x closed quantity (sign of the position); going through zero opens the rest at the fill price.
   */
  apply(fill: Fill): void {
    const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
    const pos = this.#position;
    if (pos === 0 || Math.sign(pos) === Math.sign(signed)) {
      const size = Math.abs(pos) + fill.quantity;
      this.#averageEntry = (this.#averageEntry * Math.abs(pos) + fill.price * fill.quantity) / size;
      this.#position = pos + signed;
    } else {
      const closed = Math.min(fill.quantity, Math.abs(pos));
      this.#realized += closed * (fill.price - this.#averageEntry) * Math.sign(pos);
      let after = pos + signed;
      if (Math.abs(after) < 1e-12) after = 0;
      this.#position = after;
      if (after === 0) this.#averageEntry = 0;
      else if (Math.sign(after) !== Math.sign(pos)) this.#averageEntry = fill.price;
    }
    this.#fees += fill.fee;
    this.#cash -= signed * fill.price + fill.fee;
  }

  /** Marks the open position at `price`. */
  mark(price: number): void {
    this.#mark = price;
  }

  /** Realized + unrealized - fees. */
  pnl(): number {
    return this.#realized + this.#unrealized() - this.#fees;
  }

  /** The book now, marked at the last `mark()` price. */
  snapshot(): PositionSnapshot {
    return {
      position: this.#position,
      averageEntry: this.#averageEntry,
      realizedPnl: this.#realized,
      unrealizedPnl: this.#unrealized(),
      feesPaid: this.#fees,
      cash: this.#cash,
      equity: this.#cash + this.#position * this.#mark,
      markPrice: this.#mark,
    };
  }

  #unrealized(): number {
    return this.#position === 0 ? 0 : (this.#mark - this.#averageEntry) * this.#position;
  }
}
