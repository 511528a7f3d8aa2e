// The exec stage's venue: a paper exchange that fills against the feed's candles, with slippage and fees.
import { assertConfig, LoopEngineError } from './errors.js';
import type { Candle } from './feed.js';
import type { Fill, Order, OrderIdSequence, OrderRequest, OrderSide } from './orders.js';

/** Options of {@link PaperExchange}. */
export interface PaperExchangeOptions {
  /** Where order ids come from (seed + counter). */
  orderIds: OrderIdSequence;
  /** Market orders fill this much worse than the next price, in basis points. Default 2. */
  slippageBps?: number;
  /** Fee on market order fills, basis points of notional. Default 5. */
  takerFeeBps?: number;
  /** Fee on limit order fills, basis points of notional. Default 1. */
  makerFeeBps?: number;
}

/** Defaults of {@link PaperExchangeOptions}. */
export const DEFAULT_PAPER_EXCHANGE = { slippageBps: 2, takerFeeBps: 5, makerFeeBps: 1 } as const;

/**
 * Fills orders against the candles the loop feeds it. An order rests from the step it is sent; at
 * each later candle ({@link PaperExchange.match}):
 * - a market order fills at that candle's open (the next price after the decision), moved against
 *   the order by `slippageBps`, paying `takerFeeBps`;
 * - a buy limit fills when the candle's low reaches the limit (a sell limit: the high), at the limit,
 *   paying `makerFeeBps`.
 * Orders fill whole; the paper exchange has no depth and never fills partially.
 */
export class PaperExchange {
  /** How much worse than the open a market order fills, bps. */
  readonly slippageBps: number;
  /** Fee on market order fills, bps of notional. */
  readonly takerFeeBps: number;
  /** Fee on limit order fills, bps of notional. */
  readonly makerFeeBps: number;
  readonly #ids: OrderIdSequence;
  #open: Order[] = [];
  #pendingBuy = 0;
  #pendingSell = 0;

  /** Throws `LOOP_ENGINE_CONFIG_INVALID` naming a fee or slippage outside [0, 10000) bps, or missing `orderIds`. */
  constructor(options: PaperExchangeOptions) {
    const o = { ...DEFAULT_PAPER_EXCHANGE, ...options };
    assertConfig(typeof o.orderIds?.next === 'function', 'orderIds', 'must be an OrderIdSequence');
    assertConfig(o.slippageBps >= 0 && o.slippageBps < 10_000, 'slippageBps', 'must be in [0, 10000)');
    assertConfig(o.takerFeeBps >= 0 && o.takerFeeBps < 10_000, 'takerFeeBps', 'must be in [0, 10000)');
    assertConfig(o.makerFeeBps >= 0 && o.makerFeeBps < 10_000, 'makerFeeBps', 'must be in [0, 10000)');
    this.slippageBps = o.slippageBps;
    this.takerFeeBps = o.takerFeeBps;
    this.makerFeeBps = o.makerFeeBps;
    this.#ids = o.orderIds;
  }

  /** Orders sent and not yet filled or cancelled, oldest first. */
  get openOrders(): readonly Order[] {
    return this.#open;
  }

  /** Open quantity on one side. */
  pendingQuantity(side: OrderSide): number {
    return side === 'buy' ? this.#pendingBuy : this.#pendingSell;
  }

  /** Takes an order; it can fill from the next candle on. Throws `LOOP_ENGINE_ORDER_INVALID` on a malformed order. */
  submit(request: OrderRequest, nowMs: number): Order {
    if (!(request.quantity > 0) || !Number.isFinite(request.quantity)) {
      throw new LoopEngineError(
        'LOOP_ENGINE_ORDER_INVALID',
        `order quantity must be > 0, got ${request.quantity}`,
      );
    }
    if (request.type === 'limit' && !(request.limitPrice! > 0 && Number.isFinite(request.limitPrice))) {
      throw new LoopEngineError(
        'LOOP_ENGINE_ORDER_INVALID',
        `limit price must be > 0, got ${request.limitPrice}`,
      );
    }
    const order: Order = { ...request, id: this.#ids.next(), submittedMs: nowMs };
    this.#open.push(order);
    if (order.side === 'buy') this.#pendingBuy += order.quantity;
    else this.#pendingSell += order.quantity;
    return order;
  }

  /** Cancels every open order; returns how many there were. */
  cancelAll(): number {
    const n = this.#open.length;
    this.#open = [];
    this.#pendingBuy = 0;
    this.#pendingSell = 0;
    return n;
  }

  /** Fills the open orders that `candle` reaches, at clock time `nowMs`. */
  match(candle: Candle, nowMs: number): Fill[] {
    if (this.#open.length === 0) return NO_FILLS;
    const fills: Fill[] = [];
    const still: Order[] = [];
    for (const order of this.#open) {
      const fill = this.#tryFill(order, candle, nowMs);
      if (fill === undefined) {
        still.push(order);
        continue;
      }
      fills.push(fill);
      if (order.side === 'buy') this.#pendingBuy -= order.quantity;
      else this.#pendingSell -= order.quantity;
    }
    this.#open = still;
    if (still.length === 0) {
      // Exact zero, not a rounding residue of the subtractions.
      this.#pendingBuy = 0;
      this.#pendingSell = 0;
    }
    return fills;
  }

  #tryFill(order: Order, candle: Candle, nowMs: number): Fill | undefined {
    const buy = order.side === 'buy';
    let price: number;
    let liquidity: Fill['liquidity'];
    if (order.type === 'market') {
      const slip = this.slippageBps / 10_000;
      price = candle.open * (buy ? 1 + slip : 1 - slip);
      liquidity = 'taker';
    } else {
      const limit = order.limitPrice!;
      if (buy ? candle.low > limit : candle.high < limit) return undefined;
      price = limit;
      liquidity = 'maker';
    }
    const feeBps = liquidity === 'taker' ? this.takerFeeBps : this.makerFeeBps;
    const fee = (price * order.quantity * feeBps) / 10_000;
    return {
      orderId: order.id,
      side: order.side,
      quantity: order.quantity,
      price,
      fee,
      liquidity,
      timeMs: nowMs,
    };
  }
}

const NO_FILLS: Fill[] = [];
