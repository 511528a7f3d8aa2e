// Opening a metrics file for reading when a live writer may have pruned it: gone is `undefined`, not an error;
// an entry that is not a regular file (FIFO, socket, device, directory) is told apart, never read.
// Internal: shared by the reader and the file snapshot, not exported from the package.
import * as fs from 'node:fs';
import { describeError, MetricsError } from './errors.js';
import type { NonRegularFileType } from './skipped-metrics-file.js';

/** What {@link openMetricsFile} found: an open handle, nothing (pruned), or an entry that is not a regular file. */
export type MetricsFileOpening =
  | { kind: 'opened'; handle: fs.promises.FileHandle; stats: fs.Stats }
  | { kind: 'gone' }
  | { kind: 'not-regular'; type: NonRegularFileType };

/**
 * Opens `file` read-only, non-blocking (a FIFO with no writer cannot hang the open), and checks the type on
 * the open handle. Throws `LOOP_METRICS_READ_FAILED` for any other failure (permissions, a symlink loop).
 */
export async function openMetricsFile(file: string): Promise<MetricsFileOpening> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    // ENXIO: a socket (or a FIFO opened for writing); EISDIR: a directory on systems that refuse to open one.
    if (code === 'ENXIO' || code === 'EISDIR') {
      const stats = await statOrUndefined(file);
      if (stats === undefined) return { kind: 'gone' };
      return { kind: 'not-regular', type: code === 'EISDIR' ? 'directory' : nonRegularType(stats) };
    }
    throw readFailed(file, error);
  }
  let stats: fs.Stats;
  try {
    stats = await handle.stat();
  } catch (error) {
    await handle.close();
    throw readFailed(file, error);
  }
  if (stats.isFile()) return { kind: 'opened', handle, stats };
  await handle.close();
  return { kind: 'not-regular', type: nonRegularType(stats) };
}

/**
 * Opens `file` read-only; `undefined` if it no longer exists or is not a regular file (a FIFO, socket, device or
 * directory with a metrics file's name is skipped, never read). See {@link openMetricsFile}.
 */
export async function openOrUndefined(file: string): Promise<fs.promises.FileHandle | undefined> {
  const opening = await openMetricsFile(file);
  return opening.kind === 'opened' ? opening.handle : undefined;
}

/** The kind of a file system entry that is not a regular file. */
export function nonRegularType(stats: fs.Stats): NonRegularFileType {
  if (stats.isFIFO()) return 'fifo';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character-device';
  if (stats.isBlockDevice()) return 'block-device';
  return 'other';
}

async function statOrUndefined(file: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.stat(file);
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
