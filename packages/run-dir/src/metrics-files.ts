// The chronological order of a run dir's NDJSON files (pure; the rotation-safe listing that readers use is
// @loop/metrics' snapshotMetricsFiles).
import { join } from 'node:path';
import { METRICS_FILE, ROTATED_FILE_PATTERN } from './file-names.js';

/** One NDJSON file of a run dir. */
export interface MetricsFileRef {
  /** File name inside the run dir, e.g. `metrics.ndjson.3`. */
  name: string;
  /** Absolute or run-dir-relative path. */
  path: string;
  /** Rotation number; `Infinity` for the current file, which always comes last. */
  rotation: number;
}

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
    const match = ROTATED_FILE_PATTERN.exec(name);
    if (match) files.push({ name, path: join(runDir, name), rotation: Number(match[1]) });
  }
  return files.sort((a, b) => a.rotation - b.rotation);
}
