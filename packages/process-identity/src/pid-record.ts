// The text a lock file holds: `<pid> <boot id>:<start ticks>` on Linux, `<pid>` elsewhere.
import { isValidPid } from './process-alive.js';
import { processIdentity } from './process-identity.js';
import type { ProcfsOptions } from './procfs.js';

/** A pid and, where known, the identity of its process when the record was written. */
export interface PidRecord {
  pid: number;
  /** `<boot id>:<start ticks>`; undefined in records written without /proc (or by older versions). */
  identity: string | undefined;
}

/** The record line of `pid` (default this process), with its newline: `<pid> <identity>\n` or `<pid>\n`. */
export function formatPidRecord(pid: number = process.pid, options?: ProcfsOptions): string {
  const identity = processIdentity(pid, options);
  return identity === undefined ? `${pid}\n` : `${pid} ${identity}\n`;
}

/** Reads a record line (surrounding whitespace allowed); undefined when it is empty or not a record. Pure. */
export function parsePidRecord(text: string): PidRecord | undefined {
  const match = /^(\d+)(?: (\S+))?$/.exec(text.trim());
  if (match === null) return undefined;
  const pid = Number(match[1]);
  return isValidPid(pid) ? { pid, identity: match[2] } : undefined;
}
