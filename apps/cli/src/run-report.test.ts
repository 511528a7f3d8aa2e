import { simulateLoop } from '@loop/engine';
import { describe, expect, it } from 'vitest';
import { formatRunSummary } from './run-report.js';

describe('formatRunSummary', () => {
  it('lists steps, orders, fills, rejections by reason, errors, position and PnL', async () => {
    const result = await simulateLoop({ seed: 42, maxSteps: 5000 });
    const text = formatRunSummary({
      result,
      clock: 'simulated',
      feed: 'synthetic',
      initialCash: 100_000,
      runDir: 'runs/x',
      extraLines: ['metrics: ok'],
    });
    expect(text.split('\n')).toEqual([
      'loop run: completed after 5000 steps (simulated clock 2024-01-01T00:00:00.000Z -> 2024-01-01T01:23:19.002Z)',
      `  orders ${result.stats.orders}, fills ${result.stats.fills}, cancels 0, open 0`,
      `  rejections ${result.stats.rejections} (PRICE_BAND ${result.stats.rejectionsByReason.PRICE_BAND})`,
      '  errors 0',
      expect.stringMatching(/^ {2}position 1 @ [\d.]+, realized -?[\d.]+, unrealized -?[\d.]+, fees [\d.]+$/),
      expect.stringMatching(/^ {2}equity [\d.]+ \(pnl -?[\d.]+\), trading ACTIVE$/),
      '  feed synthetic: 5000 candles',
      '  run dir runs/x',
      '  metrics: ok',
      '',
    ]);
  });
});
