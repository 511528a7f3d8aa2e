// View data of the page's time-based sections: rates, latency small multiples, reasons with examples, the
// recent rejections and errors, and Position & PnL. Pure: numbers formatted, markup built from numbers only.
import { type BookChart, bookCharts, humanLabel } from './book-charts.js';
import { formatCount, formatDuration, formatGauge, formatTime } from './display-format.js';
import { latencyCharts, percentileLegend, type StageLatencyChart } from './latency-charts.js';
import type { DashboardModel, TailEvent } from './model.js';
import { type RateChart, rateCharts } from './rate-charts.js';
import { tickUnit, timeLayout } from './time-frame.js';

// One formatter for every amount: toLocaleString would build a new one per call.
const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const money = (v: number) => MONEY.format(v);
const signedMoney = (v: number) => (v > 0 ? `+${money(v)}` : v < 0 ? `−${money(-v)}` : money(v));

/** A share as a percent that never reads 0 for a non-zero count: `0.12%`, `<0.01%`, `37.5%`. */
export function formatShare(share: number): string {
  if (share <= 0) return '0%';
  const pct = share * 100;
  if (pct < 0.01) return '<0.01%';
  if (pct < 1) return `${pct.toFixed(2)}%`;
  if (pct < 10) return `${pct.toFixed(1)}%`;
  return `${Math.round(pct)}%`;
}

/** The symbol of each outcome: told apart by more than colour. */
export const OUTCOME_SYMBOLS = { ok: '✓', rejected: '⊘', error: '✕' } as const;

/** What the time sections show. */
export interface SectionsView {
  axis: { from: string; to: string; unit: string; restarts: number; shifted: boolean; bucket: string } | null;
  rates: RateChart[];
  latency: StageLatencyChart[];
  percentileLegend: string;
  reasons: Array<{
    stage: string;
    outcome: string;
    symbol: string;
    reason: string;
    count: string;
    share: string;
    first: string;
    last: string;
    examples: Array<{ which: string; detail: string; source: string }>;
  }>;
  reasonsFromFiles: boolean;
  recentRejections: ProblemRow[];
  recentErrors: ProblemRow[];
  book: {
    currencyText: string;
    cards: Array<{ key: string; label: string; value: string; tone: string }>;
    charts: BookChart[];
    changes: Array<{
      time: string;
      step: string;
      lifetime: string;
      side: string;
      change: string;
      position: string;
      price: string;
      equity: string;
      source: string;
    }>;
    changesTotal: string;
    totalsSource: string;
  } | null;
}

/** A row of the recent rejections or errors table. */
export interface ProblemRow {
  time: string;
  step: string;
  stage: string;
  reason: string;
  detail: string;
  source: string;
}

const problemRow = (e: TailEvent): ProblemRow => ({
  time: formatTime(e.ts, { millis: true }),
  step: formatCount(e.step),
  stage: e.stage,
  reason: e.reason ?? '',
  detail: e.detail ?? '',
  source: `${e.file}:${e.line}`,
});

/** The view of the time sections of `model` (empty parts where an older model lacks the data). */
export function sectionsView(model: DashboardModel, options: { hoverTitles?: boolean } = {}): SectionsView {
  const hover = options.hoverTitles !== false;
  const rates = model.rates;
  const restarts = model.restarts?.marks ?? [];
  const layout = rates ? timeLayout(rates.buckets, rates.bucketMs) : null;
  const bucketMs = rates?.bucketMs ?? model.latencySeries.bucketMs;
  const axis = layout
    ? {
        from: formatTime(layout.realStart),
        to: formatTime(layout.realEnd),
        unit: tickUnit(layout.realEnd - layout.realStart),
        restarts: restarts.filter((m) => layout.byLifetime.has(m.lifetime)).length,
        shifted: layout.shifted,
        bucket: formatDuration(bucketMs),
      }
    : null;
  const book = model.book;
  const currency = book?.currency ?? null;
  return {
    axis,
    rates: rates && layout ? rateCharts(rates, layout, restarts) : [],
    latency: layout
      ? latencyCharts(model.latencySeries.stages, model.latencySeries.bucketMs, layout, restarts, hover)
      : [],
    percentileLegend: percentileLegend(),
    reasons: model.reasons.map((r) => ({
      stage: r.stage,
      outcome: r.outcome,
      symbol: OUTCOME_SYMBOLS[r.outcome],
      reason: r.reason,
      count: formatCount(r.count),
      share: r.share === undefined ? '—' : formatShare(r.share),
      first: r.firstTs === undefined ? '—' : formatTime(r.firstTs),
      last: r.lastTs === undefined ? '—' : formatTime(r.lastTs),
      examples: [
        ...(r.firstExample
          ? [
              {
                which: r.lastExample ? 'first' : 'only',
                detail: r.firstExample.detail ?? '(no detail)',
                source: `${r.firstExample.file}:${r.firstExample.line}`,
              },
            ]
          : []),
        ...(r.lastExample
          ? [
              {
                which: 'last',
                detail: r.lastExample.detail ?? '(no detail)',
                source: `${r.lastExample.file}:${r.lastExample.line}`,
              },
            ]
          : []),
      ],
    })),
    reasonsFromFiles: model.reasonsSource !== 'summary',
    recentRejections: (model.recent?.rejections ?? []).map(problemRow),
    recentErrors: (model.recent?.errors ?? []).map(problemRow),
    book: book
      ? bookView(
          model,
          book,
          currency,
          layout
            ? bookCharts(model.position.series, book.drawdown, bucketMs, layout, restarts, currency, hover)
            : [],
        )
      : null,
  };
}

function bookView(
  model: DashboardModel,
  book: NonNullable<DashboardModel['book']>,
  currency: string | null,
  charts: BookChart[],
): NonNullable<SectionsView['book']> {
  const t = book.totals;
  const cur = currency ?? 'quote currency';
  const cards: Array<{ key: string; label: string; value: string; tone: string }> = [];
  const amount = (key: string, label: string, value: number | null, signed = false) => {
    if (value === null) return;
    cards.push({
      key,
      label: `${label} (${cur})`,
      value: signed ? signedMoney(value) : money(value),
      tone: signed ? (value < 0 ? 'neg' : value > 0 ? 'pos' : '') : '',
    });
  };
  amount('equity', 'Equity', t.equity);
  if (t.realizedPnl !== null && t.unrealizedPnl !== null && t.feesPaid !== null)
    amount('net-pnl', 'Net PnL', t.realizedPnl + t.unrealizedPnl - t.feesPaid, true);
  amount('realized-pnl', 'Realized PnL', t.realizedPnl, true);
  amount('unrealized-pnl', 'Unrealized PnL', t.unrealizedPnl, true);
  amount('fees-paid', 'Fees paid', t.feesPaid);
  if (book.maxDrawdown) amount('max-drawdown', 'Deepest drawdown', book.maxDrawdown.value, true);
  if (t.position !== null)
    cards.push({ key: 'position', label: 'Position', value: formatGauge(t.position), tone: '' });
  if (t.price !== null)
    cards.push({ key: 'price', label: `Last price (${cur})`, value: money(t.price), tone: '' });
  if (t.fills !== null) cards.push({ key: 'fills', label: 'Fills', value: formatCount(t.fills), tone: '' });
  if (t.orders !== null)
    cards.push({ key: 'orders', label: 'Orders', value: formatCount(t.orders), tone: '' });
  if (t.tradedNotional !== null) amount('traded-notional', 'Traded notional', t.tradedNotional);
  // Gauges the book does not name (a bot's own): under their human label.
  const named = new Set(['equity', 'realized_pnl', 'unrealized_pnl', 'fees_paid', 'position', 'price']);
  for (const [key, value] of Object.entries(model.position.gauges))
    if (!named.has(key))
      cards.push({ key: `gauge-${key}`, label: humanLabel(key), value: formatGauge(value), tone: '' });
  return {
    currencyText: currency
      ? `Amounts in ${currency} (from run.json).`
      : 'Amounts in the quote currency of the traded instrument: run.json names no account currency (settings.currency).',
    cards,
    charts,
    changes: book.changes.map((c) => ({
      time: formatTime(c.ts, { millis: true }),
      step: formatCount(c.step),
      lifetime: formatCount(c.lifetime),
      side: c.change > 0 ? 'buy' : 'sell',
      change: `${c.change > 0 ? '+' : '−'}${formatGauge(Math.abs(c.change))}`,
      position: formatGauge(c.position),
      price: c.price === null ? '—' : money(c.price),
      equity: c.equity === null ? '—' : money(c.equity),
      source: `${c.file}:${c.line}`,
    })),
    changesTotal: formatCount(book.changesTotal),
    totalsSource:
      t.source === 'run-record'
        ? "Totals from run.json's final figures (the end of the last run)."
        : t.source === 'summary'
          ? "Totals from metrics_summary.json's gauges (the running process)."
          : 'Totals from the last events in the NDJSON files.',
  };
}
