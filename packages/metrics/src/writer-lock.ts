// One metrics writer per run dir: <run-dir>/metrics.lock, a pid lock (see pid-lock.ts) held by the writer.
import * as path from 'node:path';
import { MetricsError } from './errors.js';
import { tryAcquirePidLock } from './pid-lock.js';

/** Name of the lock file inside the run dir. */
export const WRITER_LOCK_FILE = 'metrics.lock';

/** A held lock; `release()` removes the file if it is still ours (idempotent). */
export interface WriterLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the metrics writer lock of `dir` (which must exist). Throws `LOOP_METRICS_WRITER_LOCKED` naming the
 * other pid if a live process (or another writer in this process) holds it; takes over a lock whose pid is
 * dead or unreadable. Throws `LOOP_METRICS_OPEN_FAILED` if the lock file cannot be written. The lock is
 * also released when the process exits.
 */
export function acquireWriterLock(dir: string): WriterLock {
  const file = path.join(path.resolve(dir), WRITER_LOCK_FILE);
  let attempt: ReturnType<typeof tryAcquirePidLock>;
  try {
    attempt = tryAcquirePidLock(file);
  } catch (error) {
    if (error instanceof MetricsError) {
      throw new MetricsError(
        'LOOP_METRICS_WRITER_LOCKED',
        `${file}: could not take the metrics lock (contended)`,
        {
          context: { file },
        },
      );
    }
    const io = (error as Error).cause ?? error;
    throw new MetricsError(
      'LOOP_METRICS_OPEN_FAILED',
      `${file}: cannot create the metrics lock: ${(io as Error).message}`,
      { cause: io, context: { file } },
    );
  }
  if (attempt.ok) return attempt.lock;
  const owner = attempt.holderPid;
  if (owner === process.pid) {
    throw new MetricsError(
      'LOOP_METRICS_WRITER_LOCKED',
      `${file}: another metrics writer of this process writes to ${dir}`,
      { context: { file, pid: process.pid } },
    );
  }
  throw new MetricsError(
    'LOOP_METRICS_WRITER_LOCKED',
    `${dir}: metrics are already being written by pid ${owner} (lock ${file}); stop it or use another --run-dir`,
    { context: { file, pid: owner } },
  );
}
