// Inline SVG charts computed in TypeScript: latency over time per stage, outcomes per stage, attribute lines.
// Every number is formatted here; every name goes through escapeHtml. The output is markup for raw insertion.
import { formatCount, formatGauge, formatMs, formatTime } from './display-format.js';
import { escapeHtml } from './html-escape.js';
import type { AttrSeries, StageLatencySeries, StageRow } from './model.js';

/** Series colours, chosen to stay apart for the common colour-vision deficiencies. */
export const SERIES_COLOURS = [
  '#2563eb',
  '#d97706',
  '#059669',
  '#db2777',
  '#7c3aed',
  '#0891b2',
  '#65a30d',
  '#dc2626',
];
/** Colours of the outcomes: ok, rejected, error. */
export const OUTCOME_COLOURS = { ok: '#16a34a', rejected: '#d97706', error: '#dc2626' } as const;

const WIDTH = 720;
const HEIGHT = 240;

/**
 * Font size of chart text in viewBox units, as the page's stylesheet sets it: `wide` above 640 px, `phone`
 * below. A chart drawn 720 units wide is shown about 350 px wide on a phone, so its text needs twice the units
 * there to stay readable. Layout reserves room for the larger of the two, so labels fit at any width.
 */
export const CHART_FONT_SIZE = { wide: 11, phone: 22 } as const;
const FONT = Math.max(CHART_FONT_SIZE.wide, CHART_FONT_SIZE.phone);

/** Room around the plot of a line chart; the left side grows with the widest y-axis label. */
const PAD = { minLeft: 48, right: 16, top: 18, bottom: 32 };
/** Space between a y-axis label and the plot. */
const TICK_GAP = 6;
/** Y-axis labels wider than this are written compactly (`100.04k`) when that keeps the ticks apart. */
const MAX_AXIS_LABEL_WIDTH = 150;
/** The outcome chart's stage labels take at most this share of its width; longer names end in `…`. */
const MAX_STAGE_LABEL_SHARE = 0.34;

const NARROW_CHARS = new Set(" '`,.:;|!()[]/\\-fijlrtIJ");
const WIDE_CHARS = new Set('mwMW@%');

/** Width of one character in em, rounded up from the widest common sans-serif faces (DejaVu Sans). */
function charEm(ch: string): number {
  if (ch.length > 1 || ch.charCodeAt(0) > 126) return 1.1; // CJK, emoji: about 1 em
  if (NARROW_CHARS.has(ch)) return 0.42;
  if (WIDE_CHARS.has(ch)) return 1.05;
  if (/[0-9a-z_*"$?{}]/.test(ch)) return 0.66;
  return 0.86;
}

/** Upper bound of the rendered width of `text` at the chart font size, in viewBox units. No DOM to measure. */
function textWidth(text: string): number {
  let em = 0;
  for (const ch of text) em += charEm(ch);
  return em * FONT;
}

/** `text` as is when it fits in `maxWidth` units, else cut to what fits with a trailing `…`. */
function fitText(text: string, maxWidth: number): string {
  if (textWidth(text) <= maxWidth) return text;
  let width = textWidth('…');
  let fitted = '';
  for (const ch of text) {
    width += charEm(ch) * FONT;
    if (width > maxWidth) break;
    fitted += ch;
  }
  return `${fitted}…`;
}

function n(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const widest = (labels: string[]): number => Math.max(0, ...labels.map(textWidth));
const distinct = (labels: string[]): number => new Set(labels).size;

/** `value` with `decimals` decimals and thousands grouped: `1,234.50`. */
function groupedFixed(value: number, decimals: number): string {
  const [whole = '', fraction] = value.toFixed(decimals).split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  return `${sign}${formatCount(Math.abs(Number(whole)))}${fraction === undefined ? '' : `.${fraction}`}`;
}

/**
 * Tick labels written with a unit suffix (`100.04k`, `123.4568M`) and the fewest decimals (at least one) that
 * keep apart the ticks `full` keeps apart. Null below a thousand, where there is nothing to shorten.
 */
function compactLabels(ticks: number[], full: string[]): string[] | null {
  const top = Math.max(...ticks.map(Math.abs));
  if (!(top >= 1000) || !Number.isFinite(top)) return null;
  const units = ['k', 'M', 'B', 'T'] as const;
  const unit = Math.min(Math.floor(Math.log10(top) / 3), units.length);
  const scale = 1000 ** unit;
  let labels: string[] = [];
  for (let decimals = 1; decimals <= 9; decimals++) {
    labels = ticks.map((v) => `${groupedFixed(v / scale, decimals)}${units[unit - 1]}`);
    if (distinct(labels) >= distinct(full)) break;
  }
  return labels;
}

/** The y-axis labels: as `label` writes them when they are narrow enough, else compact if that is narrower. */
function axisLabels(ticks: number[], label: (v: number) => string): string[] {
  const full = ticks.map(label);
  if (widest(full) <= MAX_AXIS_LABEL_WIDTH) return full;
  const compact = compactLabels(ticks, full);
  return compact && widest(compact) < widest(full) ? compact : full;
}

interface Frame {
  x(t: number): number;
  y(v: number): number;
  axes: string;
}

function frame(t0: number, t1: number, vMin: number, vMax: number, label: (v: number) => string): Frame {
  const vSpan = vMax - vMin || 1;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => vMin + f * vSpan);
  const labels = axisLabels(ticks, label);
  // The plot starts where the widest label ends, at the phone font size: labels are never cut off.
  const left = Math.max(PAD.minLeft, Math.ceil(widest(labels) + TICK_GAP + 2));
  const right = WIDTH - PAD.right;
  const plotW = right - left;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const span = t1 - t0 || 1;
  const x = (t: number) => left + ((t - t0) / span) * plotW;
  const y = (v: number) => PAD.top + plotH - ((v - vMin) / vSpan) * plotH;
  const grid = ticks
    .map(
      (v, i) =>
        `<line x1="${left}" x2="${right}" y1="${n(y(v))}" y2="${n(y(v))}" class="grid"/>` +
        `<text x="${left - TICK_GAP}" y="${n(y(v))}" dy="0.35em" text-anchor="end">${escapeHtml(labels[i]!)}</text>`,
    )
    .join('');
  // The baseline leaves room below for descenders; the first time starts at the plot, the last ends at it.
  const base = HEIGHT - Math.ceil(0.3 * FONT);
  const first = formatTime(t0);
  let last = formatTime(t1);
  if (left + textWidth(first) + 12 > right - textWidth(last) && first.slice(0, 10) === last.slice(0, 10))
    last = last.slice(11); // same day: the time alone
  const showLast = t1 > t0 && left + textWidth(first) + 12 <= right - textWidth(last);
  const xLabels =
    `<text x="${left}" y="${base}" text-anchor="start">${escapeHtml(first)}</text>` +
    (showLast ? `<text x="${right}" y="${base}" text-anchor="end">${escapeHtml(last)}</text>` : '');
  return { x, y, axes: grid + xLabels };
}

function svg(title: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>${body}</svg>`;
}

function legend(items: Array<{ label: string; colour: string; dashed?: boolean }>): string {
  return `<ul class="legend">${items
    .map(
      (item) =>
        `<li><span class="swatch${item.dashed ? ' dashed' : ''}" style="border-color:${item.colour}"></span>${escapeHtml(item.label)}</li>`,
    )
    .join('')}</ul>`;
}

function polyline(points: Array<[number, number]>, colour: string, dashed: boolean): string {
  if (points.length === 1) {
    const [x, y] = points[0]!;
    return `<circle cx="${n(x)}" cy="${n(y)}" r="3" fill="${colour}"/>`;
  }
  return `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashed ? ' stroke-dasharray="5 4"' : ''} points="${points
    .map(([x, y]) => `${n(x)},${n(y)}`)
    .join(' ')}"/>`;
}

/** p50 (solid) and p95 (dashed) latency per time bucket, one colour per stage. Empty string when no data. */
export function latencyOverTimeChart(series: StageLatencySeries[], bucketMs: number): string {
  const withData = series.filter((s) => s.points.length > 0);
  if (withData.length === 0) return '';
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  let vMax = 0;
  for (const s of withData) {
    for (const [t, , p95] of s.points) {
      t0 = Math.min(t0, t);
      t1 = Math.max(t1, t + bucketMs);
      vMax = Math.max(vMax, p95);
    }
  }
  const f = frame(t0, t1, 0, niceMax(vMax), formatMs);
  const lines = withData
    .map((s, i) => {
      const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
      const mid = (t: number) => f.x(t + bucketMs / 2);
      return (
        polyline(
          s.points.map(([t, p50]) => [mid(t), f.y(p50)]),
          colour,
          false,
        ) +
        polyline(
          s.points.map(([t, , p95]) => [mid(t), f.y(p95)]),
          colour,
          true,
        )
      );
    })
    .join('');
  const items = withData.flatMap((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    return [
      { label: `${s.stage} p50`, colour },
      { label: `${s.stage} p95`, colour, dashed: true },
    ];
  });
  return svg('Latency over time per stage in ms (p50 solid, p95 dashed)', f.axes + lines) + legend(items);
}

/** Outcomes per stage as horizontal stacked bars (ok, rejected, error), each bar scaled to the busiest stage. */
export function outcomesChart(stages: StageRow[]): string {
  const rows = stages.filter((s) => s.ok + s.rejected + s.error > 0);
  if (rows.length === 0) return '';
  const max = Math.max(...rows.map((s) => s.ok + s.rejected + s.error));
  const totals = rows.map((s) => formatCount(s.ok + s.rejected + s.error));
  const labelGap = 8;
  // Stage names get the room the longest needs, up to a share of the width; longer ones are cut with `…`
  // and keep their full name in a <title> (shown on hover, read by screen readers).
  const labelW = Math.min(
    Math.floor(WIDTH * MAX_STAGE_LABEL_SHARE),
    Math.ceil(widest(rows.map((s) => s.stage)) + labelGap + 2),
  );
  const totalW = Math.ceil(widest(totals) + 6 + 2);
  const barH = 22;
  const gap = 8;
  const plotW = WIDTH - labelW - totalW;
  const height = rows.length * (barH + gap) + gap;
  const bars = rows
    .map((s, i) => {
      const y = gap + i * (barH + gap);
      const middle = y + barH / 2;
      let x = labelW;
      const parts = (['ok', 'rejected', 'error'] as const)
        .filter((k) => s[k] > 0)
        .map((k) => {
          const w = (s[k] / max) * plotW;
          const rect = `<rect x="${n(x)}" y="${y}" width="${n(Math.max(w, 1))}" height="${barH}" fill="${OUTCOME_COLOURS[k]}"><title>${escapeHtml(`${s.stage} ${k}: ${formatCount(s[k])}`)}</title></rect>`;
          x += w;
          return rect;
        })
        .join('');
      const name = fitText(s.stage, labelW - labelGap - 2);
      const label = `<text x="${labelW - labelGap}" y="${middle}" dy="0.35em" text-anchor="end">${escapeHtml(name)}</text>`;
      return (
        (name === s.stage ? label : `<g><title>${escapeHtml(s.stage)}</title>${label}</g>`) +
        `${parts}<text x="${n(x + 6)}" y="${middle}" dy="0.35em">${escapeHtml(totals[i]!)}</text>`
      );
    })
    .join('');
  return (
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Outcomes per stage" xmlns="http://www.w3.org/2000/svg"><title>Outcomes per stage</title>${bars}</svg>` +
    legend([
      { label: 'ok', colour: OUTCOME_COLOURS.ok },
      { label: 'rejected', colour: OUTCOME_COLOURS.rejected },
      { label: 'error', colour: OUTCOME_COLOURS.error },
    ])
  );
}

/** One line chart per numeric attribute (equity, position, pnl), last value per bucket. */
export function attrCharts(series: AttrSeries[]): string {
  return series
    .filter((s) => s.points.length > 0)
    .map((s, i) => {
      let t0 = Number.POSITIVE_INFINITY;
      let t1 = Number.NEGATIVE_INFINITY;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const [t, v] of s.points) {
        t0 = Math.min(t0, t);
        t1 = Math.max(t1, t);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (lo === hi) {
        lo -= 1;
        hi += 1;
      }
      const span = hi - lo;
      const decimals = span >= 100 ? 0 : span >= 1 ? 2 : 4;
      const f = frame(t0, t1, lo, hi, (v) => formatGauge(Number(v.toFixed(decimals))));
      const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
      const line = polyline(
        s.points.map(([t, v]) => [f.x(t), f.y(v)]),
        colour,
        false,
      );
      return `<figure><figcaption>${escapeHtml(s.key)}</figcaption>${svg(`${s.key} over time`, f.axes + line)}</figure>`;
    })
    .join('');
}
