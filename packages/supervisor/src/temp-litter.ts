// Temp files a supervisor killed mid-write leaves in the run dir (`.supervisor_state.json.<pid>.tmp`, ...):
// removed at start when the pid in their name is dead.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@loop/process-identity';
import { SUPERVISOR_CHILD_FILE } from './child-record.js';
import { SUPERVISOR_LOCK_FILE, SUPERVISOR_STATE_FILE } from './file-names.js';

const escapeRegExp = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Names of the supervisor's own temp files, with the writer's pid in the one group that matched. */
const SUPERVISOR_TEMP_FILE = new RegExp(
  `^(?:${[SUPERVISOR_STATE_FILE, SUPERVISOR_LOCK_FILE, SUPERVISOR_CHILD_FILE]
    .map((name) => `\\.${escapeRegExp(name)}\\.(\\d+)\\.tmp`)
    .join('|')}|${escapeRegExp(SUPERVISOR_LOCK_FILE)}\\.(\\d+)\\.stale)$`,
);

/** Removes the supervisor's temp files left in `runDir` by processes that are dead; returns their names. */
export function removeStaleTempFiles(runDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = SUPERVISOR_TEMP_FILE.exec(name);
    if (match === null) continue;
    const pid = Number(match.slice(1).find((group) => group !== undefined));
    if (pid === process.pid || isProcessAlive(pid)) continue;
    try {
      rmSync(join(runDir, name), { force: true });
      removed.push(name);
    } catch {
      // Not ours to fight over: the next start tries again.
    }
  }
  return removed;
}
