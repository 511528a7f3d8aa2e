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
const PAD = { left: 92, right: 16, top: 12, bottom: 28 };

function n(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

interface Frame {
  x(t: number): number;
  y(v: number): number;
  axes: string;
}

function frame(t0: number, t1: number, vMin: number, vMax: number, label: (v: number) => string): Frame {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const span = t1 - t0 || 1;
  const vSpan = vMax - vMin || 1;
  const x = (t: number) => PAD.left + ((t - t0) / span) * plotW;
  const y = (v: number) => PAD.top + plotH - ((v - vMin) / vSpan) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => vMin + f * vSpan);
  const grid = ticks
    .map(
      (v) =>
        `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${n(y(v))}" y2="${n(y(v))}" class="grid"/>` +
        `<text x="${PAD.left - 6}" y="${n(y(v) + 4)}" text-anchor="end">${escapeHtml(label(v))}</text>`,
    )
    .join('');
  const base = HEIGHT - PAD.bottom + 18;
  const xLabels =
    `<text x="${PAD.left}" y="${base}" text-anchor="start">${escapeHtml(formatTime(t0))}</text>` +
    (t1 > t0
      ? `<text x="${WIDTH - PAD.right}" y="${base}" text-anchor="end">${escapeHtml(formatTime(t1))}</text>`
      : '');
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
  const labelW = 150;
  const barH = 22;
  const gap = 8;
  const plotW = WIDTH - labelW - 90;
  const height = rows.length * (barH + gap) + gap;
  const bars = rows
    .map((s, i) => {
      const y = gap + i * (barH + gap);
      let x = labelW;
      const total = s.ok + s.rejected + s.error;
      const parts = (['ok', 'rejected', 'error'] as const)
        .filter((k) => s[k] > 0)
        .map((k) => {
          const w = (s[k] / max) * plotW;
          const rect = `<rect x="${n(x)}" y="${y}" width="${n(Math.max(w, 1))}" height="${barH}" fill="${OUTCOME_COLOURS[k]}"><title>${escapeHtml(`${s.stage} ${k}: ${formatCount(s[k])}`)}</title></rect>`;
          x += w;
          return rect;
        })
        .join('');
      const name = s.stage.length > 22 ? `${s.stage.slice(0, 21)}…` : s.stage;
      return (
        `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(name)}</text>${parts}` +
        `<text x="${n(x + 6)}" y="${y + 15}">${escapeHtml(formatCount(total))}</text>`
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
