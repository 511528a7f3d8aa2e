// What `loop run` prints at the end: a short summary, one fact per line.
import type { LoopResult } from '@loop/engine';

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

function num(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
