// Names of the files in a run dir, and the chronological order of the rotated NDJSON files.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The current NDJSON file; rotated files are `metrics.ndjson.1` (oldest), `.2`, ... */
export const METRICS_FILE = 'metrics.ndjson';
/** The summary, replaced atomically by the writer. */
export const SUMMARY_FILE = 'metrics_summary.json';
/** The run's settings, written by `loop run`. */
export const RUN_INFO_FILE = 'run.json';
/** Where `loop dashboard` writes the page by default. */
export const DASHBOARD_FILE = 'dashboard.html';

/** One NDJSON file of a run dir. */
export interface MetricsFileRef {
  /** File name inside the run dir, e.g. `metrics.ndjson.3`. */
  name: string;
  /** Absolute or run-dir-relative path. */
  path: string;
  /** Rotation number; `Infinity` for the current file, which always comes last. */
  rotation: number;
}

const rotatedName = /^metrics\.ndjson\.([1-9]\d{0,8})$/;

/**
 * Orders NDJSON file names chronologically: rotated files by number (`.1` is the oldest, compared as numbers,
 * so `.10` comes after `.9`), then the current `metrics.ndjson`. Other names are ignored. Pure.
 */
export function orderMetricsFiles(runDir: string, names: readonly string[]): MetricsFileRef[] {
  const files: MetricsFileRef[] = [];
  for (const name of names) {
    if (name === METRICS_FILE) {
      files.push({ name, path: join(runDir, name), rotation: Number.POSITIVE_INFINITY });
      continue;
    }
    const match = rotatedName.exec(name);
    if (match) files.push({ name, path: join(runDir, name), rotation: Number(match[1]) });
  }
  return files.sort((a, b) => a.rotation - b.rotation);
}

/** Lists a run dir's NDJSON files in chronological order. */
export async function listMetricsFiles(runDir: string): Promise<MetricsFileRef[]> {
  return orderMetricsFiles(runDir, await readdir(runDir));
}
