// A pid lock file: one live process holds a file (its pid inside) at a time; a lock left by a dead process is taken over.
import { linkSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  compareProcessIdentity,
  formatPidRecord,
  isProcessAlive,
  parsePidRecord,
} from '@loop/process-identity';
import { MetricsError } from './errors.js';

/**
 * True if the process with this pid runs: it exists (EPERM means it exists but belongs to someone else) and
 * is not a zombie. Re-exported from `@loop/process-identity`, the one liveness check of Loop.
 */
export { isProcessAlive };

/** A held pid lock. `release()` removes the file if it still holds our pid; idempotent. */
export interface PidLock {
  /** Absolute path of the lock file. */
  readonly file: string;
  /** Removes the lock file if it is still ours (holds this process's pid). Calling it again does nothing. */
  release(): void;
}

/** What {@link tryAcquirePidLock} found: the lock is now ours, or a live process (maybe this one) holds it. */
export type PidLockAttempt = { ok: true; lock: PidLock } | { ok: false; holderPid: number };

/** Takeover rounds before giving up; each loses only to another process that took or freed the lock meanwhile. */
const MAX_ATTEMPTS = 200;
/** How long to wait while another process is in the middle of a stale-lock takeover. */
const TAKEOVER_WAIT_MS = 2;

/** Result of {@link readLockPid} for a lock file that does not exist (or cannot be read). */
const MISSING = Symbol('missing');

/** Locks of this process, by file, with their release; all released on process exit. */
const heldInThisProcess = new Map<string, () => void>();
let exitHandlerInstalled = false;

/**
 * Tries to take the pid lock `file` (its directory must exist) for this process.
 *
 * - The lock never exists empty: the pid goes to a temp file first, which is then hard-linked into place
 *   (atomic, fails if the lock exists). Where hard links are not supported it falls back to an exclusive
 *   create (`wx`), which is briefly empty.
 * - A lock held by a live process is refused with that pid; a lock of this process taken and not yet
 *   released is refused with `process.pid`.
 * - A lock whose pid is dead, is this process's own pid from an earlier life (pid reuse), or is unreadable
 *   (empty, garbage) is taken over. Removing it is serialised by a short-lived `<file>.takeover` guard
 *   (itself a pid lock), so a fresh lock that another process takes meanwhile is never deleted.
 * - The lock is released by `release()` and, failing that, when the process exits (`process.exit`, an
 *   uncaught exception), but not on SIGKILL: the next taker takes that stale lock over.
 *
 * - The lock holds `<pid> <boot id>:<start ticks>` on Linux: a holder whose pid now belongs to another process
 *   (reused after a reboot) is stale too. Elsewhere, or in a lock with only a pid, a reused pid looks live.
 *
 * Limits: a process killed in the microseconds it holds the takeover guard leaves a stale guard that is then taken over the old way
 * (move aside, re-read, put back), which a third concurrent taker could in theory race.
 *
 * @throws Error (with the I/O error as `cause`) when the lock or its temp file cannot be written or linked
 * (missing directory, permissions, full disk).
 * @throws MetricsError `LOOP_METRICS_WRITER_LOCKED` if other processes keep taking and dropping the lock so
 * that no attempt settles (pathological churn).
 */
export function tryAcquirePidLock(file: string): PidLockAttempt {
  const lockFile = resolve(file);
  if (heldInThisProcess.has(lockFile)) return { ok: false, holderPid: process.pid };
  const temp = `${lockFile}.${process.pid}.tmp`;
  removeDeadTempFiles(lockFile);
  try {
    writeFileSync(temp, lockText());
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (createLock(temp, lockFile)) return { ok: true, lock: held(lockFile) };
      const owner = readLockPid(lockFile);
      if (owner === MISSING) continue; // released since: try again
      if (isLive(owner)) return { ok: false, holderPid: owner };
      removeStaleLock(lockFile, temp);
    }
  } catch (error) {
    if (error instanceof MetricsError) throw error;
    throw new Error(`${lockFile}: cannot take the pid lock: ${(error as Error).message}`, { cause: error });
  } finally {
    rmSync(temp, { force: true });
  }
  throw new MetricsError('LOOP_METRICS_WRITER_LOCKED', `${lockFile}: could not take the lock (contended)`, {
    context: { file: lockFile },
  });
}

/**
 * Removes `<lock>.<pid>.tmp` and `<lock>(.takeover).<pid>.stale` files of processes that are dead: what a taker
 * killed between writing its temp file and removing it leaves behind. A live pid's files are its own business.
 */
function removeDeadTempFiles(lockFile: string): string[] {
  const base = basename(lockFile);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dirname(lockFile));
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const match = /^(?:\.takeover)?\.(\d+)\.(?:tmp|stale)$/.exec(name.slice(base.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    try {
      rmSync(join(dirname(lockFile), name), { force: true });
      removed.push(name);
    } catch {
      // Another taker removed it first, or it is not ours to remove.
    }
  }
  return removed;
}

/**
 * Creates `file` from `temp` atomically. False if it exists. Falls back to `wx` where hard links are not
 * supported.
 */
function createLock(temp: string, file: string): boolean {
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
  }
  try {
    writeFileSync(file, lockText(), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function held(file: string): PidLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    heldInThisProcess.delete(file);
    removeIfOurs(file);
  };
  heldInThisProcess.set(file, release);
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    // One handler for all locks (not one per lock): a process with many writers gets no listener warning.
    process.on('exit', () => {
      for (const releaseOne of [...heldInThisProcess.values()]) releaseOne();
    });
  }
  return { file, release };
}

/** Removes `file` if it holds this process's pid. Nobody else removes a lock of a live pid, so this cannot race. */
function removeIfOurs(file: string): void {
  try {
    if (readLockPid(file) === process.pid) unlinkSync(file);
  } catch {
    // already gone: nothing to release
  }
}

/** A pid that holds a lock: alive, and not this process (a lock of this process's pid is from an earlier life). */
function isLive(pid: number | undefined | typeof MISSING): pid is number {
  return typeof pid === 'number' && pid !== process.pid && isProcessAlive(pid);
}

/**
 * Removes `file` if it is (still) stale. Only the holder of `<file>.takeover` may do so, and it re-reads the
 * lock under the guard: a stale lock is never replaced by anyone but a guard holder (its dead owner cannot
 * release it), so what it removes is what it read. Returns without removing anything if another process is
 * taking over (after a short wait), or if the lock is now live or gone; the caller then tries again.
 */
function removeStaleLock(file: string, temp: string): void {
  const guard = `${file}.takeover`;
  if (!createLock(temp, guard)) {
    const guardPid = readLockPid(guard);
    if (isLive(guardPid)) {
      sleepSync(TAKEOVER_WAIT_MS);
    } else if (guardPid !== MISSING) {
      moveAsideIfStale(guard, guardPid); // its taker died mid-takeover
    }
    return;
  }
  try {
    if (!isLive(readLockPid(file))) rmSync(file, { force: true });
  } finally {
    removeIfOurs(guard);
  }
}

/**
 * Removes a stale `file` last read as `stalePid` without a guard: it is moved aside and re-read, and a fresh
 * lock another process created since we looked is put back rather than deleted.
 */
function moveAsideIfStale(file: string, stalePid: number | undefined | typeof MISSING): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else removed it first
  }
  const moved = readLockPid(aside);
  if (moved !== stalePid && isLive(moved)) {
    try {
      linkSync(aside, file); // put the fresh one back; fails if yet another process made one meanwhile
    } catch {
      // the next attempt sees whoever holds it
    }
  }
  rmSync(aside, { force: true });
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this thread for `ms` (the lock is taken synchronously, so there is no event loop to yield to). */
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

let ownLockText: string | undefined;
/**
 * What this process writes in a lock: `<pid> <boot id>:<start ticks>` where the identity is known (Linux),
 * else `<pid>`. The identity is what a later process reusing the number (after a reboot, or in a container
 * where the bot is pid 1 each time) does not share.
 */
function lockText(): string {
  ownLockText ??= formatPidRecord(process.pid);
  return ownLockText;
}

/**
 * The pid in a lock file; undefined if it is empty, not a pid, or a pid now used by another process than the
 * one that wrote the lock (its identity differs); {@link MISSING} if there is no such file.
 */
function readLockPid(file: string): number | undefined | typeof MISSING {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return MISSING;
  }
  const record = parsePidRecord(text);
  if (record === undefined) return undefined;
  const { pid, identity } = record;
  if (identity === undefined || pid === process.pid) return pid;
  return compareProcessIdentity(pid, identity) === 'reused' ? undefined : pid;
}
