// One writer per run dir: a lock file holding the writer's pid; a lock left by a dead process is taken over.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetricsError } from './errors.js';

/** Name of the lock file inside the run dir. */
export const WRITER_LOCK_FILE = 'metrics.lock';

const heldInThisProcess = new Set<string>();

/** A held lock; `release()` removes the file (idempotent). */
export interface WriterLock {
  readonly file: string;
  release(): void;
}

/** True if a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the metrics writer lock of `dir`. Throws `LOOP_METRICS_WRITER_LOCKED` naming the other pid if a
 * live process (or another writer in this process) holds it; takes over a lock whose pid is dead or unreadable.
 */
export function acquireWriterLock(dir: string): WriterLock {
  const file = path.join(path.resolve(dir), WRITER_LOCK_FILE);
  if (heldInThisProcess.has(file)) {
    throw new MetricsError(
      'LOOP_METRICS_WRITER_LOCKED',
      `${file}: another metrics writer of this process writes to ${dir}`,
      {
        context: { file, pid: process.pid },
      },
    );
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, `${process.pid}\n`);
      } finally {
        fs.closeSync(fd);
      }
      heldInThisProcess.add(file);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          heldInThisProcess.delete(file);
          try {
            if (readLockPid(file) === process.pid) fs.unlinkSync(file);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new MetricsError(
          'LOOP_METRICS_OPEN_FAILED',
          `${file}: cannot create the metrics lock: ${(error as Error).message}`,
          {
            cause: error,
            context: { file },
          },
        );
      }
    }
    const owner = readLockPid(file);
    if (owner !== undefined && owner !== process.pid && isProcessAlive(owner)) {
      throw new MetricsError(
        'LOOP_METRICS_WRITER_LOCKED',
        `${dir}: metrics are already being written by pid ${owner} (lock ${file}); stop it or use another --run-dir`,
        { context: { file, pid: owner } },
      );
    }
    // Stale (dead pid, our own pid from an earlier life, or garbage): take it over.
    try {
      fs.unlinkSync(file);
    } catch {
      // someone else removed it first: retry
    }
  }
  throw new MetricsError(
    'LOOP_METRICS_WRITER_LOCKED',
    `${file}: could not take the metrics lock (contended)`,
    {
      context: { file },
    },
  );
}

function readLockPid(file: string): number | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
