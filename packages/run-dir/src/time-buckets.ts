// The ladder of time-bucket widths and the re-bucketing rule that keeps a chart's bucket count bounded.

/**
 * Bucket widths in milliseconds. Each width is a whole multiple of the one before it and buckets are aligned
 * to multiples of their width since the epoch, so moving up one rung merges whole buckets exactly.
 */
export const BUCKET_WIDTHS_MS: readonly number[] = [
  10, 20, 100, 200, 1_000, 2_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000,
  21_600_000, 43_200_000, 86_400_000,
];

/** The width after `width`: the next rung of the ladder, then doubling past a day. */
export function nextBucketWidth(width: number): number {
  const next = BUCKET_WIDTHS_MS.find((w) => w > width);
  return next ?? width * 2;
}

/** The smallest ladder width at which the span `[minTs, maxTs]` fits in `maxBuckets` buckets. */
export function bucketWidthFor(
  minTs: number,
  maxTs: number,
  maxBuckets: number,
  from = BUCKET_WIDTHS_MS[0]!,
): number {
  let width = from;
  while (Math.floor(maxTs / width) - Math.floor(minTs / width) + 1 > maxBuckets)
    width = nextBucketWidth(width);
  return width;
}
