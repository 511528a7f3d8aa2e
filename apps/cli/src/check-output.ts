// Shared by `loop check`, `loop compare` and `loop run --threshold`: thresholds from flags and files, the
// package's errors as the CLI's (bad input exits 2 naming the flag), and the JUnit file written atomically.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { compileThreshold, type FileThreshold, isLoopCheckError, readThresholdsFile } from '@loop/check';
import { makeDirectory } from '@loop/metrics';
import { LoopCliError, usageError } from './errors.js';

/** Turns @loop/check's errors into the CLI's: input errors exit 2 naming `flag`, read failures exit 1. */
export function checkErrorToCli(command: string, flag: string, error: unknown): unknown {
  if (!isLoopCheckError(error)) return error;
  switch (error.code) {
    case 'LOOP_CHECK_READ_FAILED':
      return new LoopCliError('LOOP_CLI_RUNTIME', `loop ${command}: ${error.message}`, { cause: error });
    case 'LOOP_CHECK_THRESHOLDS_FILE':
      return new LoopCliError('LOOP_CLI_INPUT', `loop ${command}: --thresholds: ${error.message}`, {
        cause: error,
      });
    case 'LOOP_CHECK_RUN_DIR_MISSING':
      return new LoopCliError('LOOP_CLI_INPUT', `loop ${command}: ${flag}: ${error.message}`, {
        cause: error,
      });
    default: {
      // A threshold from a file already names its file and line.
      const origin = error.context.origin;
      const where = typeof origin === 'string' && origin.includes(':') ? '--thresholds' : flag;
      return usageError(`loop ${command}: ${where}: ${error.message}`, error);
    }
  }
}

/** The thresholds of `--threshold` (repeatable) then `--thresholds FILE`, compiled (names checked). */
export async function gatherThresholds(
  command: string,
  expressions: readonly string[],
  file: string | undefined,
): Promise<FileThreshold[]> {
  const thresholds: FileThreshold[] = [];
  for (const text of expressions) {
    try {
      thresholds.push({ ...compileThreshold(text, '--threshold'), abortOnFail: false });
    } catch (error) {
      throw checkErrorToCli(command, '--threshold', error);
    }
  }
  if (file !== undefined) {
    try {
      thresholds.push(...(await readThresholdsFile(file)));
    } catch (error) {
      throw checkErrorToCli(command, '--thresholds', error);
    }
  }
  return thresholds;
}

/** Writes `text` to `file` through a temp file and a rename, making missing folders; failures exit 1. */
export function writeReportFile(command: string, flag: string, file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    makeDirectory(dirname(file));
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new LoopCliError(
      'LOOP_CLI_RUNTIME',
      `loop ${command}: ${flag}: cannot write ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
