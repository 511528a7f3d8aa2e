// `loop run`'s flush mode when `--metrics-flush` is not given, and whether the run's metrics use the
// writer thread: small and free of runtime imports, so that \`main\` can ask before it loads \`run\`.
import type { FlushMode } from '@loop/metrics';

/**
 * The flush mode when `--metrics-flush` is not given: a real-clock loop steps seldom and each step
 * matters (flush each), a simulated replay steps as fast as it can and can be run again (batch).
 */
export function defaultFlushMode(clock: 'simulated' | 'real'): FlushMode {
  return clock === 'real' ? 'step' : 'batch';
}

/**
 * True when `loop run <args>` will write its metrics on the writer thread: `--enable-metrics` with a
 * `batch` or `interval` flush, given or {@link defaultFlushMode}'s. Read from the raw arguments before
 * they are parsed: a wrong guess only costs a thread that ends unused, or the usual start. Pure.
 */
export function runUsesWriterThread(args: readonly string[]): boolean {
  if (!args.includes('--enable-metrics') || args.includes('--help') || args.includes('-h')) return false;
  const value = (flag: string): string | undefined => {
    let found: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === `--${flag}`) found = args[i + 1];
      else if (arg.startsWith(`--${flag}=`)) found = arg.slice(flag.length + 3);
    }
    return found;
  };
  const flush = value('metrics-flush') ?? defaultFlushMode(value('clock') === 'real' ? 'real' : 'simulated');
  return flush === 'batch' || flush === 'interval';
}
