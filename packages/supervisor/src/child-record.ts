// supervisor.child: the running child's `<pid> <boot id>:<start ticks>`, written synchronously right after the
// spawn (before the supervisor yields to anything), so a supervisor killed at any moment leaves its child findable.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPidRecord, type PidRecord, parsePidRecord } from '@loop/process-identity';

/** Name of the child record inside the run dir; present while a child (or what is left of its group) runs. */
export const SUPERVISOR_CHILD_FILE = 'supervisor.child';

/**
 * Environment variable every child gets: the run dir's absolute path. A starting supervisor looks for it in
 * /proc/<pid>/environ to find children of its run dir that no file points at any more.
 */
export const SUPERVISOR_RUN_DIR_ENV = 'LOOP_SUPERVISOR_RUN_DIR';

/**
 * Records `pid` (the child, also its process group id) with its identity, replacing the file in one rename.
 * Synchronous on purpose: it runs between the spawn and the supervisor's next await. No fsync: the file must
 * survive the supervisor's death, not the machine's (which the child does not survive either).
 */
export function writeChildRecord(runDir: string, pid: number): void {
  const file = join(runDir, SUPERVISOR_CHILD_FILE);
  const temp = join(runDir, `.${SUPERVISOR_CHILD_FILE}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, formatPidRecord(pid), { mode: 0o644 });
    renameSync(temp, file);
  } catch {
    // A full disk must not stop supervision; the /proc scan still finds the child by its environment.
    rmSync(temp, { force: true });
  }
}

/** The recorded child, or undefined (no file, or not a record). */
export function readChildRecord(runDir: string): PidRecord | undefined {
  try {
    return parsePidRecord(readFileSync(join(runDir, SUPERVISOR_CHILD_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Removes the record once the child and its whole group are gone. */
export function removeChildRecord(runDir: string): void {
  try {
    rmSync(join(runDir, SUPERVISOR_CHILD_FILE), { force: true });
  } catch {
    // Left behind, it is harmless: a record whose process is gone is ignored.
  }
}
