// What the NDJSON stage events mean beyond their schema: the exec events' per-step counts (`attrs.fills`,
// `attrs.orders`) and where one process lifetime ends and the next begins. Writers and readers share these.
import type { StageEventLine } from '@loop/metrics';

/** The stage whose events carry the step's order and fill counts. */
export const EXEC_STAGE = 'exec';
/** `attrs` key of an exec event: orders filled that step (a count, summed; not a gauge). */
export const FILLS_ATTR = 'fills';
/** `attrs` key of an exec event: orders sent that step (a count, summed; not a gauge). */
export const ORDERS_ATTR = 'orders';

/** Orders sent and filled in one step, as `loop run` writes them on the step's exec event. */
export type ExecStepCounts = { orders: number; fills: number };

/**
 * The `attrs` of an exec event for a step's counts (`{ orders, fills }`, in that key order), or `undefined`
 * when the step sent and filled nothing (no attrs are written then). Pure.
 */
export function execStepAttrs(counts: Partial<ExecStepCounts>): ExecStepCounts | undefined {
  if (!counts.orders && !counts.fills) return undefined;
  return { [ORDERS_ATTR]: counts.orders ?? 0, [FILLS_ATTR]: counts.fills ?? 0 } as ExecStepCounts;
}

/**
 * True when an event's `attrs` are per-step counts (summed) rather than levels such as position or equity
 * (whose last value is shown): the exec stage's. Pure.
 */
export function hasStepCountAttrs(event: Pick<StageEventLine, 'stage'>): boolean {
  return event.stage === EXEC_STAGE;
}

/** Orders filled in the step of `event` (`attrs.fills` of an exec event; 0 when absent or not a count). Pure. */
export function execFillsOf(event: Pick<StageEventLine, 'stage' | 'attrs'>): number {
  if (event.stage !== EXEC_STAGE || event.attrs === undefined) return 0;
  const fills = event.attrs[FILLS_ATTR];
  return typeof fills === 'number' && Number.isSafeInteger(fills) && fills > 0 ? fills : 0;
}

/**
 * Process lifetimes: the NDJSON files span restarts (a restarted writer appends to them), and each process
 * numbers its steps from 1 again. A new lifetime starts at an event whose step is lower than the previous
 * event's. `previousStep` is `null` at the first event (which always starts a lifetime). Pure.
 */
export function startsNewLifetime(previousStep: number | null, step: number): boolean {
  return previousStep === null || step < previousStep;
}

/** `attrs` key of the position event: equity after the step (cash + position x mark), in the account currency. */
export const EQUITY_ATTR = 'equity';
/** `attrs` key of the position event: the signed position after the step (> 0 long). */
export const POSITION_ATTR = 'position';
/** `attrs` key of the position event: the market price the step traded against (its mark). */
export const PRICE_ATTR = 'price';
