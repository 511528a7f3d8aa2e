// `loop run`'s progress on stderr: one line redrawn in place on a TTY, or a plain line every N seconds
// off a TTY. Cheap on the hot path: a step only stores its report; time is read every few steps.
import { performance } from 'node:perf_hooks';
import type { StageObserver, StepReport } from '@loop/engine';

/** How progress is shown: redrawn in place (TTY) or appended as lines (a pipe or a log file). */
export type ProgressMode = 'tty' | 'lines';

/** Options of {@link RunProgress}. */
export interface RunProgressOptions {
  /** Where the progress goes (stderr). `columns`, when known, caps the TTY line's width. */
  out: NodeJS.WritableStream & { columns?: number };
  mode: ProgressMode;
  /** `simulated` shows the simulated time; `real` shows how long the run has been up. */
  clock: 'simulated' | 'real';
  /** Shown as `step n/N`. */
  maxSteps?: number;
  /** Lines written to metrics.ndjson so far, when metrics are on. */
  eventsWritten?: () => number;
  /** Wall time between two lines (default: 250 ms on a TTY, at most 4 a second; 10 s off a TTY). */
  everyMs?: number;
  /** Nothing is shown before this much wall time (default: 1 s on a TTY; `everyMs` off a TTY). */
  afterMs?: number;
  /** Wall clock in ms; tests pass their own. */
  now?: () => number;
}

/** Default seconds between progress lines off a TTY. */
export const DEFAULT_PROGRESS_EVERY_S = 10;

/** Time is read once every this many simulated steps (a real-clock step is slow: every step). */
const SIMULATED_STRIDE = 16;

/** A {@link StageObserver} that shows the run's progress; {@link RunProgress.clear} at the end. */
export class RunProgress implements StageObserver {
  readonly #options: RunProgressOptions;
  readonly #now: () => number;
  readonly #everyMs: number;
  readonly #stride: number;
  readonly #startedMs: number;
  #nextMs: number;
  #lastMs: number;
  #lastStep = 0;
  #shown = false;

  constructor(options: RunProgressOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    const tty = options.mode === 'tty';
    this.#everyMs = options.everyMs ?? (tty ? 250 : DEFAULT_PROGRESS_EVERY_S * 1000);
    this.#stride = options.clock === 'simulated' ? SIMULATED_STRIDE : 1;
    this.#startedMs = this.#now();
    this.#lastMs = this.#startedMs;
    this.#nextMs = this.#startedMs + (options.afterMs ?? (tty ? 1000 : this.#everyMs));
  }

  onStage(): void {}

  onStepEnd(step: StepReport): void {
    if (step.step % this.#stride !== 0) return;
    const now = this.#now();
    if (now < this.#nextMs) return;
    this.#nextMs = now + this.#everyMs;
    const line = this.format(step, now);
    if (this.#options.mode === 'tty') {
      this.#shown = true;
      this.#options.out.write(`\r\x1b[2K${line}`);
    } else {
      this.#options.out.write(`${line}\n`);
    }
  }

  /** The progress line for `step` at wall time `now`; steps/s is over the time since the previous line. */
  format(step: StepReport, now: number): string {
    const seconds = (now - this.#lastMs) / 1000;
    const rate = seconds > 0 ? (step.step - this.#lastStep) / seconds : 0;
    this.#lastMs = now;
    this.#lastStep = step.step;
    const o = this.#options;
    const parts = [
      `step ${whole(step.step)}${o.maxSteps === undefined ? '' : `/${whole(o.maxSteps)}`}`,
      `${whole(rate)} steps/s`,
      o.clock === 'simulated' ? `sim ${isoSeconds(step.timeMs)}` : `up ${duration(now - this.#startedMs)}`,
      ...(o.eventsWritten ? [`events ${whole(o.eventsWritten())}`] : []),
      `rejections ${whole(step.rejections)}`,
      `errors ${whole(step.errors)}`,
      `equity ${money(step.equity)}`,
      step.tradingState,
    ];
    const line = `loop run: ${parts.join('  ')}`;
    const columns = o.mode === 'tty' ? o.out.columns : undefined;
    // A line wider than the terminal wraps, and `\r` would then redraw only its last row.
    return columns !== undefined && columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line;
  }

  /** Erases the in-place line if one was drawn (before the summary is printed). */
  clear(): void {
    if (this.#shown) this.#options.out.write('\r\x1b[2K');
    this.#shown = false;
  }
}

const wholeFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const moneyFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function whole(value: number): string {
  return wholeFormat.format(value);
}

function money(value: number): string {
  return moneyFormat.format(value);
}

/** `2024-01-01T05:42:11Z`: the simulated time, UTC, to the second. */
function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** `42s`, `5m07s`, `3h02m`, `2d04h`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}
