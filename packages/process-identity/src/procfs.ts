// Reading Linux's /proc: one process's stat line, the boot id, and a scan of every process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where /proc is read from. Tests point `procRoot` at a fake tree; everyone else keeps the default. */
export interface ProcfsOptions {
  /** Root of the proc file system (default `/proc`). */
  procRoot?: string;
}

/** The fields of /proc/<pid>/stat this package uses. */
export interface ProcStat {
  pid: number;
  /** The command name (the text between the parentheses; may hold spaces and parentheses). */
  comm: string;
  /** One letter: R running, S sleeping, D disk wait, T stopped, t traced, Z zombie, X dead, I idle, ... */
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** Session id. */
  session: number;
  /** Start time in clock ticks since boot (field 22): with the boot id, it tells two lives of a pid apart. */
  startTicks: number;
}

const rootOf = (options: ProcfsOptions | undefined) => options?.procRoot ?? '/proc';

/**
 * Parses one /proc/<pid>/stat line; undefined when it is not one. The command name may contain spaces and
 * `)`, so fields are counted from the last `)`. Pure.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  const rest = text.slice(close + 2).split(' ');
  const stat: ProcStat = {
    pid,
    comm: text.slice(open + 2, close),
    state: rest[0] ?? '',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    startTicks: Number(rest[19]),
  };
  const whole = [stat.pid, stat.ppid, stat.pgrp, stat.session, stat.startTicks].every(Number.isSafeInteger);
  return whole && stat.state.length === 1 ? stat : undefined;
}

/** /proc/<pid>/stat of `pid`, or undefined (no such process, no /proc, unreadable). */
export function readProcStat(pid: number, options?: ProcfsOptions): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(join(rootOf(options), String(pid), 'stat'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when a proc file system is mounted at the root (its `stat` file exists). */
export function hasProcfs(options?: ProcfsOptions): boolean {
  return existsSync(join(rootOf(options), 'stat'));
}

/** This boot's id (`/proc/sys/kernel/random/boot_id`), or undefined without /proc. Cached for the default root. */
export function readBootId(options?: ProcfsOptions): string | undefined {
  if (options?.procRoot === undefined && cachedBootId !== undefined) return cachedBootId;
  let id: string;
  try {
    id = readFileSync(join(rootOf(options), 'sys', 'kernel', 'random', 'boot_id'), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (id === '') return undefined;
  if (options?.procRoot === undefined) cachedBootId = id;
  return id;
}
let cachedBootId: string | undefined;

/** The boot time in epoch ms (`btime` of /proc/stat), or undefined. */
export function readBootTimeMs(options?: ProcfsOptions): number | undefined {
  try {
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync(join(rootOf(options), 'stat'), 'utf8'))?.[1]);
    return Number.isFinite(btime) ? btime * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc start times (USER_HZ: 100 on every common Linux build). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** The stat of every process /proc lists (threads excluded); [] without /proc. */
export function listProcStats(options?: ProcfsOptions): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync(rootOf(options));
  } catch {
    return [];
  }
  const stats: ProcStat[] = [];
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = readProcStat(Number(entry), options);
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

/**
 * The value of environment variable `name` in process `pid` as it started (/proc/<pid>/environ; readable for
 * this user's processes only), or undefined.
 */
export function readProcessEnvironment(
  pid: number,
  name: string,
  options?: ProcfsOptions,
): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(rootOf(options), String(pid), 'environ'), 'utf8');
  } catch {
    return undefined;
  }
  const prefix = `${name}=`;
  for (const entry of text.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}
