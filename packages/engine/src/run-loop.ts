// Drives a loop over a feed: paces steps by the clock, stops on max steps, end of feed, halt or signal.
// Also composes a ready loop from a seed and a few options (what `loop run` and tests use).
import { type Clock, RealClock, SIMULATED_CLOCK_MAX_MS, SimulatedClock } from './clock.js';
import { assertConfig } from './errors.js';
import type { Feed, FeedStats } from './feed.js';
import { FaultInjector, SimulatedLatency } from './latency.js';
import type { StageObserver } from './observer.js';
import { OrderIdSequence } from './orders.js';
import { PaperExchange, type PaperExchangeOptions } from './paper-exchange.js';
import { Portfolio } from './portfolio.js';
import { type RiskLimits, RiskManager } from './risk.js';
import { Rng } from './rng.js';
import { type LoopStats, LoopStepper, type LoopStepperOptions } from './stepper.js';
import { MovingAverageCrossover, type MovingAverageCrossoverOptions, type Strategy } from './strategy.js';
import { SYNTHETIC_EPOCH_MS, SyntheticFeed } from './synthetic-feed.js';

/** How a run ended: all steps done or feed ended, stopped by a signal, halted by the kill switch, or failed. */
export type LoopEnd = 'completed' | 'signal' | 'halted' | 'error';

/** Options of {@link runLoop}. */
export interface RunLoopOptions extends LoopStepperOptions {
  /** Where the candles come from; the run ends when it does. */
  feed: Feed;
  /** Stop after this many steps; by default run until the feed ends (a synthetic feed never does). */
  maxSteps?: number | undefined;
  /** Abort to stop after the current step (SIGINT, SIGTERM). */
  signal?: AbortSignal | undefined;
  /**
   * Time between steps with a real clock, ms. Default: the feed's interval. A simulated clock ignores
   * it: it jumps to each candle's time.
   */
  stepIntervalMs?: number | undefined;
  /** End the run when trading goes to HALTED. Default true. */
  stopWhenHalted?: boolean | undefined;
}

/** What {@link runLoop} returns. A failure during the run ends it with `ended: 'error'` and the error. */
export interface LoopResult {
  /** Why the run stopped. */
  ended: LoopEnd;
  /** The failure, when `ended` is `error`. */
  error?: unknown;
  /** Clock time at the start of the run, ms since the epoch. */
  startMs: number;
  /** Clock time at the end of the run. */
  endMs: number;
  /** Totals of the run, the book after the end-of-run settlement. */
  stats: LoopStats;
  /** The feed's candles, gaps and skipped rows. */
  feed: FeedStats;
}

/** A simulated run gives the event loop a turn this often (steps), so that signals and timers get through. */
const YIELD_EVERY_STEPS = 256;

/**
 * Runs the loop until `maxSteps`, the end of the feed, a halt or `signal`. With a simulated clock it
 * runs as fast as it can, the clock jumping to each candle's time; with a real clock it sleeps
 * `stepIntervalMs` between steps (a late step does not cause a burst: the cadence restarts from now).
 * When the run ends it settles the book ({@link LoopStepper.settle}), so the result's position
 * accounts for every fill.
 *
 * Rejects with `LOOP_ENGINE_CONFIG_INVALID`, before the first step, for a bad `maxSteps` (not a whole
 * number >= 0), `stepIntervalMs` (not > 0) or `maxConsecutiveErrors`. A failure during the run (the
 * feed throws, a simulated clock is asked to go back) does not reject: it ends the run with
 * `ended: 'error'`.
 */
export async function runLoop(options: RunLoopOptions): Promise<LoopResult> {
  const { clock, feed, maxSteps, signal, stopWhenHalted = true } = options;
  if (maxSteps !== undefined)
    assertConfig(Number.isSafeInteger(maxSteps) && maxSteps >= 0, 'maxSteps', 'must be a whole number >= 0');
  const intervalMs = options.stepIntervalMs ?? feed.intervalMs;
  assertConfig(intervalMs > 0 && Number.isFinite(intervalMs), 'stepIntervalMs', 'must be > 0');
  const stepper = new LoopStepper(options);
  const sim = clock instanceof SimulatedClock ? clock : undefined;
  const startMs = clock.now();
  let nextDueMs = startMs;
  let ended: LoopEnd;
  let failure: unknown;
  try {
    for (;;) {
      if (maxSteps !== undefined && stepper.steps >= maxSteps) {
        ended = 'completed';
        break;
      }
      if (sim) {
        if (stepper.steps % YIELD_EVERY_STEPS === YIELD_EVERY_STEPS - 1) await yieldToEventLoop();
      } else {
        await clock.sleepUntil(nextDueMs, signal);
      }
      if (signal?.aborted) {
        ended = 'signal';
        break;
      }
      const candle = feed.next();
      if (candle === undefined) {
        ended = 'completed';
        break;
      }
      if (sim && candle.timeMs > sim.now()) sim.advanceTo(candle.timeMs);
      stepper.step(candle);
      if (!sim) nextDueMs = Math.max(nextDueMs + intervalMs, clock.now());
      if (stopWhenHalted && stepper.tradingState === 'HALTED') {
        ended = 'halted';
        break;
      }
    }
  } catch (error) {
    ended = 'error';
    failure = error;
  }
  // Fills that a failing position stage left unbooked are booked now, so the result accounts for them.
  try {
    stepper.settle();
  } catch (error) {
    if (ended !== 'error') {
      ended = 'error';
      failure = error;
    }
  }
  const result: LoopResult = {
    ended,
    startMs,
    endMs: clock.now(),
    stats: stepper.stats(),
    feed: feed.stats(),
  };
  if (ended === 'error') result.error = failure;
  return result;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A loop described by a seed and options; every part not given is built with its defaults. */
export interface LoopConfig {
  /** Seeds the synthetic feed, the simulated latency, injected faults and order ids. */
  seed: number;
  /** Default `simulated`. */
  clock?: 'simulated' | 'real' | Clock;
  /** Default: a {@link SyntheticFeed} from the seed, starting 2024-01-01T00:00:00Z under a simulated clock. */
  feed?: Feed;
  /** The synthetic feed's candle interval, and the pace of a real clock. Default 1000. */
  stepIntervalMs?: number;
  /** A strategy, or options of the reference {@link MovingAverageCrossover}. */
  strategy?: Strategy | MovingAverageCrossoverOptions;
  /** Overrides of {@link DEFAULT_RISK_LIMITS}. */
  risk?: Partial<RiskLimits>;
  /** Slippage and fees of the paper exchange (order ids come from the seed). */
  exchange?: Omit<PaperExchangeOptions, 'orderIds'>;
  /** Default 100000. */
  initialCash?: number;
  /** Mean simulated latency of one step (all four stages), ms. Default 2. */
  simulatedLatencyMs?: number;
  /** Chance that a stage invocation throws an injected fault. Default 0. */
  faultRate?: number;
  /** Stage errors in a row that halt trading; a whole number >= 1. Default 5. */
  maxConsecutiveErrors?: number;
}

/** Defaults of {@link LoopConfig}. */
export const DEFAULT_LOOP_CONFIG = {
  stepIntervalMs: 1000,
  initialCash: 100_000,
  simulatedLatencyMs: 2,
  faultRate: 0,
} as const;

/** The parts of a loop, ready for {@link runLoop} (add observers, maxSteps and a signal). */
export type LoopSetup = RunLoopOptions;

/**
 * Builds every part of a loop from `config`. Every option is checked here: a bad one throws a
 * {@link LoopEngineError} with code `LOOP_ENGINE_CONFIG_INVALID` whose message starts with the option's
 * name (`seed: must be a safe integer, got 1.5`).
 */
export function createLoop(config: LoopConfig): LoopSetup {
  checkLoopConfig(config);
  const rng = new Rng(config.seed);
  const stepIntervalMs = config.stepIntervalMs ?? DEFAULT_LOOP_CONFIG.stepIntervalMs;
  const option = config.clock ?? 'simulated';
  let clock: Clock | undefined =
    option === 'real' ? new RealClock() : option === 'simulated' ? undefined : option;
  // A synthetic feed starts at the clock's time, or at the fixed epoch when the simulated clock is ours to make.
  const feed =
    config.feed ??
    new SyntheticFeed({
      rng: rng.fork('feed'),
      startMs: clock ? Math.floor(clock.now()) : SYNTHETIC_EPOCH_MS,
      intervalMs: stepIntervalMs,
    });
  if (clock === undefined) {
    assertConfig(
      feed.startMs >= 0 && feed.startMs <= SIMULATED_CLOCK_MAX_MS,
      'feed',
      `starts at ${feed.startMs} ms, outside a simulated clock's range (0 to ${SIMULATED_CLOCK_MAX_MS} ms since the epoch, 1970-01-01 to 2255-06-05); use a real clock`,
    );
    clock = new SimulatedClock(feed.startMs);
  }
  const strategy =
    config.strategy !== undefined && 'decide' in config.strategy
      ? (config.strategy as Strategy)
      : new MovingAverageCrossover(config.strategy as MovingAverageCrossoverOptions | undefined);
  const setup: LoopSetup = {
    clock,
    feed,
    strategy,
    risk: new RiskManager(config.risk),
    exchange: new PaperExchange({ ...config.exchange, orderIds: new OrderIdSequence(config.seed) }),
    portfolio: new Portfolio(config.initialCash ?? DEFAULT_LOOP_CONFIG.initialCash),
    latency: SimulatedLatency.forStep(
      rng.fork('latency'),
      config.simulatedLatencyMs ?? DEFAULT_LOOP_CONFIG.simulatedLatencyMs,
    ),
    faults: new FaultInjector(rng.fork('faults'), config.faultRate ?? DEFAULT_LOOP_CONFIG.faultRate),
    stepIntervalMs: clock.kind === 'real' ? stepIntervalMs : undefined,
  };
  if (config.maxConsecutiveErrors !== undefined) setup.maxConsecutiveErrors = config.maxConsecutiveErrors;
  return setup;
}

/**
 * The checks of {@link createLoop} that the parts cannot make themselves, or would make under another
 * name (the synthetic feed's `intervalMs` is the config's `stepIntervalMs`). Values only JavaScript
 * callers can pass (a string clock, a number as strategy) are refused here too, with the option's name,
 * rather than failing later with a TypeError.
 */
function checkLoopConfig(config: LoopConfig): void {
  assertConfig(isObject(config), 'config', 'must be an object of options');
  const { seed, clock, feed, strategy } = config;
  assertConfig(Number.isSafeInteger(seed), 'seed', `must be a safe integer, got ${String(seed)}`);
  assertConfig(
    clock === undefined ||
      clock === 'simulated' ||
      clock === 'real' ||
      (isObject(clock) && typeof clock.now === 'function' && typeof clock.sleepUntil === 'function'),
    'clock',
    "must be 'simulated', 'real' or a Clock",
  );
  assertConfig(
    feed === undefined ||
      (isObject(feed) &&
        typeof feed.next === 'function' &&
        typeof feed.stats === 'function' &&
        Number.isFinite(feed.startMs)),
    'feed',
    'must be a Feed (next(), stats(), a finite startMs)',
  );
  assertConfig(
    strategy === undefined ||
      (isObject(strategy) && (!('decide' in strategy) || typeof strategy.decide === 'function')),
    'strategy',
    'must be a Strategy (with a decide function) or MovingAverageCrossover options',
  );
  assertConfig(config.risk === undefined || isObject(config.risk), 'risk', 'must be an object of limits');
  assertConfig(
    config.exchange === undefined || isObject(config.exchange),
    'exchange',
    'must be an object of options',
  );
  const { stepIntervalMs, simulatedLatencyMs, maxConsecutiveErrors } = config;
  assertConfig(
    stepIntervalMs === undefined || (stepIntervalMs > 0 && Number.isFinite(stepIntervalMs)),
    'stepIntervalMs',
    'must be > 0',
  );
  assertConfig(
    simulatedLatencyMs === undefined || (simulatedLatencyMs > 0 && Number.isFinite(simulatedLatencyMs)),
    'simulatedLatencyMs',
    'must be > 0',
  );
  assertConfig(
    maxConsecutiveErrors === undefined ||
      (Number.isSafeInteger(maxConsecutiveErrors) && maxConsecutiveErrors >= 1),
    'maxConsecutiveErrors',
    'must be a whole number >= 1',
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * A seeded simulated loop in one call, for tests and examples:
 * `await simulateLoop({ seed: 42, maxSteps: 500, observers: [myObserver] })`.
 */
export function simulateLoop(
  config: Omit<LoopConfig, 'clock'> & {
    maxSteps: number;
    observers?: readonly StageObserver[];
    signal?: AbortSignal;
  },
): Promise<LoopResult> {
  const { maxSteps, observers, signal, ...rest } = config;
  return runLoop({ ...createLoop({ ...rest, clock: 'simulated' }), maxSteps, observers, signal });
}
