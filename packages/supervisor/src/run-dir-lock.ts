// One supervisor per run dir: a lock file holding the owner's pid, created atomically; a dead owner's is taken over.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisorError } from './errors.js';
import { isProcessAlive } from './process-group.js';

/** Name of the lock file inside the run dir. */
export const SUPERVISOR_LOCK_FILE = 'supervisor.lock';

/** A held run-dir lock. */
export interface RunDirLock {
  /** The lock file. */
  readonly file: string;
  /** Pid of the supervisor whose lock this is (when taken over, the stale owner's pid is in `tookOverFrom`). */
  readonly pid: number;
  /** Pid of a dead supervisor whose stale lock was taken over, if any. */
  readonly tookOverFrom: number | undefined;
  /** Removes the lock file if it is still this lock. */
  release(): void;
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the run dir's lock for `pid` (default this process). The file appears with its content in one step
 * (written aside, then hard-linked), so a reader never sees it empty. A lock whose pid is dead is taken over;
 * a live one throws `LOOP_SUPERVISOR_LOCKED`.
 */
export function acquireRunDirLock(runDir: string, pid: number = process.pid): RunDirLock {
  const file = join(runDir, SUPERVISOR_LOCK_FILE);
  const temp = join(runDir, `.${SUPERVISOR_LOCK_FILE}.${pid}.tmp`);
  let tookOverFrom: number | undefined;
  try {
    writeFileSync(temp, `${pid}\n`, { mode: 0o644 });
    for (let tries = 0; tries < 5; tries += 1) {
      try {
        linkSync(temp, file);
        return {
          file,
          pid,
          tookOverFrom,
          release() {
            if (readHolder(file) === pid) unlinkSync(file);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      if (holder !== undefined && isProcessAlive(holder)) {
        throw new SupervisorError(
          'LOOP_SUPERVISOR_LOCKED',
          `run dir ${runDir} is already supervised by pid ${holder} (lock ${file})`,
          { context: { runDir, file, holder } },
        );
      }
      tookOverFrom = holder;
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new SupervisorError(
      'LOOP_SUPERVISOR_LOCKED',
      `could not take the lock ${file}: it keeps changing`,
      {
        context: { runDir, file },
      },
    );
  } catch (error) {
    if (error instanceof SupervisorError) throw error;
    throw new SupervisorError(
      'LOOP_SUPERVISOR_RUN_DIR_FAILED',
      `cannot lock run dir ${runDir}: ${String(error)}`,
      {
        cause: error,
        context: { runDir, file },
      },
    );
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone.
    }
  }
}
