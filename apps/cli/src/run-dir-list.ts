// The run dirs a fleet command reads (`loop status`, `loop dashboard` over a fleet): every `--run-dir`, then
// the run dirs under `--runs-root`, checked, absolute, each once. Bad input throws a usage error naming the flag.
import { resolve } from 'node:path';
import { findRunDirs, isDirectory } from '@loop/run-dir';
import { usageError } from './errors.js';

/**
 * The run dirs of `--run-dir DIR ...` and `--runs-root DIR`, in that order, without duplicates.
 *
 * @throws LoopCliError (exit 2) naming `--run-dir` or `--runs-root` for a path that is not a directory, or a
 *   runs root without run dirs.
 */
export async function runDirsOf(
  command: string,
  runDirs: readonly string[],
  runsRoot: string | undefined,
): Promise<string[]> {
  const dirs = runDirs.map((d) => resolve(d));
  for (const dir of dirs) {
    if (!(await isDirectory(dir)))
      throw usageError(`loop ${command}: --run-dir: "${dir}" is not a directory`);
  }
  if (runsRoot !== undefined) {
    const root = resolve(runsRoot);
    if (!(await isDirectory(root)))
      throw usageError(`loop ${command}: --runs-root: "${root}" is not a directory`);
    const found = await findRunDirs(root);
    if (found.length === 0) throw usageError(`loop ${command}: --runs-root: no run dirs under "${root}"`);
    dirs.push(...found);
  }
  return [...new Set(dirs)];
}
