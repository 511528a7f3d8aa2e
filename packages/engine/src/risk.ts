// The risk stage: pre-trade limits and the trading state (kill switch). A rejection is a value with a
// stable reason code and its context, never an exception.
import { assertConfig } from './errors.js';
import type { OrderRequest } from './orders.js';
import { sideSign } from './orders.js';

/** `ACTIVE` trades; `REDUCING` only takes orders that shrink the position; `HALTED` takes none. */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** Why risk refused an order. */
export type RiskReason =
  | 'TRADING_HALTED' // the trading state is HALTED
  | 'TRADING_REDUCING' // the trading state is REDUCING and the order would not shrink the position
  | 'INVALID_ORDER' // quantity or limit price missing, zero, negative or not finite
  | 'PRICE_BAND' // the order's price is too far from the last price
  | 'MAX_NOTIONAL' // quantity x price is above the per-order limit
  | 'MAX_POSITION' // the position, with open orders on the same side, would exceed the limit
  | 'MAX_ORDER_RATE'; // more orders per second than the token bucket allows

/** A refused order: the reason code and its context (`position=3 limit=2`). */
export interface RiskRejection {
  /** Stable reason code, e.g. `MAX_POSITION`. */
  readonly reason: RiskReason;
  /** The numbers behind it, e.g. `position=3 limit=2`. */
  readonly detail: string;
}

/** `MAX_POSITION: position=3 limit=2`. */
export function formatRejection(rejection: RiskRejection): string {
  return `${rejection.reason}: ${rejection.detail}`;
}

/** Pre-trade limits. */
export interface RiskLimits {
  /** Largest absolute position, counting open orders on the same side. */
  maxPosition: number;
  /** Largest quantity x price of one order, in quote currency. */
  maxNotionalPerOrder: number;
  /** Token bucket refill rate: orders per second of clock time. */
  maxOrdersPerSecond: number;
  /** Token bucket size: orders that may go out at once. */
  orderBurst: number;
  /**
   * Largest distance between an order's price (the limit, or the current price for a market order)
   * and the previous step's price, in basis points. A market order after a jump larger than this is refused.
   */
  priceBandBps: number;
  /** Loss (negative PnL, fees included) at which trading goes to REDUCING; `undefined` for none. */
  maxLoss?: number | undefined;
}

/** Defaults of {@link RiskLimits}. */
export const DEFAULT_RISK_LIMITS: Readonly<RiskLimits> = Object.freeze({
  maxPosition: 5,
  maxNotionalPerOrder: 50_000,
  maxOrdersPerSecond: 5,
  orderBurst: 5,
  priceBandBps: 50,
  maxLoss: undefined,
});

/** What risk needs to know about the market and the book to check an order. */
export interface RiskContext {
  /** Clock time, ms (for the order rate). */
  nowMs: number;
  /** Current position, signed. */
  position: number;
  /** Open buy and sell quantity that stays open (0 when the step cancels open orders). */
  pendingBuy: number;
  /** Open sell quantity that stays open (0 when the step cancels open orders). */
  pendingSell: number;
  /** Current price (this step's close). */
  price: number;
  /** Previous step's price; `undefined` on the first step (no band check). */
  lastPrice: number | undefined;
}

/** A token bucket on clock time: `capacity` tokens, refilled at `ratePerSecond`. Starts full. */
export class TokenBucket {
  /** Tokens added per second of clock time. */
  readonly ratePerSecond: number;
  /** Most tokens the bucket holds (the burst). */
  readonly capacity: number;
  #tokens: number;
  #lastMs: number | undefined;

  /**
   * @param ratePerSecond tokens added per second of clock time; > 0.
   * @param capacity most tokens held (the burst); >= 1.
   */
  constructor(ratePerSecond: number, capacity: number) {
    assertConfig(ratePerSecond > 0 && Number.isFinite(ratePerSecond), 'ratePerSecond', 'must be > 0');
    assertConfig(capacity >= 1 && Number.isFinite(capacity), 'capacity', 'must be >= 1');
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.#tokens = capacity;
  }

  /** Takes one token if there is one. */
  tryTake(nowMs: number): boolean {
    if (this.#lastMs !== undefined && nowMs > this.#lastMs) {
      this.#tokens = Math.min(
        this.capacity,
        this.#tokens + ((nowMs - this.#lastMs) / 1000) * this.ratePerSecond,
      );
    }
    this.#lastMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Checks orders against {@link RiskLimits} and holds the trading state. */
export class RiskManager {
  /** The limits in force, defaults filled in. */
  readonly limits: Readonly<RiskLimits>;
  readonly #bucket: TokenBucket;
  #state: TradingState = 'ACTIVE';
  #stateReason: string | undefined;

  /** @param limits overrides of {@link DEFAULT_RISK_LIMITS}; an out-of-range one throws `LOOP_ENGINE_CONFIG_INVALID` naming it. */
  constructor(limits: Partial<RiskLimits> = {}) {
    const l = { ...DEFAULT_RISK_LIMITS, ...limits };
    assertConfig(l.maxPosition > 0, 'maxPosition', 'must be > 0');
    assertConfig(l.maxNotionalPerOrder > 0, 'maxNotionalPerOrder', 'must be > 0');
    assertConfig(
      l.maxOrdersPerSecond > 0 && Number.isFinite(l.maxOrdersPerSecond),
      'maxOrdersPerSecond',
      'must be > 0',
    );
    assertConfig(l.orderBurst >= 1 && Number.isFinite(l.orderBurst), 'orderBurst', 'must be >= 1');
    assertConfig(l.priceBandBps > 0, 'priceBandBps', 'must be > 0');
    assertConfig(l.maxLoss === undefined || l.maxLoss > 0, 'maxLoss', 'must be > 0');
    this.limits = Object.freeze(l);
    this.#bucket = new TokenBucket(l.maxOrdersPerSecond, l.orderBurst);
  }

  /** The kill switch: `ACTIVE`, `REDUCING` or `HALTED`. */
  get tradingState(): TradingState {
    return this.#state;
  }

  /** Why the state last changed (`MAX_CONSECUTIVE_ERRORS: 5 in a row`), if it did. */
  get tradingStateReason(): string | undefined {
    return this.#stateReason;
  }

  /** Sets the trading state (the kill switch). */
  setTradingState(state: TradingState, reason: string): void {
    this.#state = state;
    this.#stateReason = reason;
  }

  /** Moves an ACTIVE book to REDUCING once `pnl` (realized + unrealized - fees) reaches `-maxLoss`. */
  observePnl(pnl: number): void {
    const { maxLoss } = this.limits;
    if (maxLoss !== undefined && this.#state === 'ACTIVE' && pnl <= -maxLoss) {
      this.setTradingState('REDUCING', `MAX_LOSS: pnl=${fmt(pnl)} limit=-${fmt(maxLoss)}`);
    }
  }

  /** Checks one order; `null` means accepted (and one order-rate token is used). */
  check(order: OrderRequest, ctx: RiskContext): RiskRejection | null {
    const { limits } = this;
    if (this.#state === 'HALTED')
      return reject('TRADING_HALTED', `state=HALTED (${this.#stateReason ?? 'set by operator'})`);
    const { quantity, limitPrice } = order;
    if (!(quantity > 0) || !Number.isFinite(quantity)) return reject('INVALID_ORDER', `quantity=${quantity}`);
    if (
      order.type === 'limit' &&
      !(limitPrice !== undefined && limitPrice > 0 && Number.isFinite(limitPrice))
    ) {
      return reject('INVALID_ORDER', `limit_price=${limitPrice}`);
    }
    const signed = sideSign(order.side) * quantity;
    if (this.#state === 'REDUCING') {
      const after = ctx.position + signed;
      if (!(Math.abs(after) < Math.abs(ctx.position)) || Math.sign(after) === -Math.sign(ctx.position)) {
        return reject(
          'TRADING_REDUCING',
          `position=${fmt(ctx.position)} order=${order.side} ${fmt(quantity)}`,
        );
      }
    }
    const price = order.type === 'limit' ? limitPrice! : ctx.price;
    if (ctx.lastPrice !== undefined) {
      const bandBps = (Math.abs(price - ctx.lastPrice) / ctx.lastPrice) * 10_000;
      if (bandBps > limits.priceBandBps) {
        return reject(
          'PRICE_BAND',
          `price=${fmt(price)} last=${fmt(ctx.lastPrice)} move_bps=${fmt(bandBps, 1)} limit_bps=${fmt(limits.priceBandBps)}`,
        );
      }
    }
    const notional = quantity * price;
    if (notional > limits.maxNotionalPerOrder) {
      return reject('MAX_NOTIONAL', `notional=${fmt(notional)} limit=${fmt(limits.maxNotionalPerOrder)}`);
    }
    const projected = ctx.position + (order.side === 'buy' ? ctx.pendingBuy : -ctx.pendingSell) + signed;
    if (Math.abs(projected) > limits.maxPosition + 1e-9) {
      return reject('MAX_POSITION', `position=${fmt(projected)} limit=${fmt(limits.maxPosition)}`);
    }
    if (!this.#bucket.tryTake(ctx.nowMs)) {
      return reject(
        'MAX_ORDER_RATE',
        `rate=${fmt(limits.maxOrdersPerSecond)}/s burst=${fmt(limits.orderBurst)}`,
      );
    }
    return null;
  }
}

function reject(reason: RiskReason, detail: string): RiskRejection {
  return { reason, detail };
}

/** Short decimal text for a detail: at most `digits` decimals, no trailing zeros. */
function fmt(value: number, digits = 8): string {
  return String(Number(value.toFixed(digits)));
}
