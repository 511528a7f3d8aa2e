// The run-dir lock of `loop run`: <run-dir>/run.lock holds the pid of the one live run using the dir, so a
// second `loop run` on it is refused instead of overwriting run.json; a lock left by a dead process is taken over.
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isProcessAlive } from '@loop/metrics';
import { LoopCliError } from './errors.js';

/** Name of the lock file in the run dir (removed when the run ends). */
export const RUN_LOCK_FILE = 'run.lock';

/** A held run-dir lock. `release()` removes the file if it is still ours; idempotent. */
export interface RunLock {
  readonly file: string;
  release(): void;
}

const heldInThisProcess = new Set<string>();

/**
 * Takes the lock of `runDir` (which must exist) for this process. Throws a runtime error (`LOOP_CLI_RUNTIME`,
 * exit 1) naming the run dir and the holder's pid if a live process, or another run of this process, holds
 * it. A lock whose pid is dead, is this process's own pid from an earlier life, or is unreadable is taken
 * over. The lock is also released when the process exits (`process.exit`, an uncaught exception), but
 * not on SIGKILL: the next run takes that stale lock over.
 */
export function acquireRunLock(runDir: string): RunLock {
  const file = join(resolve(runDir), RUN_LOCK_FILE);
  if (heldInThisProcess.has(file)) throw locked(runDir, file, process.pid);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    // The pid is written before the lock appears (link is atomic and fails if it exists): never a half-written lock.
    writeFileSync(temp, `${process.pid}\n`);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        createLock(temp, file);
        return held(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readLockPid(file);
      if (isLive(owner)) throw locked(runDir, file, owner!);
      takeOverStale(file, owner);
    }
    throw new LoopCliError(
      'LOOP_CLI_RUNTIME',
      `loop run: --run-dir: "${runDir}": could not take the lock ${file} (other runs keep taking it)`,
    );
  } catch (error) {
    if (error instanceof LoopCliError) throw error;
    throw new LoopCliError(
      'LOOP_CLI_RUNTIME',
      `loop run: --run-dir: cannot create the lock ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Creates `file` from `temp` atomically; throws EEXIST if it exists. Falls back to `wx` where hard links are not supported. */
function createLock(temp: string, file: string): void {
  try {
    linkSync(temp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
  }
}

function held(file: string): RunLock {
  heldInThisProcess.add(file);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    heldInThisProcess.delete(file);
    process.off('exit', release);
    try {
      if (readLockPid(file) === process.pid) unlinkSync(file);
    } catch {
      // already gone: nothing to release
    }
  };
  process.on('exit', release);
  return { file, release };
}

/** A pid that holds the lock: alive, and not this process (a lock of this process's pid is from an earlier life). */
function isLive(pid: number | undefined): boolean {
  return pid !== undefined && pid !== process.pid && isProcessAlive(pid);
}

/**
 * Removes a stale lock. It is first moved aside and re-read, so that a fresh lock another run created
 * since we looked is put back rather than deleted.
 */
function takeOverStale(file: string, stalePid: number | undefined): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else removed it first: retry
  }
  const moved = readLockPid(aside);
  if (moved !== stalePid && isLive(moved)) {
    try {
      linkSync(aside, file); // put the fresh lock back; fails if yet another run holds the dir now
    } catch {
      // the next attempt sees whoever holds it
    }
  }
  rmSync(aside, { force: true });
}

function locked(runDir: string, file: string, pid: number): LoopCliError {
  const who = pid === process.pid ? 'another run of this process' : `a live process (pid ${pid})`;
  return new LoopCliError(
    'LOOP_CLI_RUNTIME',
    `loop run: --run-dir: "${runDir}" is in use by ${who} (lock ${file}); stop it or use another --run-dir`,
  );
}

function readLockPid(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
