// Position & PnL over time: equity (a line per lifetime), drawdown below the lifetime's peak, position as a step
// chart, and any other numeric attribute as a line; restart markers on each. Markup from numbers.
import { formatCount, formatDuration, formatGauge, formatTime } from './display-format.js';
import type { AttrSeries, DrawdownPoint, RestartMark } from './model.js';
import { SERIES_COLOURS } from './svg-charts.js';
import {
  bucketText,
  hoverBands,
  type LifetimePoint,
  lifetimeLines,
  type TimeLayout,
  timeChartSvg,
  timeFrame,
} from './time-frame.js';

/** One book chart and its text alternative. */
export interface BookChart {
  key: string;
  title: string;
  svg: string;
  summary: string;
}

/** Human names of the attributes `loop run` writes and the gauges it sets. */
export const BOOK_LABELS: Record<string, string> = {
  equity: 'Equity',
  position: 'Position',
  price: 'Last price',
  realized_pnl: 'Realized PnL',
  unrealized_pnl: 'Unrealized PnL',
  fees_paid: 'Fees paid',
  cash: 'Cash',
};

/** `fees_paid` -> `Fees paid` for keys without a name of their own. */
export function humanLabel(key: string): string {
  const known = BOOK_LABELS[key];
  if (known) return known;
  const words = key.replace(/[_.-]+/g, ' ').trim();
  return words === '' ? key : words[0]!.toUpperCase() + words.slice(1);
}

// One formatter for every amount: toLocaleString would build a new one per call.
const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const money = (v: number) => MONEY.format(v);

function range(values: number[]): { lo: number; hi: number } {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  return { lo, hi };
}

function lineChart(
  key: string,
  title: string,
  points: ReadonlyArray<readonly [number, number, number]>,
  bucketMs: number,
  layout: TimeLayout,
  restarts: readonly RestartMark[],
  options: {
    colour: string;
    step?: boolean;
    unit: string;
    summary: string;
    format: (v: number) => string;
    hover: boolean;
  },
): BookChart {
  const { lo, hi } = range(points.map((p) => p[1]));
  const span = hi - lo;
  const decimals = span >= 100 ? 0 : span >= 1 ? 2 : 4;
  const frame = timeFrame(
    layout,
    lo,
    hi,
    (v) => formatGauge(Number(v.toFixed(decimals))),
    options.unit,
    restarts,
  );
  // A level holds from its bucket's start (a step chart) or is the bucket's last value (a line at its middle).
  const xOf = (t: number, lifetime: number) =>
    options.step ? frame.x(t, lifetime) : (frame.x(t, lifetime) + frame.x(t + bucketMs, lifetime)) / 2;
  const drawn: LifetimePoint[] = points.map(([t, v, lifetime]) => ({
    x: xOf(t, lifetime),
    y: frame.y(v),
    lifetime,
  }));
  const body =
    frame.axes +
    lifetimeLines(drawn, options.colour, null, { step: options.step === true }) +
    (!options.hover
      ? ''
      : hoverBands(
          frame,
          points.map(([t, v, lifetime]) => ({
            t,
            lifetime,
            bucketMs,
            text: `${bucketText(t, bucketMs)}: ${options.format(v)} (lifetime ${lifetime})`,
          })),
        ));
  return { key, title, svg: timeChartSvg(options.summary, body), summary: options.summary };
}

/** Equity, drawdown, position (step) and the other numeric attributes over time. */
export function bookCharts(
  series: readonly AttrSeries[],
  drawdown: readonly DrawdownPoint[],
  bucketMs: number,
  layout: TimeLayout,
  restarts: readonly RestartMark[],
  accountCurrency: string | null,
  hover = true,
): BookChart[] {
  const charts: BookChart[] = [];
  const currency = accountCurrency ?? 'quote currency';
  const unit = accountCurrency ?? '';
  const bucket = formatDuration(bucketMs);
  const byKey = new Map(series.filter((s) => s.points.length > 0).map((s) => [s.key, s.points]));
  const equity = byKey.get('equity');
  if (equity) {
    const values = equity.map((p) => p[1]);
    charts.push(
      lineChart('equity', `Equity (${currency})`, equity, bucketMs, layout, restarts, {
        colour: '#1d4ed8',
        unit,
        format: money,
        hover,
        summary: `Equity in ${currency}, last value per ${bucket}: from ${money(values[0]!)} to ${money(values.at(-1)!)}, lowest ${money(Math.min(...values))}, highest ${money(Math.max(...values))}`,
      }),
    );
  }
  if (drawdown.length > 0) {
    const worst = drawdown.reduce((a, p) => (p[1] < a[1] ? p : a));
    charts.push(
      lineChart('drawdown', `Drawdown (${currency})`, drawdown, bucketMs, layout, restarts, {
        colour: '#b91c1c',
        unit,
        format: money,
        hover,
        summary: `Drawdown below the lifetime's equity peak in ${currency}, worst per ${bucket}: deepest ${money(worst[1])} (from ${formatTime(worst[0])})`,
      }),
    );
  }
  const position = byKey.get('position');
  if (position) {
    const values = position.map((p) => p[1]);
    charts.push(
      lineChart('position', 'Position', position, bucketMs, layout, restarts, {
        colour: '#047857',
        step: true,
        unit: 'units',
        format: formatGauge,
        hover,
        summary: `Position (a step chart), last value per ${bucket}: from ${formatGauge(values[0]!)} to ${formatGauge(values.at(-1)!)}, between ${formatGauge(Math.min(...values))} and ${formatGauge(Math.max(...values))}`,
      }),
    );
  }
  let colour = 0;
  for (const [key, points] of byKey) {
    if (key === 'equity' || key === 'position') continue;
    const label = humanLabel(key);
    const values = points.map((p) => p[1]);
    charts.push(
      lineChart(key, label, points, bucketMs, layout, restarts, {
        colour: SERIES_COLOURS[colour++ % SERIES_COLOURS.length]!,
        unit: key === 'price' ? unit : '',
        format: formatGauge,
        hover,
        summary: `${label}, last value per ${bucket}: from ${formatGauge(values[0]!)} to ${formatGauge(values.at(-1)!)}, between ${formatGauge(Math.min(...values))} and ${formatGauge(Math.max(...values))} (${formatCount(values.length)} buckets)`,
      }),
    );
  }
  return charts;
}
