// supervisor.log: one line an event, `<ISO time> <event> key=value ...`, only ever appended to.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { SupervisorLogRecord } from './supervisor-events.js';

const bareValue = /^[A-Za-z0-9_.:/@+-]+$/;

/**
 * Formats one log line (with its newline): values with spaces or quotes are JSON-quoted. For an event, pass
 * `logRecordOf(event)`.
 */
export function formatLogLine(event: SupervisorLogRecord): string {
  let line = `${new Date(event.atMs).toISOString()} ${event.type}`;
  for (const [key, value] of Object.entries(event.fields)) {
    const text = value === null ? '-' : String(value);
    line += ` ${key}=${bareValue.test(text) ? text : JSON.stringify(text)}`;
  }
  return `${line}\n`;
}

/** An append-only log file (opened with O_APPEND; a line is one write, so lines never interleave). */
export class SupervisorLog {
  readonly file: string;
  #fd: number | undefined;

  constructor(file: string) {
    this.file = file;
    this.#fd = openSync(file, 'a', 0o644);
  }

  /** Appends one event. A failed write is swallowed: logging never takes supervision down. */
  append(event: SupervisorLogRecord): void {
    if (this.#fd === undefined) return;
    try {
      writeSync(this.#fd, formatLogLine(event));
    } catch {
      // A full disk must not stop the supervisor from restarting the bot.
    }
  }

  /** Closes the file; later appends are dropped. */
  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
