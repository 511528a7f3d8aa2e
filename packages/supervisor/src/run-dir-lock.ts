// One supervisor per run dir: a lock file holding the owner's pid and process identity, created atomically;
// a dead owner's (or a reused pid's) is taken over.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatPidRecord, isRecordedProcessAlive, parsePidRecord } from '@loop/process-identity';
import { errnoCode, SupervisorError } from './errors.js';
import { SUPERVISOR_LOCK_FILE } from './file-names.js';

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

/** Lock files held by this process (a second `Supervisor` of the same run dir in one process is refused). */
const heldHere = new Set<string>();

interface Holder {
  /** The lock file's whole text, to tell it apart from a fresh lock written since. */
  text: string;
  pid: number | undefined;
  /** `<boot id>:<start ticks>` of the holder when it took the lock; absent in older or non-Linux locks. */
  identity: string | undefined;
}

function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const record = parsePidRecord(text);
  return { text, pid: record?.pid, identity: record?.identity };
}

/**
 * True when the lock's holder still runs: the pid is alive, is not a zombie, and (where the lock recorded it)
 * is the same process that took the lock, not a later one that reuses the number (after a reboot, or a
 * container whose supervisor is pid 1 every time). A lock of this process's own pid that this process does not
 * hold is from an earlier life of the pid, hence stale.
 */
function holderIsLive(
  holder: Holder | undefined,
  file: string,
  pid: number,
): holder is Holder & { pid: number } {
  if (holder?.pid === undefined) return false;
  if (holder.pid === pid && pid === process.pid) return heldHere.has(file);
  return isRecordedProcessAlive(holder.pid, holder.identity);
}

/**
 * Removes the stale lock last read as `stale`. It is renamed aside and re-read first: if another supervisor
 * replaced it with a fresh lock meanwhile, that one is put back, never deleted.
 */
function removeStale(file: string, stale: Holder, pid: number): void {
  const aside = `${file}.${pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    if (readHolder(aside)?.text !== stale.text) linkSync(aside, file);
  } catch {
    // Yet another lock appeared meanwhile: the next round sees whoever holds it.
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Takes the run dir's lock for `pid` (default this process). The file (`<pid> <boot id>:<start ticks>` on
 * Linux, `<pid>` elsewhere) appears with its content in one step (written aside, then hard-linked), so a reader
 * never sees it empty. A lock whose holder is dead, a zombie, or a different process under a reused pid is
 * taken over; a live one throws `LOOP_SUPERVISOR_LOCKED`.
 */
export function acquireRunDirLock(runDir: string, pid: number = process.pid): RunDirLock {
  const file = resolve(join(runDir, SUPERVISOR_LOCK_FILE));
  const temp = join(runDir, `.${SUPERVISOR_LOCK_FILE}.${pid}.tmp`);
  let tookOverFrom: number | undefined;
  try {
    writeFileSync(temp, formatPidRecord(pid), { mode: 0o644 });
    for (let tries = 0; tries < 5; tries += 1) {
      try {
        linkSync(temp, file);
        if (pid === process.pid) heldHere.add(file);
        let released = false;
        return {
          file,
          pid,
          tookOverFrom,
          release() {
            if (released) return;
            released = true;
            heldHere.delete(file);
            if (readHolder(file)?.pid === pid) unlinkSync(file);
          },
        };
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      if (holder === undefined) continue; // released meanwhile: try again
      if (holderIsLive(holder, file, pid)) {
        throw new SupervisorError(
          'LOOP_SUPERVISOR_LOCKED',
          `run dir ${runDir} is already supervised by pid ${holder.pid} (lock ${file})`,
          { context: { runDir, file, holder: holder.pid } },
        );
      }
      tookOverFrom = holder.pid;
      removeStale(file, holder, pid);
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
