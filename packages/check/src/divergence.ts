// The first step where two runs' decisions (outcomes, reasons, orders, fills, position) differ, found by
// reading both runs' steps in lockstep; plus the first step where anything at all differs.
import type { ReadEvent, StageEventLine } from '@loop/metrics';
import type { StepGroup, StepReader } from './step-reader.js';

/**
 * Attributes that are market values, not decisions: they differ whenever prices do (another seed, another
 * feed), so they are left out of the decision comparison (and still reported as a field difference).
 */
export const MARKET_ATTRS: ReadonlySet<string> = new Set([
  'price',
  'equity',
  'mark_price',
  'cash',
  'realized_pnl',
  'unrealized_pnl',
  'fees_paid',
]);

/** One event as the divergence report shows it, with where it was read. */
export interface EventView {
  file: string;
  line: number;
  step: number;
  stage: string;
  outcome: StageEventLine['outcome'];
  latency_ms: number;
  ts: number;
  reason?: string;
  detail?: string;
  attrs?: Record<string, number | string>;
}

/** One run's side of a differing step; null fields when that run has no such step (it ended earlier). */
export interface StepSide {
  lifetime: number;
  step: number;
  /** File and line of the step's first event. */
  file: string;
  line: number;
  events: EventView[];
}

/** A step where the runs differ. */
export interface StepDifference {
  /** 1-based position of the step in both runs (the steps before it are equal). */
  index: number;
  /** Run A's step, or null when A ended before it. */
  a: StepSide | null;
  /** Run B's step, or null when B ended before it. */
  b: StepSide | null;
  /** What differs, e.g. `exec: attrs.fills 1 vs 0`, `risk: outcome ok vs rejected`, `B has no step 812`. */
  differences: string[];
}

/**
 * `identical`: every event equal, field for field. `same-decisions`: every step's decisions equal, but some
 * other field (latency, timestamp, detail, a price) differs. `diverged`: a step's decisions differ (or one
 * run has steps the other has not). `bounded`: no decision differed within `maxSteps` steps.
 */
export type DivergenceVerdict = 'identical' | 'same-decisions' | 'diverged' | 'bounded';

/** What {@link findDivergence} found. */
export interface DivergenceReport {
  verdict: DivergenceVerdict;
  /** Steps compared (pairs read in lockstep). */
  stepsCompared: number;
  /** The first step whose decisions differ. */
  decision: StepDifference | null;
  /** The first step where any field of any event differs (at or before `decision`). */
  firstDifference: StepDifference | null;
}

/** Options of {@link findDivergence}. */
export interface DivergenceOptions {
  /** Compare at most this many steps (the search stops there; the verdict is then `bounded`). */
  maxSteps?: number;
}

function view(read: ReadEvent): EventView {
  const e = read.event;
  const out: EventView = {
    file: read.file,
    line: read.line,
    step: e.step,
    stage: e.stage,
    outcome: e.outcome,
    latency_ms: e.latency_ms,
    ts: e.ts,
  };
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.detail !== undefined) out.detail = e.detail;
  if (e.attrs !== undefined) out.attrs = { ...e.attrs };
  return out;
}

function side(group: StepGroup | undefined): StepSide | null {
  if (group === undefined) return null;
  const first = group.events[0]!;
  return {
    lifetime: group.lifetime,
    step: group.step,
    file: first.file,
    line: first.line,
    events: group.events.map(view),
  };
}

function shown(value: unknown): string {
  return value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The decision differences between two steps at the same position: stage order, outcome, reason and the
 * non-market attributes (orders, fills, position), and the step number itself. Pure.
 */
export function decisionDifferences(a: StepGroup, b: StepGroup): string[] {
  const out: string[] = [];
  if (a.step !== b.step) out.push(`step number ${a.step} vs ${b.step}`);
  if (a.eventCount !== b.eventCount) out.push(`${a.eventCount} events vs ${b.eventCount}`);
  const n = Math.min(a.events.length, b.events.length);
  for (let i = 0; i < n; i++) {
    const x = a.events[i]!.event;
    const y = b.events[i]!.event;
    if (x.stage !== y.stage) {
      out.push(`event ${i + 1}: stage ${x.stage} vs ${y.stage}`);
      continue;
    }
    if (x.outcome !== y.outcome) out.push(`${x.stage}: outcome ${x.outcome} vs ${y.outcome}`);
    if (x.reason !== y.reason) out.push(`${x.stage}: reason ${shown(x.reason)} vs ${shown(y.reason)}`);
    for (const key of attrKeys(x, y)) {
      if (MARKET_ATTRS.has(key)) continue;
      const p = x.attrs?.[key];
      const q = y.attrs?.[key];
      if (p !== q) out.push(`${x.stage}: attrs.${key} ${shown(p)} vs ${shown(q)}`);
    }
  }
  return out;
}

/** Every field difference between two steps (latency, timestamp, detail, market attributes included). Pure. */
export function fieldDifferences(a: StepGroup, b: StepGroup): string[] {
  const out = decisionDifferences(a, b);
  const n = Math.min(a.events.length, b.events.length);
  for (let i = 0; i < n; i++) {
    const x = a.events[i]!.event;
    const y = b.events[i]!.event;
    if (x.stage !== y.stage) continue;
    if (x.ts !== y.ts) out.push(`${x.stage}: ts ${x.ts} vs ${y.ts}`);
    if (x.latency_ms !== y.latency_ms) out.push(`${x.stage}: latency_ms ${x.latency_ms} vs ${y.latency_ms}`);
    if (x.detail !== y.detail) out.push(`${x.stage}: detail ${shown(x.detail)} vs ${shown(y.detail)}`);
    for (const key of attrKeys(x, y)) {
      if (!MARKET_ATTRS.has(key)) continue;
      const p = x.attrs?.[key];
      const q = y.attrs?.[key];
      if (p !== q) out.push(`${x.stage}: attrs.${key} ${shown(p)} vs ${shown(q)}`);
    }
  }
  return out;
}

function attrKeys(x: StageEventLine, y: StageEventLine): string[] {
  if (x.attrs === undefined && y.attrs === undefined) return [];
  const keys = new Set<string>();
  for (const key in x.attrs) keys.add(key);
  for (const key in y.attrs) keys.add(key);
  return [...keys];
}

function difference(
  index: number,
  a: StepGroup | undefined,
  b: StepGroup | undefined,
  differences: string[],
): StepDifference {
  return { index, a: side(a), b: side(b), differences };
}

/**
 * Reads two runs' steps in lockstep and reports the first step whose decisions differ, and the first step
 * where anything differs. Both readers are read to their end (so their `onEvent` collectors see every event)
 * even after the answer is known. Memory: one step of each run.
 */
export async function findDivergence(
  a: StepReader,
  b: StepReader,
  options: DivergenceOptions = {},
): Promise<DivergenceReport> {
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  let decision: StepDifference | null = null;
  let firstDifference: StepDifference | null = null;
  let compared = 0;
  let bounded = false;
  while (decision === null) {
    if (compared >= maxSteps) {
      bounded = true;
      break;
    }
    const [x, y] = await Promise.all([a.next(), b.next()]);
    if (x === undefined && y === undefined) break;
    compared += 1;
    if (x === undefined || y === undefined) {
      const missing =
        x === undefined
          ? `A has no step here (it ended after ${compared - 1} steps)`
          : `B has no step here (it ended after ${compared - 1} steps)`;
      decision = difference(compared, x, y, [missing]);
      firstDifference ??= decision;
      break;
    }
    const decisions = decisionDifferences(x, y);
    if (decisions.length > 0) {
      decision = difference(compared, x, y, decisions);
      firstDifference ??= difference(compared, x, y, fieldDifferences(x, y));
      break;
    }
    if (firstDifference === null) {
      const fields = fieldDifferences(x, y);
      if (fields.length > 0) firstDifference = difference(compared, x, y, fields);
    }
  }
  await Promise.all([a.drain(), b.drain()]);
  const verdict: DivergenceVerdict =
    decision !== null
      ? 'diverged'
      : bounded
        ? 'bounded'
        : firstDifference !== null
          ? 'same-decisions'
          : 'identical';
  return { verdict, stepsCompared: compared, decision, firstDifference };
}
