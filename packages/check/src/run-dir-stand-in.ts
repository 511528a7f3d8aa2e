// TEMPORARY stand-in for @loop/run-dir's document readers until that package lands on main. Not to merge.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type MetricsSummary, metricsSummarySchema } from '@loop/metrics';

export type DocumentRead<T> =
  | { state: 'valid'; value: T }
  | { state: 'missing' }
  | { state: 'corrupt'; reason: string };

async function readJson(path: string): Promise<DocumentRead<unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: String(error) };
  }
  try {
    return { state: 'valid', value: JSON.parse(text) };
  } catch (error) {
    return { state: 'corrupt', reason: `not JSON: ${(error as Error).message}` };
  }
}

export async function readMetricsSummary(runDir: string): Promise<DocumentRead<MetricsSummary>> {
  const read = await readJson(join(runDir, 'metrics_summary.json'));
  if (read.state !== 'valid') return read;
  const r = metricsSummarySchema.safeParse(read.value);
  return r.success ? { state: 'valid', value: r.data } : { state: 'corrupt', reason: 'schema' };
}

export async function readRunInfo(runDir: string): Promise<DocumentRead<Record<string, unknown>>> {
  return (await readJson(join(runDir, 'run.json'))) as DocumentRead<Record<string, unknown>>;
}

export async function readSupervisorState(runDir: string): Promise<DocumentRead<{ restarts: number }>> {
  return (await readJson(join(runDir, 'supervisor_state.json'))) as DocumentRead<{ restarts: number }>;
}
