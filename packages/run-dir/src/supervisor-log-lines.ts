// Reads supervisor.log back: `<ISO time> <event> key=value ...` a line, values bare or JSON-quoted. Pure.

/** One line of supervisor.log, parsed. Field values are kept as the text the log holds (`-` is null). */
export interface SupervisorLogEntry {
  /** Epoch milliseconds of the line's time. */
  atMs: number;
  /** The event name, e.g. `child_start`, `child_exit`, `backoff`, `gave_up`, `watchdog_hung`. */
  type: string;
  fields: Record<string, string | null>;
}

const field = /\s([A-Za-z0-9_]+)=("(?:[^"\\]|\\.)*"|\S+)/g;

/** Parses one log line; `undefined` for a line that is not one (torn, foreign, empty). */
export function parseSupervisorLogLine(line: string): SupervisorLogEntry | undefined {
  const head = /^(\S+) ([a-z_]+)(?=\s|$)/.exec(line);
  if (!head) return undefined;
  const atMs = Date.parse(head[1]!);
  if (!Number.isFinite(atMs)) return undefined;
  const fields: Record<string, string | null> = {};
  const rest = line.slice(head[0].length);
  for (const match of rest.matchAll(field)) {
    const raw = match[2]!;
    let value: string | null = raw;
    if (raw.startsWith('"')) {
      try {
        value = String(JSON.parse(raw));
      } catch {
        value = raw;
      }
    } else if (raw === '-') value = null;
    fields[match[1]!] = value;
  }
  return { atMs, type: head[2]!, fields };
}

/** Parses a whole log text, skipping lines that are not log lines. */
export function parseSupervisorLog(text: string): SupervisorLogEntry[] {
  const entries: SupervisorLogEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = parseSupervisorLogLine(line);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** A field as a number, or null when absent or not a number. */
export function numberField(entry: SupervisorLogEntry, key: string): number | null {
  const value = entry.fields[key];
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
