// The strategy stage's contract, and the reference strategy: a moving-average crossover.
import { assertConfig } from './errors.js';
import type { Candle } from './feed.js';
import type { Order, OrderRequest, OrderType } from './orders.js';
import { sideSign } from './orders.js';

/** What a strategy sees at each step. */
export interface StrategyInput {
  /** Step number, from 1. */
  step: number;
  /** This step's candle; its close is the current price. */
  candle: Candle;
  /** Current position (filled orders only), signed. */
  position: number;
  /** Orders sent earlier that have not filled yet. */
  openOrders: readonly Order[];
}

/** What a strategy wants done this step. */
export interface StrategyDecision {
  /** Orders to send, each checked by risk. */
  orders: readonly OrderRequest[];
  /** Cancel every open order before the new ones go out. */
  cancelOpenOrders?: boolean;
}

/**
 * A trading strategy: called once per step, it turns the market and the position into orders.
 * Implement this to plug in your own. It may keep state between calls; it must not read the system
 * clock or `Math.random` (use the step's candle time and an {@link Rng} you are given) so runs stay
 * reproducible. A strategy that throws is reported as a stage `error`; the loop goes on.
 */
export interface Strategy {
  /** Short name for reports and logs (`ma-crossover`). */
  readonly name: string;
  /** Called once per step with the step's candle and the book; returns the orders to send (often {@link NO_ORDERS}). */
  decide(input: StrategyInput): StrategyDecision;
}

/** A decision to do nothing. */
export const NO_ORDERS: StrategyDecision = Object.freeze({
  orders: Object.freeze([]) as readonly OrderRequest[],
});

/** Parameters of {@link MovingAverageCrossover}. */
export interface MovingAverageCrossoverOptions {
  /** Candles in the fast average. Default 5. */
  fastPeriod?: number;
  /** Candles in the slow average; must be more than `fastPeriod`. Default 20. */
  slowPeriod?: number;
  /** Size of the target position. Default 1. */
  quantity?: number;
  /** Go short when the fast average is below the slow one (else go flat). Default true. */
  allowShort?: boolean;
  /** Order type. Default `market`. */
  orderType?: OrderType;
  /** For limit orders: how far from the close the limit is placed, on the passive side. Default 5. */
  limitOffsetBps?: number;
}

/** Defaults of {@link MovingAverageCrossover}. */
export const DEFAULT_MA_CROSSOVER = {
  fastPeriod: 5,
  slowPeriod: 20,
  quantity: 1,
  allowShort: true,
  orderType: 'market',
  limitOffsetBps: 5,
} as const satisfies Required<MovingAverageCrossoverOptions>;

/**
 * Reference strategy. Once `slowPeriod` closes are known, the target position is `+quantity` while the
 * fast simple moving average of closes is above the slow one and `-quantity` (or 0 without
 * `allowShort`) while it is below; on equal averages the target is kept. Each step it sends one order
 * for the difference between the target and the position plus open orders; when that difference
 * changes while orders are open, it cancels them first and sends the whole difference to the position.
 */
export class MovingAverageCrossover implements Strategy {
  /** Always `ma-crossover`. */
  readonly name = 'ma-crossover';
  /** The options in force, defaults filled in. */
  readonly options: Readonly<Required<MovingAverageCrossoverOptions>>;
  readonly #closes: Float64Array;
  #seen = 0;
  #target = 0;

  /** @param options overrides of {@link DEFAULT_MA_CROSSOVER}; a bad one throws `LOOP_ENGINE_CONFIG_INVALID` naming it. */
  constructor(options: MovingAverageCrossoverOptions = {}) {
    const o = { ...DEFAULT_MA_CROSSOVER, ...options };
    assertConfig(
      Number.isSafeInteger(o.fastPeriod) && o.fastPeriod >= 1,
      'fastPeriod',
      'must be a whole number >= 1',
    );
    assertConfig(
      Number.isSafeInteger(o.slowPeriod) && o.slowPeriod > o.fastPeriod && o.slowPeriod <= 100_000,
      'slowPeriod',
      `must be a whole number above fastPeriod (${o.fastPeriod}) and at most 100000`,
    );
    assertConfig(o.quantity > 0 && Number.isFinite(o.quantity), 'quantity', 'must be > 0');
    assertConfig(o.orderType === 'market' || o.orderType === 'limit', 'orderType', 'must be market or limit');
    assertConfig(
      o.limitOffsetBps >= 0 && o.limitOffsetBps < 10_000,
      'limitOffsetBps',
      'must be in [0, 10000)',
    );
    this.options = o;
    this.#closes = new Float64Array(o.slowPeriod);
  }

  /** Records the close, updates the target, and orders the difference to the position and open orders. */
  decide({ candle, position, openOrders }: StrategyInput): StrategyDecision {
    const { fastPeriod, slowPeriod, quantity, allowShort } = this.options;
    this.#closes[this.#seen % slowPeriod] = candle.close;
    this.#seen++;
    if (this.#seen < slowPeriod) return NO_ORDERS;
    // Sums are taken afresh (slowPeriod additions) rather than kept running, so no rounding drifts in.
    let fastSum = 0;
    let slowSum = 0;
    for (let i = 0; i < slowPeriod; i++) {
      const close = this.#closes[(this.#seen - 1 - i) % slowPeriod]!;
      slowSum += close;
      if (i < fastPeriod) fastSum += close;
    }
    const fast = fastSum / fastPeriod;
    const slow = slowSum / slowPeriod;
    if (fast > slow) this.#target = quantity;
    else if (fast < slow) this.#target = allowShort ? -quantity : 0;

    let pending = 0;
    for (const order of openOrders) pending += sideSign(order.side) * order.quantity;
    const wanted = this.#target - position;
    if (nearlyEqual(wanted, pending)) return NO_ORDERS;
    const orders = nearlyEqual(wanted, 0) ? [] : [this.#order(wanted, candle.close)];
    return { orders, cancelOpenOrders: openOrders.length > 0 };
  }

  #order(signedQuantity: number, price: number): OrderRequest {
    const side = signedQuantity > 0 ? 'buy' : 'sell';
    const quantity = Math.abs(signedQuantity);
    if (this.options.orderType === 'market') return { side, type: 'market', quantity };
    const offset = (sideSign(side) * -this.options.limitOffsetBps) / 10_000;
    return { side, type: 'limit', quantity, limitPrice: roundPrice(price * (1 + offset)) };
  }
}

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-9;
}

function roundPrice(price: number): number {
  return Math.round(price * 1e8) / 1e8;
}
