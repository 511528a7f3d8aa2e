// The hang watchdog's judgement: is the child's heartbeat older than the timeout? Pure core plus a stat shell.
import { statSync } from 'node:fs';

/** What the watchdog knows at one poll. */
export interface HeartbeatReading {
  /** Now, in epoch milliseconds. */
  nowMs: number;
  /** Modification time of the heartbeat file in epoch milliseconds, or undefined if it does not exist. */
  heartbeatMtimeMs: number | undefined;
  /** When the current child started, in epoch milliseconds. */
  childStartedMs: number;
}

/**
 * Age of the heartbeat as the watchdog counts it. A heartbeat written before the child started (by a previous
 * run) does not count against the new child: its age is counted from the start, which gives every child the
 * full timeout to write its first beat.
 */
export function heartbeatAgeMs(reading: HeartbeatReading): number {
  const last = Math.max(reading.heartbeatMtimeMs ?? Number.NEGATIVE_INFINITY, reading.childStartedMs);
  return Math.max(0, reading.nowMs - last);
}

/** True when the child is hung: its heartbeat is older than `timeoutMs`. */
export function isHung(reading: HeartbeatReading, timeoutMs: number): boolean {
  return heartbeatAgeMs(reading) > timeoutMs;
}

/** How often the watchdog polls for a given timeout: a quarter of it, between 50 ms and 1 s. */
export function heartbeatPollMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(timeoutMs / 4)));
}

/** Modification time of the heartbeat file in epoch milliseconds, or undefined if it cannot be read. */
export function readHeartbeatMtimeMs(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
