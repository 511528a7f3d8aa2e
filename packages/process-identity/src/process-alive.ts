// Is a pid alive? A zombie (exited, not yet reaped) is dead: it runs nothing and will never run again.
import { errnoCode, ProcessIdentityError } from './errors.js';
import { hasProcfs, type ProcfsOptions, readProcStat } from './procfs.js';

/** What a pid is now: running (or stopped, sleeping), a zombie, or gone. */
export type ProcessLiveness = 'alive' | 'zombie' | 'dead';

/** True for a pid that can name one process: a whole number above 0. (0 and negatives name groups.) */
export function isValidPid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0;
}

/**
 * Where `pid` is in its life. Signal 0 says whether it exists (EPERM: it does, under another user); on Linux
 * /proc/<pid>/stat then says whether it is a zombie (`Z`) or dead (`X`). Without /proc (another OS, a
 * sandbox) an existing pid is `alive`. An invalid pid (0, negative, not a whole number) is `dead`, and no
 * signal is sent (0 or -1 would probe whole process groups).
 */
export function processLiveness(pid: number, options?: ProcfsOptions): ProcessLiveness {
  if (!isValidPid(pid)) return 'dead';
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ESRCH') return 'dead';
    if (code !== 'EPERM') {
      throw new ProcessIdentityError(
        'LOOP_PROCESS_SIGNAL_FAILED',
        `cannot probe pid ${pid}: ${String(error)}`,
        {
          cause: error,
          context: { pid, errno: code },
        },
      );
    }
  }
  const stat = readProcStat(pid, options);
  if (stat === undefined) return hasProcfs(options) ? 'dead' : 'alive'; // gone between the probe and the read
  if (stat.state === 'Z') return 'zombie';
  if (stat.state === 'X') return 'dead';
  return 'alive';
}

/** True when `pid` runs: it exists (even under another user) and is not a zombie waiting to be reaped. */
export function isProcessAlive(pid: number, options?: ProcfsOptions): boolean {
  return processLiveness(pid, options) === 'alive';
}
