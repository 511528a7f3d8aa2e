// "Did you mean ...?": the closest known word to a mistyped flag or command, by edit distance.

/**
 * The candidate closest to `typed` by Damerau-Levenshtein distance (a swap of two neighbours counts as one
 * edit), if it is close enough to be a typo: at most 1 edit for short words, up to a third of the length.
 * A candidate that starts with `typed` (a truncated flag, `--max-step`) also counts.
 */
export function closestWord(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(typed.length, best.length) / 3));
  if (bestDistance <= allowed) return best;
  const prefixed = candidates.filter((c) => typed.length >= 3 && c.startsWith(typed));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `; did you mean X?` for the closest candidate, or '' when none is close. */
export function didYouMean(typed: string, candidates: readonly string[], prefix = ''): string {
  const word = closestWord(typed, candidates);
  return word === undefined ? '' : `; did you mean ${prefix}${word}?`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i += 1) d[i * cols] = i;
  for (let j = 0; j < cols; j += 1) d[j] = j;
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}
