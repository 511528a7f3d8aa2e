// Signals to a child's whole process group, and liveness checks that count zombies as dead.
import { readdirSync, readFileSync } from 'node:fs';
import { errnoCode } from './errors.js';

/** Fields of /proc/<pid>/stat after the command name: state, process group, start time in clock ticks since boot. */
function procStat(pid: number | string): { state: string; pgrp: number; startTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', pgrp: Number(rest[2]), startTicks: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

let bootTimeMs: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat start times (USER_HZ, 100 on Linux's common builds). */
const USER_HZ = 100;

/** Live (non-zombie) members of process group `pgid` with their start times in epoch ms. Linux only; else []. */
export function processGroupMembers(pgid: number): { pid: number; startedMs: number }[] {
  if (process.platform !== 'linux') return [];
  try {
    bootTimeMs ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]) * 1000;
  } catch {
    return [];
  }
  const members: { pid: number; startedMs: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = procStat(entry);
    if (stat === undefined || stat.pgrp !== pgid || stat.state === 'Z') continue;
    members.push({ pid: Number(entry), startedMs: bootTimeMs + (stat.startTicks * 1000) / USER_HZ });
  }
  return members;
}

let bootId: string | undefined;
/**
 * What tells this life of `pid` apart from a later process that reuses the number: `<boot id>:<start ticks>`
 * (Linux); undefined where /proc is not there or the pid does not exist.
 */
export function processIdentity(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const stat = procStat(pid);
  if (stat === undefined) return undefined;
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
  return `${bootId}:${stat.startTicks}`;
}

/** Sends `signal` to every process of group `pgid`. False when the group no longer exists. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return false;
    throw error;
  }
}

/** True when `pid` runs: it exists (even under another user) and is not a zombie waiting to be reaped. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/**
 * True when some process of group `pgid` is alive. Zombies do not count: an init that does not reap (as in
 * some containers) would otherwise keep a dead group alive forever.
 */
export function processGroupHasLiveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = procStat(entry);
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z') return true;
  }
  return false;
}
