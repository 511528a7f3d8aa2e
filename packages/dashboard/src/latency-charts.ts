// Latency over time as small multiples: one chart per stage with p50 (solid), p95 (dashed) and p99 (dotted),
// one line per process lifetime, restart markers, and each bucket's values in a <title>. Markup from numbers.
import { formatCount, formatDuration, formatMs } from './display-format.js';
import { escapeHtml } from './html-escape.js';
import type { RestartMark, StageLatencySeries } from './model.js';
import { niceMax } from './svg-charts.js';
import {
  bucketText,
  hoverBands,
  lifetimeLines,
  type TimeLayout,
  timeChartSvg,
  timeFrame,
} from './time-frame.js';

/** The three percentiles: colour and dash differ, so they are told apart without colour. */
export const PERCENTILE_STYLES = [
  { key: 'p50', colour: '#1d4ed8', dash: null, index: 1 },
  { key: 'p95', colour: '#b45309', dash: '7 4', index: 2 },
  { key: 'p99', colour: '#7f1d1d', dash: '2 3', index: 4 },
] as const;

/** One stage's chart and its text alternative. */
export interface StageLatencyChart {
  stage: string;
  svg: string;
  /** The key numbers in words (also the chart's aria-label). */
  summary: string;
}

/** One small chart per stage with data, on the shared time layout. */
export function latencyCharts(
  series: readonly StageLatencySeries[],
  bucketMs: number,
  layout: TimeLayout,
  restarts: readonly RestartMark[],
  hoverTitles = true,
): StageLatencyChart[] {
  return series
    .filter((s) => s.points.length > 0)
    .map((s) => {
      let top = 0;
      let count = 0;
      const worst = { p50: 0, p95: 0, p99: 0 };
      for (const p of s.points) {
        top = Math.max(top, p[4] ?? p[2]);
        count += p[3];
        worst.p50 = Math.max(worst.p50, p[1]);
        worst.p95 = Math.max(worst.p95, p[2]);
        worst.p99 = Math.max(worst.p99, p[4] ?? p[2]);
      }
      const frame = timeFrame(layout, 0, niceMax(top), formatMs, 'ms', restarts);
      const mid = (t: number, lifetime: number) =>
        (frame.x(t, lifetime) + frame.x(t + bucketMs, lifetime)) / 2;
      const lines = PERCENTILE_STYLES.map((style) =>
        lifetimeLines(
          s.points.map((p) => ({
            x: mid(p[0], p[5] ?? 1),
            y: frame.y((p[style.index] as number | undefined) ?? p[2]),
            lifetime: p[5] ?? 1,
          })),
          style.colour,
          style.dash,
        ),
      ).join('');
      const bands = !hoverTitles
        ? ''
        : hoverBands(
            frame,
            s.points.map((p) => ({
              t: p[0],
              lifetime: p[5] ?? 1,
              bucketMs,
              text: `${bucketText(p[0], bucketMs)}: p50 ${formatMs(p[1])}, p95 ${formatMs(p[2])}, p99 ${formatMs(p[4] ?? p[2])} ms (${formatCount(p[3])} events)`,
            })),
          );
      const summary = `${s.stage} latency in ms over ${formatCount(s.points.length)} buckets of ${formatDuration(bucketMs)}: highest p50 ${formatMs(worst.p50)}, p95 ${formatMs(worst.p95)}, p99 ${formatMs(worst.p99)} (${formatCount(count)} events)`;
      return { stage: s.stage, svg: timeChartSvg(summary, frame.axes + lines + bands), summary };
    });
}

/** The percentile legend, drawn once above the small multiples: a short line sample of each style. */
export function percentileLegend(): string {
  return `<ul class="legend">${PERCENTILE_STYLES.map(
    (s) =>
      `<li><svg class="swatch-svg" viewBox="0 0 28 8" width="28" height="8" aria-hidden="true"><line x1="0" x2="28" y1="4" y2="4" stroke="${s.colour}" stroke-width="3"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/></svg>${escapeHtml(s.key)} (${s.dash === null ? 'solid' : s.key === 'p95' ? 'dashed' : 'dotted'})</li>`,
  ).join('')}</ul>`;
}
