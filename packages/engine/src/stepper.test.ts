import { describe, expect, it } from 'vitest';
import { RealClock, SimulatedClock } from './clock.js';
import type { Candle, Feed, FeedStats } from './feed.js';
import type { FaultSource } from './latency.js';
import { SimulatedLatency } from './latency.js';
import type { StageName, StageObserver, StageReport, StepReport } from './observer.js';
import { type Fill, OrderIdSequence } from './orders.js';
import { PaperExchange } from './paper-exchange.js';
import { Portfolio } from './portfolio.js';
import { RiskManager } from './risk.js';
import { Rng } from './rng.js';
import { createLoop, DEFAULT_LOOP_CONFIG, runLoop, simulateLoop } from './run-loop.js';
import { LoopStepper, type LoopStepperOptions } from './stepper.js';
import type { Strategy, StrategyDecision } from './strategy.js';

class Recorder implements StageObserver {
  stages: StageReport[] = [];
  steps: StepReport[] = [];
  onStage(report: StageReport) {
    this.stages.push(report);
  }
  onStepEnd(report: StepReport) {
    this.steps.push(report);
  }
}

/** A feed of the given closes, one a minute, each candle opening at the previous close. */
function listFeed(closes: number[], startMs = 0): Feed {
  let i = 0;
  return {
    kind: 'replay',
    intervalMs: 60_000,
    startMs,
    next(): Candle | undefined {
      if (i >= closes.length) return undefined;
      const close = closes[i]!;
      const open = i === 0 ? close : closes[i - 1]!;
      const candle = {
        timeMs: startMs + i * 60_000,
        open,
        high: Math.max(open, close),
        low: Math.min(open, close),
        close,
        volume: 1,
      };
      i++;
      return candle;
    },
    stats: (): FeedStats => ({ candles: i, gaps: 0, missingIntervals: 0, skippedRows: 0 }),
  };
}

/** A strategy that sends the orders scripted for each step. */
function scripted(byStep: Record<number, StrategyDecision>, throwAt: number[] = []): Strategy {
  return {
    name: 'scripted',
    decide({ step }) {
      if (throwAt.includes(step)) throw new Error(`boom at ${step}`);
      return byStep[step] ?? { orders: [] };
    },
  };
}

function parts(strategy: Strategy, over: Partial<LoopStepperOptions> = {}): LoopStepperOptions {
  return {
    clock: new SimulatedClock(0),
    strategy,
    risk: new RiskManager({ maxPosition: 10, priceBandBps: 10_000 }),
    exchange: new PaperExchange({ orderIds: new OrderIdSequence(1), slippageBps: 0, takerFeeBps: 10 }),
    portfolio: new Portfolio(1000),
    latency: SimulatedLatency.forStep(new Rng(1).fork('latency'), 2),
    ...over,
  };
}

describe('LoopStepper', () => {
  it('runs strategy -> risk -> exec -> position each step, timed by the clock with non-zero latencies', async () => {
    const rec = new Recorder();
    await simulateLoop({ seed: 5, maxSteps: 50, observers: [rec] });
    expect(rec.stages).toHaveLength(200);
    expect(rec.steps.map((s) => s.step)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    rec.stages.forEach((r, i) => {
      expect(r.stage).toBe(['strategy', 'risk', 'exec', 'position'][i % 4]);
      expect(r.step).toBe(Math.floor(i / 4) + 1);
      expect(r.durationMs).toBeGreaterThan(0);
      expect(r.durationMs).toBe(Math.round((r.endMs - r.startMs) * 1000) / 1000);
      if (i > 0) expect(r.startMs).toBeGreaterThanOrEqual(rec.stages[i - 1]!.endMs);
    });
  });

  it('is reproducible: same seed, same reports; another seed, other reports', async () => {
    const run = async (seed: number) => {
      const rec = new Recorder();
      const result = await simulateLoop({ seed, maxSteps: 2000, observers: [rec], faultRate: 0.001 });
      return JSON.stringify([rec.stages, rec.steps, result]);
    };
    expect(await run(9)).toBe(await run(9));
    expect(await run(9)).not.toBe(await run(10));
  });

  it('changing the simulated latency changes timings, not prices', async () => {
    const prices = async (simulatedLatencyMs: number) => {
      const rec = new Recorder();
      await simulateLoop({ seed: 3, maxSteps: 300, observers: [rec], simulatedLatencyMs });
      return [rec.steps.map((s) => s.price), rec.stages.map((s) => s.durationMs)];
    };
    const [p1, d1] = await prices(2);
    const [p2, d2] = await prices(8);
    expect(p1).toEqual(p2);
    expect(d1).not.toEqual(d2);
  });

  it('fills a market order at the next candle open and books it at the position stage', () => {
    const rec = new Recorder();
    const stepper = new LoopStepper({
      ...parts(scripted({ 1: { orders: [{ side: 'buy', type: 'market', quantity: 2 }] } })),
      observers: [rec],
    });
    const feed = listFeed([100, 110, 120]);
    stepper.step(feed.next()!);
    expect(rec.steps[0]).toMatchObject({ orders: 1, fills: 0, position: 0, openOrders: 1 });
    stepper.step(feed.next()!); // opens at 100
    const exec = rec.stages.filter((s) => s.stage === 'exec');
    expect(exec.map((s) => [s.orders, s.fills])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(rec.steps[1]).toMatchObject({ fills: 1, position: 2, averageEntry: 100, price: 110 });
    expect(rec.steps[1]!.feesPaid).toBeCloseTo(0.2, 12); // 200 * 10 bps
    expect(rec.steps[1]!.unrealizedPnl).toBeCloseTo(20, 12);
    expect(rec.steps[1]!.equity).toBeCloseTo(1019.8, 9);
  });

  it('reports a risk rejection as a value with its reason and detail; nothing is sent', () => {
    const rec = new Recorder();
    const order = { side: 'buy', type: 'market', quantity: 20 } as const;
    const stepper = new LoopStepper({
      ...parts(scripted({ 1: { orders: [order, order] } })),
      observers: [rec],
    });
    stepper.step(listFeed([100]).next()!);
    expect(rec.stages[1]).toMatchObject({
      stage: 'risk',
      outcome: 'rejected',
      reason: 'MAX_POSITION',
      detail: 'position=20 limit=10 (+1 more)',
      orders: 2,
    });
    expect(stepper.stats()).toMatchObject({
      orders: 0,
      rejections: 2,
      rejectionsByReason: { MAX_POSITION: 2 },
    });
  });

  it('reports a throwing stage as an error and goes on; N errors in a row halt trading', async () => {
    const rec = new Recorder();
    const result = await runLoop({
      ...parts(scripted({}, [2, 4, 5, 6])),
      feed: listFeed(Array.from({ length: 20 }, () => 100)),
      observers: [rec],
      maxConsecutiveErrors: 3,
    });
    const errors = rec.stages.filter((s) => s.outcome === 'error');
    expect(errors[0]).toMatchObject({
      step: 2,
      stage: 'strategy',
      reason: 'STAGE_ERROR',
      detail: 'boom at 2',
    });
    expect(rec.stages.filter((s) => s.step === 2).map((s) => s.outcome)).toEqual(['error', 'ok', 'ok', 'ok']);
    // step 3 is clean and resets the count; 4, 5, 6 make three in a row
    expect(result.ended).toBe('halted');
    expect(result.stats.steps).toBe(6);
    expect(result.stats).toMatchObject({
      errors: 4,
      tradingState: 'HALTED',
      lastError: 'strategy: boom at 6',
    });
    expect(result.stats.errorsByStage.strategy).toBe(4);
    expect(result.stats.tradingStateReason).toMatch(/^MAX_CONSECUTIVE_ERRORS: 3 errors in a row/);
  });

  it('keeps fills when the position stage fails, and books them at the next step', () => {
    let failPosition = true;
    const faults: FaultSource = { fails: (stage: StageName) => stage === 'position' && failPosition };
    const rec = new Recorder();
    const strategy = scripted({ 1: { orders: [{ side: 'buy', type: 'market', quantity: 1 }] } });
    const stepper = new LoopStepper({ ...parts(strategy), faults, observers: [rec] });
    const feed = listFeed([100, 101, 102]);
    stepper.step(feed.next()!);
    stepper.step(feed.next()!);
    expect(rec.stages.filter((s) => s.stage === 'position').map((s) => s.reason)).toEqual([
      'FAULT_INJECTED',
      'FAULT_INJECTED',
    ]);
    expect(rec.steps[1]).toMatchObject({ fills: 1, position: 0 });
    failPosition = false;
    stepper.step(feed.next()!);
    expect(rec.steps[2]).toMatchObject({ position: 1, averageEntry: 100 });
  });

  it('settles fills left unbooked by a failing last position stage when the run ends, marked to the last close', async () => {
    // Bought at step 2, filled at step 3's open (101); the position stage fails on step 3, the last one.
    let failing = false;
    const faults: FaultSource = { fails: (stage: StageName) => stage === 'position' && failing };
    const rec = new Recorder();
    const strategy: Strategy = {
      name: 'buy-then-fail',
      decide({ step }) {
        if (step === 3) failing = true;
        return step === 2 ? { orders: [{ side: 'buy', type: 'market', quantity: 2 }] } : { orders: [] };
      },
    };
    const result = await runLoop({
      ...parts(strategy),
      faults,
      feed: listFeed([100, 101, 105]),
      observers: [rec],
    });
    expect(result.ended).toBe('completed');
    expect(rec.steps[2]).toMatchObject({ fills: 1, position: 0 }); // observers saw the book before settlement
    expect(result.stats).toMatchObject({ fills: 1, settledFills: 1, errors: 1 });
    const p = result.stats.position;
    expect(p).toMatchObject({ position: 2, averageEntry: 101, markPrice: 105, realizedPnl: 0 });
    expect(p.unrealizedPnl).toBeCloseTo(8, 12);
    expect(p.feesPaid).toBeCloseTo(0.202, 12); // 202 * 10 bps
    expect(p.cash).toBeCloseTo(1000 - 202 - 0.202, 9);
    expect(p.equity).toBeCloseTo(1000 - 202 - 0.202 + 2 * 105, 9);
  });

  it('settle() books what is unbooked once, marks to the last close, and is a no-op otherwise', () => {
    let failPosition = false;
    const faults: FaultSource = { fails: (stage: StageName) => stage === 'position' && failPosition };
    const strategy = scripted({ 1: { orders: [{ side: 'sell', type: 'market', quantity: 1 }] } });
    const stepper = new LoopStepper({ ...parts(strategy), faults });
    expect(stepper.settle()).toBe(0); // before any step
    expect(stepper.stats().position).toMatchObject({ position: 0, markPrice: 0 });
    const feed = listFeed([100, 102, 90]);
    stepper.step(feed.next()!);
    failPosition = true;
    stepper.step(feed.next()!); // fills at 100, not booked
    stepper.step(feed.next()!); // marks nothing
    expect(stepper.stats()).toMatchObject({ fills: 1, settledFills: 0, position: { position: 0 } });
    expect(stepper.settle()).toBe(1);
    expect(stepper.settle()).toBe(0);
    const stats = stepper.stats();
    expect(stats.settledFills).toBe(1);
    expect(stats.position).toMatchObject({
      position: -1,
      averageEntry: 100,
      markPrice: 90,
      unrealizedPnl: 10,
    });
  });

  it('accounts for every fill the exchange made in a faulty run (the audit repro: seed 44, fault rate 0.2)', async () => {
    const setup = createLoop({
      seed: 44,
      faultRate: 0.2,
      strategy: { fastPeriod: 2, slowPeriod: 3 },
      maxConsecutiveErrors: 1000,
    });
    const fills: Fill[] = [];
    const match = setup.exchange.match.bind(setup.exchange);
    setup.exchange.match = (candle, nowMs) => {
      const made = match(candle, nowMs);
      fills.push(...made);
      return made;
    };
    const result = await runLoop({ ...setup, maxSteps: 40 });
    const p = result.stats.position;
    expect(result.stats.fills).toBe(12);
    expect(fills).toHaveLength(12);
    expect(result.stats.settledFills).toBeGreaterThan(0);
    const booked = new Portfolio(DEFAULT_LOOP_CONFIG.initialCash);
    for (const fill of fills) booked.apply(fill);
    booked.mark(p.markPrice);
    expect(p).toEqual(booked.snapshot());
    expect(p.equity).toBeCloseTo(
      DEFAULT_LOOP_CONFIG.initialCash + p.realizedPnl + p.unrealizedPnl - p.feesPaid,
      6,
    );
  });

  it('isolates observers: one that throws is counted, the others and trading go on', async () => {
    const rec = new Recorder();
    const bad: StageObserver = {
      onStage() {
        throw new Error('disk full');
      },
      onStepEnd() {
        throw new Error('disk still full');
      },
    };
    const result = await simulateLoop({ seed: 1, maxSteps: 100, observers: [bad, rec] });
    expect(result.ended).toBe('completed');
    expect(rec.stages).toHaveLength(400);
    expect(result.stats.observerErrors).toBe(500);
    expect(result.stats.lastObserverError).toBe('disk still full');
    expect(result.stats.errors).toBe(0);
  });
});

describe('runLoop', () => {
  it('stops at maxSteps, or when the feed ends', async () => {
    expect((await simulateLoop({ seed: 1, maxSteps: 7 })).stats.steps).toBe(7);
    const result = await runLoop({ ...parts(scripted({})), feed: listFeed([1, 2, 3]) });
    expect(result).toMatchObject({ ended: 'completed', stats: { steps: 3 }, feed: { candles: 3 } });
  });

  it('stops after the current step when the signal aborts', async () => {
    const stop = new AbortController();
    const rec = new Recorder();
    const stopper: StageObserver = {
      onStage() {},
      onStepEnd: (s) => {
        if (s.step === 3) stop.abort();
      },
    };
    const result = await simulateLoop({
      seed: 1,
      maxSteps: 1000,
      observers: [rec, stopper],
      signal: stop.signal,
    });
    expect(result.ended).toBe('signal');
    expect(result.stats.steps).toBe(3);
    expect(rec.stages).toHaveLength(12);
  });

  it('starts a simulated clock at the first candle and jumps over gaps', async () => {
    const setup = createLoop({ seed: 1, feed: listFeed([1, 2, 3], 1_553_817_600_000) });
    const rec = new Recorder();
    const result = await runLoop({ ...setup, observers: [rec] });
    expect(result.startMs).toBe(1_553_817_600_000);
    expect(rec.stages.filter((s) => s.stage === 'strategy').map((s) => s.startMs)).toEqual([
      1_553_817_600_000, 1_553_817_660_000, 1_553_817_720_000,
    ]);
  });

  it('paces a real clock by stepIntervalMs', async () => {
    const clock = new RealClock();
    const result = await runLoop({
      ...parts(scripted({}), { clock }),
      feed: listFeed([1, 2, 3, 4]),
      stepIntervalMs: 25,
    });
    expect(result.stats.steps).toBe(4);
    expect(result.endMs - result.startMs).toBeGreaterThanOrEqual(70);
  });

  it('ends with "error" instead of throwing when the feed fails', async () => {
    const feed: Feed = {
      ...listFeed([1]),
      next() {
        throw new Error('feed down');
      },
    };
    const result = await runLoop({ ...parts(scripted({})), feed });
    expect(result.ended).toBe('error');
    expect((result.error as Error).message).toBe('feed down');
  });
});
