// The book part of the dashboard model: account currency, totals (run.json's final stats, else the summary's
// gauges, else the files), drawdown and the recent position changes. Pure.
import type { MetricsSummary } from '@loop/metrics';
import type { RunHistory } from '@loop/run-dir';
import type { BookModel } from './model.js';

/** Keys of run.json (top level or under `settings`) that may name the account currency, in order. */
export const CURRENCY_KEYS = ['account_currency', 'currency', 'quote_currency'] as const;

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const record = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/** The account currency run.json names (a short code or word), or null. */
export function currencyOf(runInfo: Record<string, unknown> | null): string | null {
  if (runInfo === null) return null;
  for (const scope of [record(runInfo.settings), runInfo]) {
    if (scope === null) continue;
    for (const key of CURRENCY_KEYS) {
      const value = scope[key];
      if (typeof value === 'string' && value.trim() !== '' && value.length <= 16) return value.trim();
    }
  }
  return null;
}

/** Builds the {@link BookModel} from the history, the summary and run.json (each may be absent). */
export function composeBook(
  history: RunHistory,
  summary: MetricsSummary | null,
  runInfo: Record<string, unknown> | null,
): BookModel {
  const latest = history.latestAttrs();
  const stats = record(runInfo?.stats);
  const position = record(stats?.position);
  const gauges = summary?.gauges ?? {};
  let totals: BookModel['totals'];
  if (stats && position) {
    totals = {
      source: 'run-record',
      equity: num(position.equity),
      realizedPnl: num(position.realized_pnl),
      unrealizedPnl: num(position.unrealized_pnl),
      feesPaid: num(position.fees_paid),
      position: num(position.position),
      price: num(position.mark_price),
      fills: num(stats.fills),
      orders: num(stats.orders),
      tradedNotional: num(stats.traded_notional),
    };
  } else if (summary) {
    totals = {
      source: 'summary',
      equity: num(gauges.equity),
      realizedPnl: num(gauges.realized_pnl),
      unrealizedPnl: num(gauges.unrealized_pnl),
      feesPaid: num(gauges.fees_paid),
      position: num(gauges.position),
      price: num(gauges.price),
      fills: summary.counters.filled,
      orders: null,
      tradedNotional: null,
    };
  } else {
    totals = {
      source: 'files',
      equity: num(latest.equity),
      realizedPnl: null,
      unrealizedPnl: null,
      feesPaid: null,
      position: num(latest.position),
      price: num(latest.price),
      fills: history.recomputedCounters().filled,
      orders: null,
      tradedNotional: null,
    };
  }
  const { changes, total } = history.positionChanges();
  return {
    currency: currencyOf(runInfo),
    totals,
    drawdown: history.drawdownSeries(),
    maxDrawdown: history.maxDrawdown(),
    changes,
    changesTotal: total,
  };
}
