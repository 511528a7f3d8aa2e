// Splits a run dir's stage events into process lifetimes (each restart numbers its steps from 1 again) and
// keeps per-lifetime and total figures, so that counts across restarts never fall. Pure; bounded memory.

import type { StageEventLine } from '@loop/metrics';
import { checkWholeOption } from './errors.js';
import { startsNewLifetime } from './event-conventions.js';
import { type RecentOutcomes, RecentOutcomeWindow } from './recent-outcomes.js';

/** One process lifetime as the NDJSON files show it. Times are the events' `ts` (the writer's clock). */
export interface Lifetime {
  /** 1 for the first lifetime in the files. */
  number: number;
  /** Where its first event is: file name and 1-based line. */
  startFile: string;
  startLine: number;
  firstTs: number;
  lastTs: number;
  firstStep: number;
  lastStep: number;
  /** Distinct steps seen (a step's events are consecutive). */
  steps: number;
  events: number;
  rejections: number;
  errors: number;
  /** The last `attrs.equity` seen in this lifetime, or null. */
  lastEquity: number | null;
  /** The last `attrs.trading_state` seen (written when the kill switch changes state), or null. */
  tradingState: string | null;
  tradingStateReason: string | null;
  /** The last error event, as `stage: REASON detail`. */
  lastError: string | null;
}

/** Figures summed over every lifetime in the files. */
export interface LifetimeTotals {
  lifetimes: number;
  steps: number;
  events: number;
  rejections: number;
  errors: number;
}

/** `attrs` key of the event written when the kill switch changes state: `ACTIVE`, `REDUCING` or `HALTED`. */
export const TRADING_STATE_ATTR = 'trading_state';
/** `attrs` key beside {@link TRADING_STATE_ATTR}: why (e.g. `MAX_LOSS: pnl=-5.26 limit=-5`). */
export const TRADING_STATE_REASON_ATTR = 'trading_state_reason';

/** Lifetimes kept one by one; older ones are only counted in the totals (the list says how many were dropped). */
export const DEFAULT_MAX_LIFETIMES = 200;

/**
 * Where one process lifetime ends and the next begins, decided event by event in file order: the step falls
 * below the previous event's ({@link startsNewLifetime}), or a step's first stage comes again within the same
 * step (a process that stopped at step N followed by one that starts at step N: a seeded run halts at the same
 * step each time). A bot that calls its first stage twice in one step would be split there: the files have no
 * writer-start marker yet. {@link LifetimeTracker} and `RunHistory` share it so their lifetimes agree.
 */
export class LifetimeBoundary {
  #previousStep: number | null = null;
  #stepFirstStage = '';
  #stepEvents = 0;
  /** Lifetimes started so far (0 before the first event). */
  number = 0;
  /** True when the last event given to {@link next} started a new step (or a new lifetime). */
  newStep = false;

  /** Takes the next event; true when it starts a new lifetime (the first event always does). */
  next(step: number, stage: string): boolean {
    const restarted =
      startsNewLifetime(this.#previousStep, step) ||
      (step === this.#previousStep && stage === this.#stepFirstStage && this.#stepEvents > 0);
    this.newStep = step !== this.#previousStep || restarted;
    if (this.newStep) {
      this.#stepFirstStage = stage;
      this.#stepEvents = 0;
    }
    this.#stepEvents += 1;
    this.#previousStep = step;
    if (restarted) this.number += 1;
    return restarted;
  }
}

/** Accumulates events in file order, split into lifetimes where {@link LifetimeBoundary} says so. */
export class LifetimeTracker {
  readonly #max: number;
  readonly #kept: Lifetime[] = [];
  #current: Lifetime | undefined;
  readonly #boundary = new LifetimeBoundary();
  #dropped = 0;
  readonly #recent = new RecentOutcomeWindow();
  readonly #totals: LifetimeTotals = { lifetimes: 0, steps: 0, events: 0, rejections: 0, errors: 0 };

  /** @throws LoopRunDirError `LOOP_RUN_DIR_OPTION_INVALID` unless `maxLifetimes` is a whole number >= 1. */
  constructor(maxLifetimes = DEFAULT_MAX_LIFETIMES) {
    checkWholeOption('maxLifetimes', maxLifetimes, 1);
    this.#max = maxLifetimes;
  }

  /** Adds one event read from `file` at 1-based `line`. */
  add(
    event: Pick<StageEventLine, 'ts' | 'step' | 'stage' | 'outcome' | 'reason' | 'detail' | 'attrs'>,
    file: string,
    line: number,
  ): void {
    let current = this.#current;
    const totals = this.#totals;
    const restarted = this.#boundary.next(event.step, event.stage);
    this.#recent.add(event.ts, event.outcome);
    if (current === undefined || restarted) {
      current = {
        number: totals.lifetimes + 1,
        startFile: file,
        startLine: line,
        firstTs: event.ts,
        lastTs: event.ts,
        firstStep: event.step,
        lastStep: event.step,
        steps: 1,
        events: 0,
        rejections: 0,
        errors: 0,
        lastEquity: null,
        tradingState: null,
        tradingStateReason: null,
        lastError: null,
      };
      totals.lifetimes += 1;
      totals.steps += 1;
      this.#current = current;
      this.#kept.push(current);
      if (this.#kept.length > this.#max) {
        this.#kept.shift();
        this.#dropped += 1;
      }
    } else if (event.step !== current.lastStep) {
      current.steps += 1;
      totals.steps += 1;
    }
    current.lastStep = event.step;
    current.lastTs = event.ts;
    current.events += 1;
    totals.events += 1;
    if (event.outcome === 'rejected') {
      current.rejections += 1;
      totals.rejections += 1;
    } else if (event.outcome === 'error') {
      current.errors += 1;
      totals.errors += 1;
      current.lastError = `${event.stage}: ${event.reason ?? 'error'}${event.detail ? ` ${event.detail}` : ''}`;
    }
    const attrs = event.attrs;
    if (attrs !== undefined) {
      const equity = attrs.equity;
      if (typeof equity === 'number') current.lastEquity = equity;
      const state = attrs[TRADING_STATE_ATTR];
      if (typeof state === 'string') {
        current.tradingState = state;
        const why = attrs[TRADING_STATE_REASON_ATTR];
        current.tradingStateReason = typeof why === 'string' ? why : null;
      }
    }
  }

  /** The kept lifetimes, oldest first (the last is the current one). */
  lifetimes(): readonly Lifetime[] {
    return this.#kept;
  }

  /** Lifetimes older than the kept ones (counted in the totals only). */
  get dropped(): number {
    return this.#dropped;
  }

  /** The newest lifetime, or undefined before the first event. */
  current(): Lifetime | undefined {
    return this.#current;
  }

  /** Errors and rejections per 10 s over the last hour of the files' clock (see {@link RecentOutcomeWindow}). */
  recent(): RecentOutcomes {
    return this.#recent.snapshot();
  }

  /** Sums over every lifetime. */
  totals(): LifetimeTotals {
    return { ...this.#totals };
  }
}
