// metrics_summary.json: written atomically (temp file, fsync, rename) so a reader never sees half a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, MetricsError } from './errors.js';
import { type MetricsSummary, metricsSummarySchema } from './schema.js';

/** File name of the summary inside a run dir. */
export const SUMMARY_FILE = 'metrics_summary.json';

/** The summary's bytes: 2-space JSON and a final newline (stable key order, so deterministic runs match). */
export function formatSummary(summary: MetricsSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/**
 * Replaces `<dir>/metrics_summary.json` atomically: write a temp file, fsync it (unless `fsync: false`: the
 * file is then still whole for readers, but a power cut may lose it), rename it over the old one.
 * Throws `LOOP_METRICS_WRITE_FAILED` (the temp file is removed); callers in a loop count it instead.
 */
export function writeSummaryAtomic(
  dir: string,
  summary: MetricsSummary,
  options: { fsync?: boolean } = {},
): void {
  const target = path.join(dir, SUMMARY_FILE);
  const temp = `${target}.tmp`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'w');
    fs.writeSync(fd, formatSummary(summary));
    if (options.fsync ?? true) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // closing a broken fd: nothing more to do
      }
    }
    try {
      fs.unlinkSync(temp);
    } catch {
      // no temp file left
    }
    throw new MetricsError(
      'LOOP_METRICS_WRITE_FAILED',
      `${target}: cannot write the summary: ${describeError(error)}`,
      {
        cause: error,
        context: { file: target },
      },
    );
  }
}

/**
 * Reads and validates `<runDir>/metrics_summary.json`. Returns `undefined` if there is none; throws
 * `LOOP_METRICS_SUMMARY_INVALID` naming the file and the first bad field if it is not valid.
 */
export async function readSummary(runDir: string): Promise<MetricsSummary | undefined> {
  const file = path.join(runDir, SUMMARY_FILE);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MetricsError('LOOP_METRICS_READ_FAILED', `${file}: ${describeError(error)}`, {
      cause: error,
      context: { file },
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MetricsError(
      'LOOP_METRICS_SUMMARY_INVALID',
      `${file}: not valid JSON: ${describeError(error)}`,
      {
        cause: error,
        context: { file },
      },
    );
  }
  const result = metricsSummarySchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new MetricsError('LOOP_METRICS_SUMMARY_INVALID', `${file}: ${where}: ${issue.message}`, {
      cause: result.error,
      context: { file, path: where },
    });
  }
  return result.data;
}
