// Process groups: their live members (zombies excluded), and signals to a whole group.
import { errnoCode, ProcessIdentityError } from './errors.js';
import {
  CLOCK_TICKS_PER_SECOND,
  listProcStats,
  type ProcfsOptions,
  readBootId,
  readBootTimeMs,
} from './procfs.js';

/** A live member of a process group. */
export interface ProcessGroupMember {
  pid: number;
  /** Start time in clock ticks since boot. */
  startTicks: number;
  /** `<boot id>:<start ticks>`, as {@link processIdentity} gives it. */
  identity: string | undefined;
  /** Start time in epoch ms (to a clock tick, 10 ms), or NaN when the boot time is unknown. */
  startedMs: number;
}

function checkGroupId(pgid: number): void {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) {
    throw new ProcessIdentityError(
      'LOOP_PROCESS_INVALID_PID',
      `not a process group id: ${pgid} (0, 1 and negatives would signal this group, init or everything)`,
      { context: { pgid } },
    );
  }
}

/** Live (non-zombie) members of process group `pgid`, from a /proc scan. Linux only; [] without /proc. */
export function processGroupMembers(pgid: number, options?: ProcfsOptions): ProcessGroupMember[] {
  checkGroupId(pgid);
  const bootId = readBootId(options);
  const bootMs = readBootTimeMs(options) ?? Number.NaN;
  return listProcStats(options)
    .filter((stat) => stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X')
    .map((stat) => ({
      pid: stat.pid,
      startTicks: stat.startTicks,
      identity: bootId === undefined ? undefined : `${bootId}:${stat.startTicks}`,
      startedMs: bootMs + (stat.startTicks * 1000) / CLOCK_TICKS_PER_SECOND,
    }));
}

/**
 * True when some process of group `pgid` is alive. Zombies do not count: an init that does not reap (as in
 * some containers) would otherwise keep a dead group alive forever. Without /proc, any member counts.
 */
export function processGroupHasLiveMembers(pgid: number, options?: ProcfsOptions): boolean {
  checkGroupId(pgid);
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return false;
  }
  const stats = listProcStats(options);
  if (stats.length === 0) return true; // no /proc: the group exists, which is all that can be told
  return stats.some((stat) => stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X');
}

/**
 * Sends `signal` to every process of group `pgid`. False when the group no longer exists. Throws
 * `LOOP_PROCESS_INVALID_PID` for a pgid of 1 or less (never signals "everything"), and
 * `LOOP_PROCESS_SIGNAL_FAILED` on any other error than "no such group" (EPERM, say).
 */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  checkGroupId(pgid);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return false;
    throw new ProcessIdentityError(
      'LOOP_PROCESS_SIGNAL_FAILED',
      `cannot send ${signal} to process group ${pgid}: ${String(error)}`,
      { cause: error, context: { pgid, signal, errno: errnoCode(error) } },
    );
  }
}
