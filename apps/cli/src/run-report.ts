// What `loop run` prints: a short final summary, and a progress line on a TTY during long runs.
import { performance } from 'node:perf_hooks';
import type { LoopResult, StageObserver, StepReport } from '@loop/engine';

const ENDED_TEXT: Record<LoopResult['ended'], string> = {
  completed: 'completed',
  signal: 'stopped by a signal',
  halted: 'HALTED by the kill switch',
  error: 'FAILED',
};

/** The final summary, one fact per line. */
export function formatRunSummary(options: {
  result: LoopResult;
  clock: 'simulated' | 'real';
  feed: string;
  initialCash: number;
  runDir: string;
  extraLines: readonly string[];
}): string {
  const { result, clock, initialCash } = options;
  const s = result.stats;
  const p = s.position;
  const f = result.feed;
  const reasons = Object.entries(s.rejectionsByReason)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const stageErrors = Object.entries(s.errorsByStage)
    .filter(([, n]) => n > 0)
    .map(([stage, n]) => `${stage} ${n}`)
    .join(', ');
  const feedFacts = [`${f.candles} candles`];
  if (f.gaps > 0) feedFacts.push(`${f.gaps} gaps (${f.missingIntervals} missing candles)`);
  if (f.skippedRows > 0) feedFacts.push(`${f.skippedRows} bad row${f.skippedRows === 1 ? '' : 's'} skipped`);
  const lines = [
    `loop run: ${ENDED_TEXT[result.ended]} after ${s.steps} steps (${clock} clock ${iso(result.startMs)} -> ${iso(result.endMs)})`,
    `  orders ${s.orders}, fills ${s.fills}${s.settledFills > 0 ? ` (${s.settledFills} booked at the end: the position stage failed last)` : ''}, cancels ${s.cancels}, open ${s.openOrders}`,
    `  rejections ${s.rejections}${reasons ? ` (${reasons})` : ''}`,
    `  errors ${s.errors}${stageErrors ? ` (${stageErrors}; last ${s.lastError})` : ''}${s.observerErrors > 0 ? `, observer errors ${s.observerErrors}` : ''}`,
    `  position ${num(p.position, 4)} @ ${num(p.averageEntry, 2)}, realized ${num(p.realizedPnl, 2)}, unrealized ${num(p.unrealizedPnl, 2)}, fees ${num(p.feesPaid, 2)}`,
    `  equity ${num(p.equity, 2)} (pnl ${num(p.equity - initialCash, 2)}), trading ${s.tradingState}${s.tradingStateReason ? ` (${s.tradingStateReason})` : ''}`,
    `  feed ${options.feed}: ${feedFacts.join(', ')}`,
    `  run dir ${options.runDir}`,
    ...options.extraLines.map((line) => `  ${line}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A one-line progress display for a TTY, redrawn at most every `everyMs` of wall time after `afterMs`. */
export class ProgressLine implements StageObserver {
  readonly #out: NodeJS.WritableStream;
  readonly #maxSteps: number | undefined;
  readonly #startedMs = performance.now();
  readonly #afterMs: number;
  readonly #everyMs: number;
  #lastMs = Number.NEGATIVE_INFINITY;
  #shown = false;

  constructor(
    out: NodeJS.WritableStream,
    maxSteps: number | undefined,
    options: { afterMs?: number; everyMs?: number } = {},
  ) {
    this.#out = out;
    this.#maxSteps = maxSteps;
    this.#afterMs = options.afterMs ?? 1000;
    this.#everyMs = options.everyMs ?? 200;
  }

  onStage(): void {}

  onStepEnd(step: StepReport): void {
    const now = performance.now();
    if (now - this.#startedMs < this.#afterMs || now - this.#lastMs < this.#everyMs) return;
    this.#lastMs = now;
    this.#shown = true;
    const of = this.#maxSteps === undefined ? '' : `/${this.#maxSteps}`;
    this.#out.write(
      `\r\x1b[2Kloop run: step ${step.step}${of}  price ${num(step.price, 2)}  position ${num(step.position, 4)}  equity ${num(step.equity, 2)}  orders ${step.orders}  rejections ${step.rejections}  errors ${step.errors}  ${step.tradingState}`,
    );
  }

  /** Erases the line if it was drawn. */
  clear(): void {
    if (this.#shown) this.#out.write('\r\x1b[2K');
  }
}

function num(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
