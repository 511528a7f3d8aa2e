// Inline SVG chart parts computed in TypeScript: text measuring, axis labels, legends, outcomes per stage.
// Every number is formatted here; every name goes through escapeHtml. The output is markup for raw insertion.
import { formatCount } from './display-format.js';
import { escapeHtml } from './html-escape.js';
import type { StageRow } from './model.js';

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
/** Colours of the outcomes: ok, rejected, error (each at least 4.5:1 on white). */
export const OUTCOME_COLOURS = { ok: '#15803d', rejected: '#b45309', error: '#b91c1c' } as const;

/**
 * Fills of the outcomes, told apart by more than hue: ok solid, rejected striped, error dotted. The patterns are
 * defined once, in the outcome chart's `<defs>`; ids are page-wide.
 */
export const OUTCOME_FILLS = {
  ok: OUTCOME_COLOURS.ok,
  rejected: 'url(#loop-pattern-rejected)',
  error: 'url(#loop-pattern-error)',
} as const;

const OUTCOME_PATTERNS =
  `<defs><pattern id="loop-pattern-rejected" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${OUTCOME_COLOURS.rejected}"/><rect width="2" height="6" fill="#fff"/></pattern>` +
  `<pattern id="loop-pattern-error" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="${OUTCOME_COLOURS.error}"/><circle cx="3" cy="3" r="1.4" fill="#fff"/></pattern></defs>`;

const WIDTH = 720;

/**
 * Font size of chart text in viewBox units, as the page's stylesheet sets it: `wide` above 640 px, `phone`
 * below. A chart drawn 720 units wide is shown about 350 px wide on a phone, so its text needs twice the units
 * there to stay readable. Layout reserves room for the larger of the two, so labels fit at any width.
 */
export const CHART_FONT_SIZE = { wide: 11, phone: 22 } as const;
/** The font size layout reserves room for: the larger of the two. */
export const FONT = Math.max(CHART_FONT_SIZE.wide, CHART_FONT_SIZE.phone);

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
export function textWidth(text: string): number {
  let em = 0;
  for (const ch of text) em += charEm(ch);
  return em * FONT;
}

/** `text` as is when it fits in `maxWidth` units, else cut to what fits with a trailing `…`. */
export function fitText(text: string, maxWidth: number): string {
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

/** A coordinate as short text: whole numbers as is, else one decimal. */
export function n(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** The smallest 1, 2, 2.5 or 5 x 10^k at or above `value` (1 when it is not positive). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** Upper bound of the widest of `labels`. */
export const widest = (labels: string[]): number => Math.max(0, ...labels.map(textWidth));
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
export function axisLabels(ticks: number[], label: (v: number) => string): string[] {
  const full = ticks.map(label);
  if (widest(full) <= MAX_AXIS_LABEL_WIDTH) return full;
  const compact = compactLabels(ticks, full);
  return compact && widest(compact) < widest(full) ? compact : full;
}

/**
 * A chart's legend as a list: a line sample (solid or dashed), or a filled block (`block`, for bars), or a
 * block filled with an SVG pattern defined on the page (`pattern`: its id). Labels may be user strings: in `<bdi>`.
 */
export function legend(
  items: Array<{ label: string; colour: string; dashed?: boolean; block?: boolean; pattern?: string }>,
): string {
  return `<ul class="legend">${items
    .map((item) => {
      const swatch = item.pattern
        ? `<svg class="swatch-svg" viewBox="0 0 14 14" width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="url(#${item.pattern})" stroke="${item.colour}"/></svg>`
        : item.block
          ? `<span class="swatch block" style="background:${item.colour}"></span>`
          : `<span class="swatch${item.dashed ? ' dashed' : ''}" style="border-color:${item.colour}"></span>`;
      return `<li>${swatch}<bdi>${escapeHtml(item.label)}</bdi></li>`;
    })
    .join('')}</ul>`;
}

/** Outcomes per stage as horizontal stacked bars (ok, rejected, error), each bar scaled to the busiest stage. */
export function outcomesChart(stages: StageRow[]): string {
  const rows = stages.filter((s) => s.ok + s.rejected + s.error > 0);
  if (rows.length === 0) return '';
  const max = Math.max(...rows.map((s) => s.ok + s.rejected + s.error));
  const alt = `Outcomes per stage: ${rows
    .map(
      (s) =>
        `${s.stage} ${formatCount(s.ok)} ok, ${formatCount(s.rejected)} rejected, ${formatCount(s.error)} errors`,
    )
    .join('; ')}`;
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
  const plotW = WIDTH - labelW - totalW - 6;
  const height = rows.length * (barH + gap) + gap;
  const bars = rows
    .map((s, i) => {
      const y = gap + i * (barH + gap);
      const middle = y + barH / 2;
      let x = labelW;
      const parts = (['ok', 'rejected', 'error'] as const)
        .filter((k) => s[k] > 0)
        .map((k) => {
          // A handful among thousands stays visible: at least 3 units wide.
          const w = Math.max((s[k] / max) * plotW, 3);
          const rect = `<rect x="${n(x)}" y="${y}" width="${n(w)}" height="${barH}" fill="${OUTCOME_FILLS[k]}" stroke="${OUTCOME_COLOURS[k]}" stroke-width="0.5"><title>${escapeHtml(`${s.stage} ${k}: ${formatCount(s[k])}`)}</title></rect>`;
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
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(alt)}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(alt)}</title>${OUTCOME_PATTERNS}${bars}</svg>` +
    legend([
      { label: 'ok (solid)', colour: OUTCOME_COLOURS.ok, pattern: undefined, block: true },
      { label: 'rejected (striped)', colour: OUTCOME_COLOURS.rejected, pattern: 'loop-pattern-rejected' },
      { label: 'error (dotted)', colour: OUTCOME_COLOURS.error, pattern: 'loop-pattern-error' },
    ])
  );
}
