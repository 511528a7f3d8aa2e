// One loop step: strategy -> risk -> exec -> position, each invocation timed by the clock and reported
// to the observers. A stage that throws is reported and the loop goes on; observers cannot stop it.
import { type Clock, SimulatedClock } from './clock.js';
import { assertConfig } from './errors.js';
import type { Candle } from './feed.js';
import { type FaultSource, InjectedFault, type LatencyModel } from './latency.js';
import type { StageName, StageObserver, StageOutcome, StageReport, StepReport } from './observer.js';
import type { Fill, OrderRequest } from './orders.js';
import type { PaperExchange } from './paper-exchange.js';
import type { Portfolio, PositionSnapshot } from './portfolio.js';
import type { RiskManager, RiskRejection, TradingState } from './risk.js';
import { NO_ORDERS, type Strategy, type StrategyDecision } from './strategy.js';

/** The parts of a loop and how it treats errors. */
export interface LoopStepperOptions {
  /** Times every stage; a {@link SimulatedClock} is also advanced by `latency`. */
  clock: Clock;
  /** The strategy stage. */
  strategy: Strategy;
  /** The risk stage and the kill switch. */
  risk: RiskManager;
  /** The exec stage's venue. */
  exchange: PaperExchange;
  /** The position stage's book. */
  portfolio: Portfolio;
  /** Told about every stage invocation and step, in order. */
  observers?: readonly StageObserver[];
  /** Stage latency under a {@link SimulatedClock}; ignored with a real clock. */
  latency?: LatencyModel;
  /** Injected stage failures (testing the error path), e.g. a {@link FaultInjector}. */
  faults?: FaultSource;
  /**
   * Stage errors in a row (in consecutive steps; a step without error resets the count) after which
   * trading goes to HALTED. Default 5.
   */
  maxConsecutiveErrors?: number;
}

/** Reason of a stage `error` whose code threw. */
export const STAGE_ERROR = 'STAGE_ERROR';
/** Reason of a stage `error` made by {@link FaultInjector}. */
export const FAULT_INJECTED = 'FAULT_INJECTED';
/** Default of {@link LoopStepperOptions.maxConsecutiveErrors}. */
export const DEFAULT_MAX_CONSECUTIVE_ERRORS = 5;

/** Totals of a loop so far. */
export interface LoopStats {
  /** Steps run. */
  steps: number;
  /** Orders sent to the exchange (accepted by risk). */
  orders: number;
  /** Fills the exchange made (all of them are in `position` after the end-of-run settlement). */
  fills: number;
  /** Open orders cancelled by the strategy. */
  cancels: number;
  /** Orders refused by risk. */
  rejections: number;
  /** Refused orders by reason code, keys sorted. */
  rejectionsByReason: Record<string, number>;
  /** Stage invocations that ended in `error`. */
  errors: number;
  /** Stage errors by stage. */
  errorsByStage: Record<StageName, number>;
  /** `stage: message` of the last stage error. */
  lastError: string | undefined;
  /** Observer calls that threw (isolated; trading went on). */
  observerErrors: number;
  /** Message of the last observer failure. */
  lastObserverError: string | undefined;
  /** The kill switch now. */
  tradingState: TradingState;
  /** Why it last changed, e.g. `MAX_CONSECUTIVE_ERRORS: ...`. */
  tradingStateReason: string | undefined;
  /** Orders still resting on the exchange. */
  openOrders: number;
  /** Sum of quantity x price of all fills. */
  tradedNotional: number;
  /**
   * Fills booked by the end-of-run settlement ({@link LoopStepper.settle}) because the position stage
   * failed after the exchange made them; 0 when every fill was booked by a position stage.
   */
  settledFills: number;
  /**
   * The book: position, average entry, PnL, fees, cash and equity. In a {@link runLoop} result it is
   * after the end-of-run settlement, so it includes every fill counted in `fills`.
   */
  position: PositionSnapshot;
}

/** Runs loop steps one candle at a time. Synchronous: pacing and stopping belong to {@link runLoop}. */
export class LoopStepper {
  readonly #clock: Clock;
  readonly #simClock: SimulatedClock | undefined;
  readonly #strategy: Strategy;
  readonly #risk: RiskManager;
  readonly #exchange: PaperExchange;
  readonly #portfolio: Portfolio;
  readonly #observers: StageObserver[];
  readonly #stepObservers: StageObserver[];
  readonly #latency: LatencyModel | undefined;
  readonly #faults: FaultSource | undefined;
  readonly #maxConsecutiveErrors: number;
  readonly #unbooked: Fill[] = [];
  readonly #rejectionsByReason = new Map<string, number>();
  readonly #errorsByStage: Record<StageName, number> = { strategy: 0, risk: 0, exec: 0, position: 0 };
  #step = 0;
  #orders = 0;
  #fills = 0;
  #cancels = 0;
  #rejections = 0;
  #errors = 0;
  #consecutiveErrors = 0;
  #lastError: string | undefined;
  #observerErrors = 0;
  #lastObserverError: string | undefined;
  #tradedNotional = 0;
  #settledFills = 0;
  #lastPrice: number | undefined;

  /** Throws `LOOP_ENGINE_CONFIG_INVALID` for a bad `maxConsecutiveErrors`. */
  constructor(options: LoopStepperOptions) {
    const max = options.maxConsecutiveErrors ?? DEFAULT_MAX_CONSECUTIVE_ERRORS;
    assertConfig(
      Number.isSafeInteger(max) && max >= 1,
      'maxConsecutiveErrors',
      'must be a whole number >= 1',
    );
    this.#clock = options.clock;
    this.#simClock = options.clock instanceof SimulatedClock ? options.clock : undefined;
    this.#strategy = options.strategy;
    this.#risk = options.risk;
    this.#exchange = options.exchange;
    this.#portfolio = options.portfolio;
    this.#observers = [...(options.observers ?? [])];
    this.#stepObservers = this.#observers.filter((o) => typeof o.onStepEnd === 'function');
    this.#latency = this.#simClock ? options.latency : undefined;
    this.#faults = options.faults;
    this.#maxConsecutiveErrors = max;
  }

  /** Steps run so far. */
  get steps(): number {
    return this.#step;
  }

  /** The risk manager's trading state (the kill switch). */
  get tradingState(): TradingState {
    return this.#risk.tradingState;
  }

  /** Runs the four stages on `candle` and reports the step. Never throws for a stage or an observer. */
  step(candle: Candle): StepReport {
    const step = ++this.#step;
    const errorsBefore = this.#errors;
    const exchange = this.#exchange;
    const portfolio = this.#portfolio;

    // strategy
    let decision: StrategyDecision = NO_ORDERS;
    let start = this.#clock.now();
    try {
      this.#inject('strategy');
      decision = this.#strategy.decide({
        step,
        candle,
        position: portfolio.position,
        openOrders: exchange.openOrders,
      });
      this.#report(step, 'strategy', start, 'ok');
    } catch (error) {
      this.#reportError(step, 'strategy', start, error);
    }

    // risk: fails closed (no order goes out if the stage throws)
    let approved: OrderRequest[] = NO_REQUESTS;
    start = this.#clock.now();
    try {
      this.#inject('risk');
      this.#risk.observePnl(portfolio.pnl());
      const requested = decision.orders.length;
      let rejected = 0;
      let first: RiskRejection | null = null;
      if (requested > 0) {
        approved = [];
        const cancel = decision.cancelOpenOrders === true;
        let pendingBuy = cancel ? 0 : exchange.pendingQuantity('buy');
        let pendingSell = cancel ? 0 : exchange.pendingQuantity('sell');
        for (const order of decision.orders) {
          const rejection = this.#risk.check(order, {
            nowMs: this.#clock.now(),
            position: portfolio.position,
            pendingBuy,
            pendingSell,
            price: candle.close,
            lastPrice: this.#lastPrice,
          });
          if (rejection === null) {
            approved.push(order);
            if (order.side === 'buy') pendingBuy += order.quantity;
            else pendingSell += order.quantity;
            continue;
          }
          rejected++;
          first ??= rejection;
          this.#rejectionsByReason.set(
            rejection.reason,
            (this.#rejectionsByReason.get(rejection.reason) ?? 0) + 1,
          );
        }
        this.#rejections += rejected;
      }
      if (first === null) this.#report(step, 'risk', start, 'ok', undefined, undefined, requested);
      else {
        const more = rejected > 1 ? ` (+${rejected - 1} more)` : '';
        this.#report(step, 'risk', start, 'rejected', first.reason, first.detail + more, requested);
      }
    } catch (error) {
      approved = NO_REQUESTS;
      this.#reportError(step, 'risk', start, error);
    }

    // exec: fill what this candle reaches, then cancel, then send the new orders (they rest until the next candle)
    start = this.#clock.now();
    try {
      this.#inject('exec');
      const fills = exchange.match(candle, start);
      for (const fill of fills) {
        this.#unbooked.push(fill);
        this.#tradedNotional += fill.quantity * fill.price;
      }
      this.#fills += fills.length;
      if (decision.cancelOpenOrders === true) this.#cancels += exchange.cancelAll();
      for (const order of approved) exchange.submit(order, start);
      this.#orders += approved.length;
      this.#report(step, 'exec', start, 'ok', undefined, undefined, approved.length, fills.length);
    } catch (error) {
      this.#reportError(step, 'exec', start, error);
    }

    // position: books fills (kept for the next step if this stage fails) and marks to the close
    start = this.#clock.now();
    try {
      this.#inject('position');
      for (const fill of this.#unbooked) portfolio.apply(fill);
      this.#unbooked.length = 0;
      portfolio.mark(candle.close);
      this.#report(step, 'position', start, 'ok');
    } catch (error) {
      this.#reportError(step, 'position', start, error);
    }

    this.#lastPrice = candle.close;
    if (this.#errors === errorsBefore) this.#consecutiveErrors = 0;
    else {
      this.#consecutiveErrors += this.#errors - errorsBefore;
      if (this.#consecutiveErrors >= this.#maxConsecutiveErrors && this.#risk.tradingState !== 'HALTED') {
        this.#risk.setTradingState(
          'HALTED',
          `MAX_CONSECUTIVE_ERRORS: ${this.#consecutiveErrors} errors in a row (limit ${this.#maxConsecutiveErrors}), last ${this.#lastError}`,
        );
      }
    }
    return this.#reportStep(step, candle);
  }

  /**
   * End-of-run settlement: books the fills that no position stage has booked yet (the position stage
   * failed on the last step or steps) and marks the book to the last step's close, so that position,
   * PnL, fees and equity account for every fill the exchange made. Returns how many fills it booked.
   * {@link runLoop} calls it once when a run ends, however it ends; call it after your last `step()` if
   * you drive the stepper yourself. It is bookkeeping, not a stage: no fault is injected, the clock
   * does not move and observers are not called (the last {@link StepReport} shows the book before it).
   * Open orders stay open. Calling it again, or before any step, does nothing.
   */
  settle(): number {
    const booked = this.#unbooked.length;
    for (const fill of this.#unbooked) this.#portfolio.apply(fill);
    this.#unbooked.length = 0;
    if (this.#lastPrice !== undefined) this.#portfolio.mark(this.#lastPrice);
    this.#settledFills += booked;
    return booked;
  }

  /** Totals so far. */
  stats(): LoopStats {
    return {
      steps: this.#step,
      orders: this.#orders,
      fills: this.#fills,
      cancels: this.#cancels,
      rejections: this.#rejections,
      rejectionsByReason: Object.fromEntries(
        [...this.#rejectionsByReason].sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
      errors: this.#errors,
      errorsByStage: { ...this.#errorsByStage },
      lastError: this.#lastError,
      observerErrors: this.#observerErrors,
      lastObserverError: this.#lastObserverError,
      tradingState: this.#risk.tradingState,
      tradingStateReason: this.#risk.tradingStateReason,
      openOrders: this.#exchange.openOrders.length,
      tradedNotional: this.#tradedNotional,
      settledFills: this.#settledFills,
      position: this.#portfolio.snapshot(),
    };
  }

  #inject(stage: StageName): void {
    if (this.#faults?.fails(stage)) throw new InjectedFault(stage);
  }

  #report(
    step: number,
    stage: StageName,
    startMs: number,
    outcome: StageOutcome,
    reason?: string,
    detail?: string,
    orders?: number,
    fills?: number,
  ): void {
    if (this.#latency) this.#simClock!.advanceBy(this.#latency.sample(stage));
    const endMs = this.#clock.now();
    const report: StageReport = {
      step,
      stage,
      outcome,
      startMs,
      endMs,
      durationMs: Math.round((endMs - startMs) * 1000) / 1000,
    };
    if (reason !== undefined) report.reason = reason;
    if (detail !== undefined) report.detail = detail;
    if (orders !== undefined) report.orders = orders;
    if (fills !== undefined) report.fills = fills;
    for (const observer of this.#observers) {
      try {
        observer.onStage(report);
      } catch (error) {
        this.#observerFailed(error);
      }
    }
  }

  #reportError(step: number, stage: StageName, startMs: number, error: unknown): void {
    const message = truncate(error instanceof Error ? error.message : String(error));
    this.#errors++;
    this.#errorsByStage[stage]++;
    this.#lastError = `${stage}: ${message}`;
    this.#report(
      step,
      stage,
      startMs,
      'error',
      error instanceof InjectedFault ? FAULT_INJECTED : STAGE_ERROR,
      message,
    );
  }

  #reportStep(step: number, candle: Candle): StepReport {
    const p = this.#portfolio.snapshot();
    const report: StepReport = {
      step,
      timeMs: this.#clock.now(),
      price: candle.close,
      position: p.position,
      averageEntry: p.averageEntry,
      realizedPnl: p.realizedPnl,
      unrealizedPnl: p.unrealizedPnl,
      feesPaid: p.feesPaid,
      equity: p.equity,
      orders: this.#orders,
      fills: this.#fills,
      rejections: this.#rejections,
      errors: this.#errors,
      tradingState: this.#risk.tradingState,
      candleTimeMs: candle.timeMs,
      openOrders: this.#exchange.openOrders.length,
    };
    const why = this.#risk.tradingStateReason;
    if (why !== undefined) report.tradingStateReason = why;
    for (const observer of this.#stepObservers) {
      try {
        observer.onStepEnd!(report);
      } catch (error) {
        this.#observerFailed(error);
      }
    }
    return report;
  }

  #observerFailed(error: unknown): void {
    this.#observerErrors++;
    this.#lastObserverError = truncate(error instanceof Error ? error.message : String(error));
  }
}

const NO_REQUESTS: OrderRequest[] = [];

function truncate(text: string, max = 500): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
