// The stderr lines of a failing metrics disk: one when writes start failing, one when they recover,
// rate-limited so a disk that flaps cannot flood the terminal or the supervisor's log.
import type { WriterHealthChange } from '@loop/metrics';

/** At most one "failing" line this often (ms); a recovery line follows only a printed failing line. */
export const HEALTH_LINE_INTERVAL_MS = 60_000;

/**
 * Turns writer health changes into stderr lines. `now` is a monotonic clock in ms (real time, also under
 * the simulated clock: it paces lines for a human).
 */
export class MetricsHealthLines {
  private lastFailingLineMs = Number.NEGATIVE_INFINITY;
  private failingPrinted = false;
  private suppressed = 0;

  constructor(
    private readonly print: (line: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  onChange(change: WriterHealthChange): void {
    if (change.state === 'failing') {
      const now = this.now();
      if (now - this.lastFailingLineMs < HEALTH_LINE_INTERVAL_MS) {
        this.suppressed++;
        return;
      }
      this.lastFailingLineMs = now;
      this.failingPrinted = true;
      const again = this.suppressed > 0 ? ` (failed again ${this.suppressed} times since the last line)` : '';
      this.suppressed = 0;
      this.print(
        `loop run: metrics: cannot write ${change.file}: ${change.error}; the loop goes on, lines wait in memory and are dropped (counted) when it fills${again}`,
      );
      return;
    }
    if (!this.failingPrinted) return;
    this.failingPrinted = false;
    this.print(
      `loop run: metrics: writing ${change.file} again (${change.writeErrors} failed writes, ${change.linesDropped} lines dropped so far)`,
    );
  }
}
