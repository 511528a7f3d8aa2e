// Orders and fills: what the strategy asks for, what the paper exchange holds and what it fills.

/** `buy` or `sell`. */
export type OrderSide = 'buy' | 'sell';
/** `market` fills at the next price (taker); `limit` fills when the price crosses it, at the limit (maker). */
export type OrderType = 'market' | 'limit';

/** An order as the strategy asks for it. */
export interface OrderRequest {
  side: OrderSide;
  type: OrderType;
  /** Always > 0, in units of the traded asset. */
  quantity: number;
  /** Required for `limit` orders. */
  limitPrice?: number;
}

/** An order the exchange accepted and holds until it fills or is cancelled. */
export interface Order extends OrderRequest {
  id: string;
  /** Clock time at which the exchange took it. */
  submittedMs: number;
}

/** A fill of a whole order (the paper exchange does not fill partially). */
export interface Fill {
  orderId: string;
  side: OrderSide;
  quantity: number;
  price: number;
  /** Fee paid, in quote currency (taker fee for market orders, maker fee for limit orders). */
  fee: number;
  liquidity: 'maker' | 'taker';
  timeMs: number;
}

/** Order ids from the seed and a counter: `s42-1`, `s42-2`, ... The same seed gives the same ids. */
export class OrderIdSequence {
  readonly #prefix: string;
  #count = 0;

  constructor(seed: number) {
    this.#prefix = `s${seed}-`;
  }

  next(): string {
    this.#count++;
    return this.#prefix + this.#count;
  }
}

/** +1 for a buy, -1 for a sell. */
export function sideSign(side: OrderSide): 1 | -1 {
  return side === 'buy' ? 1 : -1;
}
