// Reads the run dir's small JSON documents: the metrics summary (strictly) and run.json (leniently).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type MetricsSummary, metricsSummarySchema } from '@loop/metrics';
import { z } from 'zod';
import { RUN_INFO_FILE, SUMMARY_FILE } from './run-dir-files.js';

/** A document read from the run dir: its value, or why it could not be used. */
export type DocumentRead<T> =
  | { state: 'valid'; value: T }
  | { state: 'missing' }
  | { state: 'corrupt'; reason: string };

/** Documents larger than this are not read (reported as corrupt). */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** run.json's shape is the engine's; any JSON object is accepted and shown as key/value settings. */
const runInfoSchema = z.record(z.string(), z.unknown());

async function readJson(path: string): Promise<DocumentRead<unknown>> {
  let text: string;
  try {
    const buffer = await readFile(path);
    if (buffer.length > MAX_DOCUMENT_BYTES)
      return { state: 'corrupt', reason: `larger than ${MAX_DOCUMENT_BYTES} bytes` };
    text = buffer.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: `cannot be read: ${(error as Error).message}` };
  }
  try {
    return { state: 'valid', value: JSON.parse(text) };
  } catch (error) {
    return { state: 'corrupt', reason: `not JSON: ${(error as Error).message}` };
  }
}

/** Reads and validates `metrics_summary.json` against @loop/metrics' schema. */
export async function readMetricsSummary(runDir: string): Promise<DocumentRead<MetricsSummary>> {
  const read = await readJson(join(runDir, SUMMARY_FILE));
  if (read.state !== 'valid') return read;
  const result = metricsSummarySchema.safeParse(read.value);
  if (result.success) return { state: 'valid', value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { state: 'corrupt', reason: `does not match the schema: ${where}${issue?.message ?? 'invalid'}` };
}

/** Reads `run.json` as any JSON object. */
export async function readRunInfo(runDir: string): Promise<DocumentRead<Record<string, unknown>>> {
  const read = await readJson(join(runDir, RUN_INFO_FILE));
  if (read.state !== 'valid') return read;
  const result = runInfoSchema.safeParse(read.value);
  if (result.success) return { state: 'valid', value: result.data };
  return { state: 'corrupt', reason: 'is not a JSON object' };
}

const MAX_SETTINGS = 200;
const MAX_VALUE_CHARS = 500;

/**
 * Flattens run.json into dotted `key = value` rows for a table (`settings.seed = 42`). Arrays of scalars are
 * joined; deeper values are shown as JSON. Bounded to 200 rows of at most 500 characters. Pure.
 */
export function flattenSettings(value: Record<string, unknown>): Array<{ key: string; value: string }> {
  const rows: Array<{ key: string; value: string }> = [];
  const visit = (prefix: string, item: unknown, depth: number): void => {
    if (rows.length >= MAX_SETTINGS) return;
    if (item !== null && typeof item === 'object' && !Array.isArray(item) && depth < 4) {
      const entries = Object.entries(item as Record<string, unknown>);
      if (entries.length === 0) rows.push({ key: prefix, value: '{}' });
      for (const [k, v] of entries) visit(prefix === '' ? k : `${prefix}.${k}`, v, depth + 1);
      return;
    }
    let text: string;
    if (typeof item === 'string') text = item;
    else if (Array.isArray(item) && item.every((x) => x === null || typeof x !== 'object'))
      text = item.join(' ');
    else text = JSON.stringify(item) ?? String(item);
    if (text.length > MAX_VALUE_CHARS) text = `${text.slice(0, MAX_VALUE_CHARS)}…`;
    rows.push({ key: prefix, value: text });
  };
  visit('', value, 0);
  return rows;
}
