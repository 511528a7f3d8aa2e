// Writes the rendered page atomically: a temp file beside the target, then a rename.
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LoopDashboardError } from './errors.js';
import { describeValue } from './model-shape.js';
import { checkText, invalidOption } from './option-checks.js';

/**
 * Writes `html` to `path` so that readers see either the old file or the whole new one: the page goes to a
 * temp file in the same directory, which is then renamed over `path`. The temp file is removed on failure.
 *
 * @throws LoopDashboardError `LOOP_DASHBOARD_WRITE_FAILED`; `LOOP_DASHBOARD_OPTION_INVALID` unless `path` is a
 *   non-empty string and `html` a string.
 */
export async function writeDashboardFile(path: string, html: string): Promise<void> {
  checkText('writeDashboardFile', 'path', path);
  if (typeof html !== 'string') {
    throw invalidOption('writeDashboardFile', `html must be a string, got ${describeValue(html)}`, 'html');
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, html, { encoding: 'utf8', flag: 'wx' });
    await rename(temp, path);
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    throw new LoopDashboardError(
      'LOOP_DASHBOARD_WRITE_FAILED',
      `cannot write ${path}: ${(cause as Error).message}`,
      {
        cause,
        context: { path },
      },
    );
  }
}
