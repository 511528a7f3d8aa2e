// Finding a run dir's leftover children: processes a dead supervisor left running, by three independent clues.
import {
  compareProcessIdentity,
  listProcStats,
  processGroupMembers,
  readProcessEnvironment,
} from '@loop/process-identity';
import { readChildRecord, SUPERVISOR_RUN_DIR_ENV } from './child-record.js';

/** A process group (or a lone process that left its group) to stop before a new child starts. */
export interface LeftoverGroup {
  /** Process group id to signal. */
  pgid: number;
  /** Live members found. */
  members: number;
  /** Which clue found it. */
  foundBy: 'child-record' | 'state-file' | 'environment';
}

/** What the state file said of the last child (older supervisors wrote no child record). */
export interface StateFileClue {
  childPid: unknown;
  childStartedAt: unknown;
}

/**
 * Leftover children of `runDir`, from three clues, each enough on its own:
 * 1. `supervisor.child`, written synchronously after every spawn: its group, if its leader is still the
 *    recorded process, or if the leader is gone but members live on (a pid cannot be reused while a group of
 *    that id exists).
 * 2. The state file's `child_pid` and `child_started_at` (files of older versions), as before.
 * 3. A /proc scan for processes whose environment names this run dir (`LOOP_SUPERVISOR_RUN_DIR`): finds a
 *    child whatever the files say, and members that left the group with `setsid`.
 * This process and its own group are never included.
 */
export function findLeftoverGroups(
  runDir: string,
  absoluteRunDir: string,
  state: StateFileClue | undefined,
): LeftoverGroup[] {
  const found = new Map<number, LeftoverGroup>();
  const ownGroup = listProcStats().find((stat) => stat.pid === process.pid)?.pgrp;
  const add = (pgid: number, members: number, foundBy: LeftoverGroup['foundBy']) => {
    if (pgid <= 1 || pgid === ownGroup || pgid === process.pid || members === 0 || found.has(pgid)) return;
    found.set(pgid, { pgid, members, foundBy });
  };
  const record = readChildRecord(runDir);
  if (record !== undefined && record.pid > 1) {
    const members = processGroupMembers(record.pid);
    const leader = members.find((member) => member.pid === record.pid);
    const match = compareProcessIdentity(record.pid, record.identity);
    if (leader === undefined ? members.length > 0 : match === 'same' || match === 'unknown') {
      add(record.pid, members.length, 'child-record');
    }
  }
  const pgid = state?.childPid;
  const startedMs = Date.parse(String(state?.childStartedAt));
  if (typeof pgid === 'number' && Number.isSafeInteger(pgid) && pgid > 1 && Number.isFinite(startedMs)) {
    const members = processGroupMembers(pgid);
    const leader = members.find((member) => member.pid === pgid);
    if (leader === undefined || Math.abs(leader.startedMs - startedMs) <= 2000)
      add(pgid, members.length, 'state-file');
  }
  const byGroup = new Map<number, number>();
  for (const stat of listProcStats()) {
    if (stat.pid === process.pid || stat.state === 'Z' || stat.state === 'X') continue;
    if (readProcessEnvironment(stat.pid, SUPERVISOR_RUN_DIR_ENV) !== absoluteRunDir) continue;
    // A member that left the group with setsid leads its own: signalling its group reaches it.
    byGroup.set(stat.pgrp, (byGroup.get(stat.pgrp) ?? 0) + 1);
  }
  for (const [group] of byGroup) add(group, processGroupMembers(group).length, 'environment');
  return [...found.values()];
}
