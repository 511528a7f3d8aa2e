// Reads the run dir's small documents as `valid | missing | corrupt` values: the metrics summary, run.json
// (strictly, or leniently as any object), the supervisor's state and the heartbeat. Never throws.
import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type MetricsSummary, metricsSummarySchema } from '@loop/metrics';
import type { SupervisorState } from '@loop/supervisor';
import { supervisorStateSchema } from '@loop/supervisor/state-schema';
import { type ZodType, z } from 'zod';
import { HEARTBEAT_FILE, RUN_FILE, SUMMARY_FILE, SUPERVISOR_STATE_FILE } from './file-names.js';
import type { HeartbeatReading } from './heartbeat-schema.js';
import { type RunRecordDocument, runRecordSchema } from './run-record-schema.js';

/** A document read from the run dir: its value, or why it could not be used. */
export type DocumentRead<T> =
  | { state: 'valid'; value: T }
  | { state: 'missing' }
  | { state: 'corrupt'; reason: string };

/** Documents larger than this are not read (reported as corrupt). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** Any JSON object: how the dashboard reads run.json, to show whatever settings a writer put there. */
const anyObjectSchema = z.record(z.string(), z.unknown());

/** Deeper JSON than this is not parsed further (reported as corrupt): no reader or page recurses without bound. */
export const MAX_DOCUMENT_DEPTH = 64;

/** The deepest nesting of arrays and objects in JSON text (brackets inside strings are skipped). Pure. */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

async function readJson(path: string): Promise<DocumentRead<unknown>> {
  let text: string;
  let handle: FileHandle | undefined;
  try {
    // Non-blocking, then fstat: a FIFO, device or socket in place of a document is refused, never waited on.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = await handle.stat();
    if (!stats.isFile()) return { state: 'corrupt', reason: 'is not a regular file' };
    if (stats.size > MAX_DOCUMENT_BYTES)
      return { state: 'corrupt', reason: `larger than ${MAX_DOCUMENT_BYTES} bytes` };
    const buffer = await handle.readFile();
    if (buffer.length > MAX_DOCUMENT_BYTES)
      return { state: 'corrupt', reason: `larger than ${MAX_DOCUMENT_BYTES} bytes` };
    text = buffer.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: `cannot be read: ${(error as Error).message}` };
  } finally {
    await handle?.close().catch(() => {});
  }
  if (jsonDepth(text) > MAX_DOCUMENT_DEPTH)
    return { state: 'corrupt', reason: `nested deeper than ${MAX_DOCUMENT_DEPTH} levels` };
  try {
    return { state: 'valid', value: JSON.parse(text) };
  } catch (error) {
    return { state: 'corrupt', reason: `not JSON: ${(error as Error).message}` };
  }
}

async function readValidated<T>(path: string, schema: ZodType<T>): Promise<DocumentRead<T>> {
  const read = await readJson(path);
  if (read.state !== 'valid') return read;
  const result = schema.safeParse(read.value);
  if (result.success) return { state: 'valid', value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { state: 'corrupt', reason: `does not match the schema: ${where}${issue?.message ?? 'invalid'}` };
}

/** Reads and validates `metrics_summary.json` against @loop/metrics' schema. */
export async function readMetricsSummary(runDir: string): Promise<DocumentRead<MetricsSummary>> {
  return readValidated(join(runDir, SUMMARY_FILE), metricsSummarySchema);
}

/** Reads `run.json` as any JSON object (what a page shows as settings, whoever wrote it). */
export async function readRunInfo(runDir: string): Promise<DocumentRead<Record<string, unknown>>> {
  const read = await readJson(join(runDir, RUN_FILE));
  if (read.state !== 'valid') return read;
  const result = anyObjectSchema.safeParse(read.value);
  if (result.success) return { state: 'valid', value: result.data };
  return { state: 'corrupt', reason: 'is not a JSON object' };
}

/** Reads and validates `run.json` against {@link runRecordSchema}. */
export async function readRunRecord(runDir: string): Promise<DocumentRead<RunRecordDocument>> {
  return readValidated(join(runDir, RUN_FILE), runRecordSchema);
}

/** Reads and validates `supervisor_state.json` against @loop/supervisor's schema. */
export async function readSupervisorState(runDir: string): Promise<DocumentRead<SupervisorState>> {
  return readValidated(join(runDir, SUPERVISOR_STATE_FILE), supervisorStateSchema);
}

/** Reads the heartbeat's mtime; `corrupt` when `heartbeat` is not a regular file. */
export async function readHeartbeat(runDir: string): Promise<DocumentRead<HeartbeatReading>> {
  try {
    const stats = await stat(join(runDir, HEARTBEAT_FILE));
    if (!stats.isFile()) return { state: 'corrupt', reason: 'is not a regular file' };
    return { state: 'valid', value: { mtime_ms: stats.mtimeMs } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: `cannot be read: ${(error as Error).message}` };
  }
}
