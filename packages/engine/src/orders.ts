// Orders and fills: what the strategy asks for, what the paper exchange holds and what it fills.

/** `buy` or `sell`. */
export type OrderSide = 'buy' | 'sell';
/** `market` fills at the next price (taker); `limit` fills when the price crosses it, at the limit (maker). */
export type OrderType = 'market' | 'limit';

/** An order as the strategy asks for it. */
export interface OrderRequest {
  /** Buy or sell. */
  side: OrderSide;
  /** Market (fills at the next open, taker) or limit (fills at the limit, maker). */
  type: OrderType;
  /** Always > 0, in units of the traded asset. */
  quantity: number;
  /** Required for `limit` orders. */
  limitPrice?: number;
}

/** An order the exchange accepted and holds until it fills or is cancelled. */
export interface Order extends OrderRequest {
  /** Seeded order id (`s42-1`), unique in a run. */
  id: string;
  /** Clock time at which the exchange took it. */
  submittedMs: number;
}

/** A fill of a whole order (the paper exchange does not fill partially). */
export interface Fill {
  /** Id of the order this fill completes. */
  orderId: string;
  /** The order's side. */
  side: OrderSide;
  /** The order's whole quantity (> 0). */
  quantity: number;
  /** Fill price in quote currency, slippage included. */
  price: number;
  /** Fee paid, in quote currency (taker fee for market orders, maker fee for limit orders). */
  fee: number;
  /** `taker` for a market order, `maker` for a limit order. */
  liquidity: 'maker' | 'taker';
  /** Clock time of the exec stage that filled it, ms since the epoch. */
  timeMs: number;
}

/** Order ids from the seed and a counter: `s42-1`, `s42-2`, ... The same seed gives the same ids. */
export class OrderIdSequence {
  readonly #prefix: string;
  #count = 0;

  /** @param seed the run's seed; ids are `s<seed>-<n>`, n from 1. */
  constructor(seed: number) {
    this.#prefix = `s${seed}-`;
  }

  /** The next id: `s<seed>-1`, `s<seed>-2`, ... */
  next(): string {
    this.#count++;
    return this.#prefix + this.#count;
  }
}

/** +1 for a buy, -1 for a sell. */
export function sideSign(side: OrderSide): 1 | -1 {
  return side === 'buy' ? 1 : -1;
}
