// Rates over time: steps, rejections and errors per time bucket (the problems stacked by stage and reason), on
// the shared time layout with restart markers; each bar's figures in a <title>. Markup from numbers.
import { formatCount, formatDuration, formatTime } from './display-format.js';
import { escapeHtml } from './html-escape.js';
import type { RateSeries, RestartMark } from './model.js';
import { legend, n, niceMax, SERIES_COLOURS } from './svg-charts.js';
import { bucketText, type TimeLayout, timeChartSvg, timeFrame } from './time-frame.js';

/** Colour of the step bars, and of problems without a reason. */
const STEPS_COLOUR = '#475569';
const NO_REASON_COLOUR = '#6b7280';

/** One rate chart and its text alternative. */
export interface RateChart {
  key: 'steps' | 'rejected' | 'errors';
  title: string;
  svg: string;
  summary: string;
  legend: string;
}

type Segment = { value: number; colour: string; label: string };

function barChart(
  rates: RateSeries,
  layout: TimeLayout,
  restarts: readonly RestartMark[],
  what: string,
  segmentsOf: (b: RateSeries['buckets'][number]) => Segment[],
): { svg: string; total: number; peak: { value: number; t: number } } {
  const bucketMs = rates.bucketMs;
  let peak = { value: 0, t: 0 };
  let total = 0;
  const stacks = rates.buckets.map((b) => {
    const segments = segmentsOf(b).filter((s) => s.value > 0);
    const sum = segments.reduce((a, s) => a + s.value, 0);
    total += sum;
    if (sum > peak.value) peak = { value: sum, t: b.t };
    return { b, segments, sum };
  });
  const frame = timeFrame(
    layout,
    0,
    niceMax(peak.value),
    (v) => formatCount(Number(v.toFixed(2))),
    `per ${formatDuration(bucketMs)}`,
    restarts,
  );
  const bars = stacks
    .filter((s) => s.sum > 0)
    .map(({ b, segments, sum }) => {
      const x0 = frame.x(b.t, b.lifetime);
      const w = Math.max(1, frame.x(b.t + bucketMs, b.lifetime) - x0 - 1);
      let base = 0;
      const rects = segments
        .map((s) => {
          const y1 = frame.y(base);
          const y0 = frame.y(base + s.value);
          base += s.value;
          return `<rect x="${n(x0)}" y="${n(y0)}" width="${n(w)}" height="${n(Math.max(1, y1 - y0))}" fill="${s.colour}"><title>${escapeHtml(`${bucketText(b.t, bucketMs)}: ${s.label} ${formatCount(s.value)}`)}</title></rect>`;
        })
        .join('');
      return segments.length > 1
        ? `<g><title>${escapeHtml(`${bucketText(b.t, bucketMs)}: ${formatCount(sum)} ${what}`)}</title>${rects}</g>`
        : rects;
    })
    .join('');
  return { svg: frame.axes + bars, total, peak };
}

/** The reasons of one outcome with their colours; a reason keeps its colour in every chart. */
function reasonStyles(rates: RateSeries) {
  return rates.reasons.map((r, i) => ({
    ...r,
    index: i,
    colour: SERIES_COLOURS[i % SERIES_COLOURS.length]!,
    label: `${r.stage} · ${r.reason}`,
  }));
}

/** Steps, rejections and errors per bucket; a problems chart is left out when there were none. */
export function rateCharts(
  rates: RateSeries,
  layout: TimeLayout,
  restarts: readonly RestartMark[],
): RateChart[] {
  const bucket = formatDuration(rates.bucketMs);
  const styles = reasonStyles(rates);
  const charts: RateChart[] = [];
  const steps = barChart(rates, layout, restarts, 'steps', (b) => [
    { value: b.steps, colour: STEPS_COLOUR, label: 'steps' },
  ]);
  charts.push({
    key: 'steps',
    title: `Steps per ${bucket}`,
    svg: '',
    summary: `Steps per ${bucket} bucket: ${formatCount(steps.total)} in all, at most ${formatCount(steps.peak.value)} in one bucket (from ${formatTime(steps.peak.t)})`,
    legend: '',
  });
  charts[0]!.svg = timeChartSvg(charts[0]!.summary, steps.svg);
  for (const [key, outcome, noun] of [
    ['rejected', 'rejected', 'rejections'],
    ['errors', 'error', 'errors'],
  ] as const) {
    const own = styles.filter((s) => s.outcome === outcome);
    const chart = barChart(rates, layout, restarts, noun, (b) => {
      const segments: Segment[] = own.map((s) => ({
        value: b.byReason[s.index] ?? 0,
        colour: s.colour,
        label: s.label,
      }));
      const named = segments.reduce((a, s) => a + s.value, 0);
      const all = key === 'rejected' ? b.rejected : b.errors;
      if (all > named) segments.push({ value: all - named, colour: NO_REASON_COLOUR, label: '(no reason)' });
      return segments;
    });
    if (chart.total === 0) continue;
    const byReason = own
      .map((s) => ({ s, count: rates.buckets.reduce((a, b) => a + (b.byReason[s.index] ?? 0), 0) }))
      .filter((r) => r.count > 0)
      .sort((a, b) => b.count - a.count);
    const summary = `${noun[0]!.toUpperCase()}${noun.slice(1)} per ${bucket} bucket: ${formatCount(chart.total)} in all, at most ${formatCount(chart.peak.value)} in one bucket (from ${formatTime(chart.peak.t)}); by reason: ${byReason
      .map((r) => `${r.s.label} ${formatCount(r.count)}`)
      .join(', ')}`;
    charts.push({
      key,
      title: `${noun[0]!.toUpperCase()}${noun.slice(1)} per ${bucket}, by stage and reason`,
      svg: timeChartSvg(summary, chart.svg),
      summary,
      legend: legend(byReason.map((r) => ({ label: r.s.label, colour: r.s.colour, block: true }))),
    });
  }
  return charts;
}
