// One life of a pid: `<boot id>:<start ticks>`, which a later process reusing the number does not share.
import { isProcessAlive, isValidPid } from './process-alive.js';
import { type ProcfsOptions, readBootId, readProcStat } from './procfs.js';

/**
 * The identity of the process now running as `pid`: `<boot id>:<start ticks>` (Linux), or undefined where
 * /proc is not there or the pid does not exist. Two different processes never share it: a pid reused after
 * a reboot has another boot id, one reused within a boot another start time.
 */
export function processIdentity(pid: number, options?: ProcfsOptions): string | undefined {
  if (!isValidPid(pid)) return undefined;
  const stat = readProcStat(pid, options);
  if (stat === undefined) return undefined;
  const bootId = readBootId(options);
  return bootId === undefined ? undefined : `${bootId}:${stat.startTicks}`;
}

/**
 * How a recorded process compares with what runs under its pid now:
 * - `same`: alive, and its identity is the recorded one;
 * - `reused`: the pid is alive but is another process (another boot, or started at another time);
 * - `gone`: the pid is dead or a zombie;
 * - `unknown`: alive, but nothing to compare (no identity recorded, or no /proc here).
 */
export type IdentityMatch = 'same' | 'reused' | 'gone' | 'unknown';

/** Compares the process recorded as `pid` with `identity` (as {@link processIdentity} gave it then) to now. */
export function compareProcessIdentity(
  pid: number,
  identity: string | undefined,
  options?: ProcfsOptions,
): IdentityMatch {
  if (!isProcessAlive(pid, options)) return 'gone';
  if (identity === undefined) return 'unknown';
  const now = processIdentity(pid, options);
  if (now === undefined) return 'unknown';
  return now === identity ? 'same' : 'reused';
}

/**
 * True when the process recorded as `pid` (with `identity`, if recorded) still runs: alive, not a zombie,
 * not a reused pid. Where it cannot be told (`unknown`), it is taken to run: a lock is never stolen from a
 * process that may be its holder.
 */
export function isRecordedProcessAlive(
  pid: number,
  identity: string | undefined,
  options?: ProcfsOptions,
): boolean {
  const match = compareProcessIdentity(pid, identity, options);
  return match === 'same' || match === 'unknown';
}
