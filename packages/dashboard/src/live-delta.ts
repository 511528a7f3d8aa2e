// What the live server sends instead of the whole page: the changes between two renders of <main>, line by line.
// Pure. The browser side that applies it is in live-client.ts.
import { diffArrays } from 'diff';

/**
 * One step of a {@link BodyDelta}: a positive number copies that many lines of the previous body, a negative
 * number skips that many, an array inserts those lines.
 */
export type BodyDeltaOp = number | string[];

/** The changes that turn one rendered body (split into lines) into the next. */
export type BodyDelta = BodyDeltaOp[];

/**
 * Above this many changed lines a delta is not worth computing: the whole body is sent instead (the diff is
 * O(N·D); D stays small for an update of a page whose layout is one line per row).
 */
export const MAX_DELTA_EDITS = 4_000;

/** The delta from `before` to `after`, or undefined when they differ in more than {@link MAX_DELTA_EDITS} lines. */
export function bodyDelta(before: readonly string[], after: readonly string[]): BodyDelta | undefined {
  const changes = diffArrays([...before], [...after], { maxEditLength: MAX_DELTA_EDITS });
  if (changes === undefined) return undefined;
  const ops: BodyDelta = [];
  for (const change of changes) {
    if (change.added) ops.push(change.value);
    else if (change.removed) ops.push(-change.count);
    else ops.push(change.count);
  }
  return ops;
}

/** Applies a delta (what the browser does): the lines of the new body. Throws when it does not fit `before`. */
export function applyBodyDelta(before: readonly string[], delta: BodyDelta): string[] {
  const out: string[] = [];
  let at = 0;
  for (const op of delta) {
    if (Array.isArray(op)) out.push(...op);
    else if (op >= 0) {
      if (at + op > before.length) throw new RangeError('delta copies past the end of the body');
      for (let k = 0; k < op; k += 1) out.push(before[at + k]!);
      at += op;
    } else at -= op;
  }
  if (at !== before.length) throw new RangeError('delta does not cover the whole body');
  return out;
}
