// Shared by `loop compare A B` and `loop dashboard --compare A B`: both run dirs checked first (a missing one
// exits 2 naming its side), then compared; @loop/check's errors become the CLI's.
import { isAbsolute, resolve } from 'node:path';
import { assertRunDir, compareRunDirs, type RunDirComparison } from '@loop/check';
import { checkErrorToCli } from './check-output.js';

/** One side of a comparison: the run dir as given, and how the command names it in a message. */
export interface ComparisonSide {
  dir: string;
  /** `A`, `--compare B`, ... */
  label: string;
}

/** `path` made absolute against the working directory. */
export function absolutePath(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * Compares run dir B against A for `loop <command>`. A run dir that is missing or not a directory exits 2
 * naming its side's label; a read failure exits 1 naming `readLabel`.
 */
export async function compareRunDirsForCli(
  command: string,
  a: ComparisonSide,
  b: ComparisonSide,
  options: { readLabel: string; maxSteps?: number | undefined },
): Promise<RunDirComparison> {
  for (const side of [a, b]) {
    try {
      await assertRunDir(absolutePath(side.dir));
    } catch (error) {
      throw checkErrorToCli(command, side.label, error);
    }
  }
  try {
    return await compareRunDirs(
      absolutePath(a.dir),
      absolutePath(b.dir),
      options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps },
    );
  } catch (error) {
    throw checkErrorToCli(command, options.readLabel, error);
  }
}
