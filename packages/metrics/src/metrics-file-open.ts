// Opening a metrics file for reading when a live writer may have pruned it: gone is `undefined`, not an error.
// Internal: shared by the reader and the file snapshot, not exported from the package.
import * as fs from 'node:fs';
import { describeError, MetricsError } from './errors.js';

/** Opens `file` read-only; `undefined` if it no longer exists. Throws `LOOP_METRICS_READ_FAILED` otherwise. */
export async function openOrUndefined(file: string): Promise<fs.promises.FileHandle | undefined> {
  try {
    return await fs.promises.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw readFailed(file, error);
  }
}

/** The `LOOP_METRICS_READ_FAILED` error for `file`. */
export function readFailed(file: string, error: unknown): MetricsError {
  return new MetricsError('LOOP_METRICS_READ_FAILED', `${file}: ${describeError(error)}`, {
    cause: error,
    context: { file },
  });
}
