// The run-dir lock of `loop run`: <run-dir>/run.lock holds the pid of the one live run using the dir, so a
// second `loop run` on it is refused instead of overwriting run.json; a lock left by a dead process is taken over.
import { join, resolve } from 'node:path';
import { isMetricsError, type PidLock, tryAcquirePidLock } from '@loop/metrics';
import { RUN_LOCK_FILE } from '@loop/run-dir';
import { LoopCliError } from './errors.js';

/** Name of the lock file in the run dir (removed when the run ends); @loop/run-dir names it. */
export { RUN_LOCK_FILE };

/** A held run-dir lock. `release()` removes the file if it is still ours; idempotent. */
export type RunLock = PidLock;

/**
 * Takes the lock of `runDir` (which must exist) for this process, with `@loop/metrics`' pid lock. Throws a
 * runtime error (`LOOP_CLI_RUNTIME`, exit 1) naming the run dir and the holder's pid if a live process, or
 * another run of this process, holds it. A lock whose pid is dead, is this process's own pid from an earlier
 * life, or is unreadable is taken over. The lock is also released when the process exits (`process.exit`, an
 * uncaught exception), but not on SIGKILL: the next run takes that stale lock over.
 */
export function acquireRunLock(runDir: string): RunLock {
  const file = join(resolve(runDir), RUN_LOCK_FILE);
  let attempt: ReturnType<typeof tryAcquirePidLock>;
  try {
    attempt = tryAcquirePidLock(file);
  } catch (error) {
    if (isMetricsError(error)) {
      throw new LoopCliError(
        'LOOP_CLI_RUNTIME',
        `loop run: --run-dir: "${runDir}": could not take the lock ${file} (other runs keep taking it)`,
      );
    }
    const io = (error as Error).cause ?? error;
    throw new LoopCliError(
      'LOOP_CLI_RUNTIME',
      `loop run: --run-dir: cannot create the lock ${file}: ${(io as Error).message}`,
      { cause: io },
    );
  }
  if (attempt.ok) return attempt.lock;
  const who =
    attempt.holderPid === process.pid
      ? 'another run of this process'
      : `a live process (pid ${attempt.holderPid})`;
  throw new LoopCliError(
    'LOOP_CLI_RUNTIME',
    `loop run: --run-dir: "${runDir}" is in use by ${who} (lock ${file}); stop it or use another --run-dir`,
  );
}
