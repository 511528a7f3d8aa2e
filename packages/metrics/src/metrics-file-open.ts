// Opening a metrics file for reading when a live writer may have pruned it: gone is `undefined`, not an error.
// Internal: shared by the reader and the file snapshot, not exported from the package.
import * as fs from 'node:fs';
import { describeError, MetricsError } from './errors.js';

/**
 * Opens `file` read-only; `undefined` if it no longer exists or is not a regular file (a FIFO, socket, device or
 * directory with a metrics file's name is skipped, never read). Opened non-blocking, so a FIFO with no writer
 * cannot hang the open; the type is checked on the open handle. Throws `LOOP_METRICS_READ_FAILED` otherwise.
 */
export async function openOrUndefined(file: string): Promise<fs.promises.FileHandle | undefined> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENXIO' || code === 'EISDIR') return undefined;
    throw readFailed(file, error);
  }
  try {
    if ((await handle.stat()).isFile()) return handle;
  } catch (error) {
    await handle.close();
    throw readFailed(file, error);
  }
  await handle.close();
  return undefined;
}

/** The `LOOP_METRICS_READ_FAILED` error for `file`. */
export function readFailed(file: string, error: unknown): MetricsError {
  return new MetricsError('LOOP_METRICS_READ_FAILED', `${file}: ${describeError(error)}`, {
    cause: error,
    context: { file },
  });
}
