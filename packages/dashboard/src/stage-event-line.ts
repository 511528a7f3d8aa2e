// Validates one NDJSON line against @loop/metrics' stage-event schema, with a fast path for well-formed lines.
import { type StageEventLine, stageEventLineSchema } from '@loop/metrics';

/** The outcome of reading one line: the event, or why the line was skipped. */
export type StageEventLineVerdict = { ok: true; event: StageEventLine } | { ok: false; reason: string };

const OUTCOMES = new Set(['ok', 'rejected', 'error']);

/**
 * A conservative hand-written check that accepts only objects the zod schema also accepts. It exists because
 * running zod on every one of millions of lines roughly doubles the cost of reading a history; anything it does
 * not accept is handed to zod, which decides and explains.
 */
export function isPlainStageEvent(value: unknown): value is StageEventLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  if (o.v !== 1) return false;
  const { ts, step, stage, outcome, latency_ms: latency, reason, detail, attrs } = o;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return false;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) return false;
  if (typeof stage !== 'string' || stage.length === 0 || stage.length > 256) return false;
  if (typeof outcome !== 'string' || !OUTCOMES.has(outcome)) return false;
  if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) return false;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 256)) return false;
  if (detail !== undefined && (typeof detail !== 'string' || detail.length > 4096)) return false;
  if (attrs !== undefined) {
    if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) return false;
    if (Object.getPrototypeOf(attrs) !== Object.prototype) return false;
    for (const key in attrs) {
      if (key.length > 64) return false;
      const item = (attrs as Record<string, unknown>)[key];
      if (typeof item === 'number') {
        if (!Number.isFinite(item)) return false;
      } else if (typeof item !== 'string' || item.length > 256) return false;
    }
  }
  return true;
}

/**
 * The hot-path form of {@link parseStageEventLine}: the event, or a string saying why the line was skipped.
 * It allocates nothing beyond what JSON.parse does for a valid line.
 */
export function readStageEventLine(text: string): StageEventLine | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Blank lines (empty or spaces) are bad lines like any other, counted the same way.
    return text.trim().length === 0 ? 'blank line' : 'not JSON (torn or corrupt line)';
  }
  if (isPlainStageEvent(value)) return value;
  const result = stageEventLineSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `schema: ${where}${issue?.message ?? 'invalid'}`;
}

/**
 * Parses and validates one NDJSON line. Never throws: a line that is not JSON or does not match the schema
 * comes back as `{ ok: false, reason }` with a short reason naming the offending field.
 */
export function parseStageEventLine(text: string): StageEventLineVerdict {
  const read = readStageEventLine(text);
  return typeof read === 'string' ? { ok: false, reason: read } : { ok: true, event: read };
}
