// The time axis every time chart shares: lifetimes laid out one after another when a restarted clock replays
// the same times, >= 4 tick labels in UTC, a labelled vertical marker at each restart, one line per lifetime.
import { formatDuration, formatTime } from './display-format.js';
import { escapeHtml } from './html-escape.js';
import type { RestartMark } from './model.js';
import { axisLabels, FONT, n, textWidth, widest } from './svg-charts.js';

/** The viewBox of a time chart. */
export const TIME_CHART = { width: 720, height: 260 } as const;
const PAD = { minLeft: 48, right: 18, top: FONT + 12, bottom: FONT + 14 };
const TICK_GAP = 6;
/** Colour of the restart markers (dark red: 7:1 on white). */
export const RESTART_COLOUR = '#991b1b';

/** One process lifetime on the axis: its real time span and how far it is moved right to follow the previous one. */
export interface TimeSegment {
  lifetime: number;
  start: number;
  end: number;
  offset: number;
}

/** Where each lifetime's times go on the axis. */
export interface TimeLayout {
  bucketMs: number;
  segments: TimeSegment[];
  /** The axis' first and last (placed) times. */
  v0: number;
  v1: number;
  /** True when some lifetime was moved (its clock started again at times already shown). */
  shifted: boolean;
  /** First and last real times. */
  realStart: number;
  realEnd: number;
  byLifetime: Map<number, TimeSegment>;
}

/**
 * Lays out the lifetimes found in `buckets`: each at its real time, unless it starts more than a bucket before
 * the previous one ended (a simulated clock that starts again at each restart), then right after it.
 */
export function timeLayout(
  buckets: ReadonlyArray<{ t: number; lifetime: number }>,
  bucketMs: number,
): TimeLayout | null {
  if (buckets.length === 0) return null;
  const spans = new Map<number, { start: number; end: number }>();
  for (const b of buckets) {
    const span = spans.get(b.lifetime);
    if (span === undefined) spans.set(b.lifetime, { start: b.t, end: b.t + bucketMs });
    else {
      span.start = Math.min(span.start, b.t);
      span.end = Math.max(span.end, b.t + bucketMs);
    }
  }
  const segments: TimeSegment[] = [];
  let placedEnd = Number.NEGATIVE_INFINITY;
  let shifted = false;
  for (const lifetime of [...spans.keys()].sort((a, b) => a - b)) {
    const { start, end } = spans.get(lifetime)!;
    let offset = 0;
    if (start < placedEnd - bucketMs) {
      offset = placedEnd + bucketMs - start;
      shifted = true;
    }
    segments.push({ lifetime, start, end, offset });
    placedEnd = Math.max(placedEnd, end + offset);
  }
  return {
    bucketMs,
    segments,
    v0: Math.min(...segments.map((s) => s.start + s.offset)),
    v1: placedEnd,
    shifted,
    realStart: Math.min(...segments.map((s) => s.start)),
    realEnd: Math.max(...segments.map((s) => s.end)),
    byLifetime: new Map(segments.map((s) => [s.lifetime, s])),
  };
}

/** The placed time of real time `t` in `lifetime`. */
export function placeTime(layout: TimeLayout, t: number, lifetime: number): number {
  return t + (layout.byLifetime.get(lifetime)?.offset ?? 0);
}

/** The real time shown at placed time `v`: in the segment that holds it, else the nearest one. */
function realTimeAt(layout: TimeLayout, v: number): number {
  let best = layout.segments[0]!;
  let distance = Number.POSITIVE_INFINITY;
  for (const s of layout.segments) {
    const a = s.start + s.offset;
    const b = s.end + s.offset;
    const d = v < a ? a - v : v > b ? v - b : 0;
    if (d < distance) {
      distance = d;
      best = s;
    }
  }
  return Math.min(Math.max(v - best.offset, best.start), best.end);
}

/** Tick label of a time: as short as the axis' real span allows, always UTC. */
export function tickLabel(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  if (spanMs >= 4 * 86_400_000) return iso.slice(5, 10); // 12-01
  if (spanMs >= 3_600_000) return iso.slice(11, 16); // 20:38
  if (spanMs >= 10_000) return iso.slice(11, 19); // 20:38:27
  return iso.slice(14, 23); // 38:27.123
}

/** The axis' unit, for captions: what a tick label shows. */
export function tickUnit(spanMs: number): string {
  if (spanMs >= 4 * 86_400_000) return 'month-day, UTC';
  if (spanMs >= 3_600_000) return 'hh:mm UTC';
  if (spanMs >= 10_000) return 'hh:mm:ss UTC';
  return 'mm:ss.mmm UTC';
}

/** A time chart's coordinate system and its drawn axes. */
export interface TimeFrame {
  x(t: number, lifetime: number): number;
  y(v: number): number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Grid, y labels with the unit, x tick labels, restart markers: markup. */
  axes: string;
  /** X tick labels, for tests and captions. */
  ticks: string[];
}

/** Builds the frame: `vMin..vMax` on y with `unit` above the labels; the layout's span on x; restart markers. */
export function timeFrame(
  layout: TimeLayout,
  vMin: number,
  vMax: number,
  label: (v: number) => string,
  unit: string,
  restarts: readonly RestartMark[],
): TimeFrame {
  const { width, height } = TIME_CHART;
  const vSpan = vMax - vMin || 1;
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => vMin + f * vSpan);
  const yLabels = axisLabels(yTicks, label);
  const left = Math.max(PAD.minLeft, Math.ceil(widest([...yLabels, unit]) + TICK_GAP + 2));
  const right = width - PAD.right;
  const top = PAD.top;
  const bottom = height - PAD.bottom;
  const tSpan = layout.v1 - layout.v0 || 1;
  const xv = (v: number) => left + ((v - layout.v0) / tSpan) * (right - left);
  const x = (t: number, lifetime: number) => xv(placeTime(layout, t, lifetime));
  const y = (v: number) => bottom - ((v - vMin) / vSpan) * (bottom - top);
  const parts: string[] = [];
  yTicks.forEach((v, i) => {
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${n(y(v))}" y2="${n(y(v))}" class="grid"/>` +
        `<text x="${left - TICK_GAP}" y="${n(y(v))}" dy="0.35em" text-anchor="end">${escapeHtml(yLabels[i]!)}</text>`,
    );
  });
  parts.push(
    `<text x="${left - TICK_GAP}" y="${FONT}" text-anchor="end" class="unit">${escapeHtml(unit)}</text>`,
  );
  // Five ticks evenly spaced (four when the labels would touch at the phone font size), first and last flush
  // with the plot. When lifetimes were moved one after another, a tick at each lifetime's middle instead (with
  // the axis' ends), so that no tick sits on the seam between two lifetimes.
  const realSpan = layout.realEnd - layout.realStart;
  const plotW = right - left;
  let places: number[];
  if (layout.shifted && layout.segments.length <= 6) {
    places = [
      layout.v0,
      ...layout.segments.map((s) => s.start + s.offset + (s.end - s.start) / 2),
      layout.v1,
    ];
  } else {
    // The first label hangs right of its tick and the second is centred on its own: they need 1.5 widths apart.
    const w = widest([tickLabel(layout.realStart, realSpan), tickLabel(layout.realEnd, realSpan)]);
    const count = plotW / 4 >= 1.5 * w + 8 ? 5 : 4;
    places = Array.from({ length: count }, (_, i) => layout.v0 + (tSpan * i) / (count - 1));
  }
  const base = height - Math.ceil(0.3 * FONT);
  const kept: Array<{ at: number; text: string; anchor: string; from: number; to: number }> = [];
  places.forEach((v, i) => {
    const at = xv(v);
    const text = tickLabel(realTimeAt(layout, v), realSpan);
    const w = textWidth(text);
    const anchor = i === 0 ? 'start' : i === places.length - 1 ? 'end' : 'middle';
    const from = anchor === 'start' ? at : anchor === 'end' ? at - w : at - w / 2;
    // A label that would touch the one before is left out; the last one (the axis' end) is kept, and the one
    // before it goes instead, unless that is the first.
    const touches = () => kept.length > 0 && from < kept[kept.length - 1]!.to + 8;
    if (touches()) {
      if (i !== places.length - 1) return;
      if (kept.length > 1) kept.pop();
      if (touches()) return;
    }
    kept.push({ at, text, anchor, from, to: from + w });
  });
  const ticks = kept.map((k) => k.text);
  for (const { at, text, anchor } of kept) {
    parts.push(`<line x1="${n(at)}" x2="${n(at)}" y1="${bottom}" y2="${bottom + 5}" class="axis"/>`);
    parts.push(
      `<text x="${n(at)}" y="${base}" text-anchor="${anchor}" class="tick">${escapeHtml(text)}</text>`,
    );
  }
  parts.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" class="axis"/>`);
  parts.push(restartMarkers(layout, restarts, x, top, bottom));
  return { x, y, left, right, top, bottom, axes: parts.join(''), ticks };
}

/** A dashed vertical line at each restart, labelled `R1`, `R2`, … where the labels do not collide. */
function restartMarkers(
  layout: TimeLayout,
  restarts: readonly RestartMark[],
  x: (t: number, lifetime: number) => number,
  top: number,
  bottom: number,
): string {
  let lastLabelEnd = Number.NEGATIVE_INFINITY;
  return restarts
    .filter((m) => layout.byLifetime.has(m.lifetime))
    .map((m) => {
      const segment = layout.byLifetime.get(m.lifetime)!;
      // A moved lifetime starts where its segment starts: its first bucket.
      const at = x(layout.shifted ? segment.start : m.ts, m.lifetime);
      const name = `R${m.lifetime - 1}`;
      const w = textWidth(name);
      let label = '';
      if (at - w / 2 > lastLabelEnd + 4) {
        label = `<text x="${n(at)}" y="${top - 6}" text-anchor="middle" class="restart-label" fill="${RESTART_COLOUR}">${name}</text>`;
        lastLabelEnd = at + w / 2;
      }
      return `<g class="restart-mark"><title>restart ${m.lifetime - 1}: process lifetime ${m.lifetime} began at ${escapeHtml(formatTime(m.ts))}</title><line x1="${n(at)}" x2="${n(at)}" y1="${top - 2}" y2="${bottom}" stroke="${RESTART_COLOUR}" stroke-width="2" stroke-dasharray="6 3"/>${label}</g>`;
    })
    .join('');
}

/** Points of one series, each with its lifetime. */
export type LifetimePoint = { x: number; y: number; lifetime: number };

/** One line per lifetime (never joined across a restart); a lone point is a dot. */
export function lifetimeLines(
  points: readonly LifetimePoint[],
  colour: string,
  dash: string | null,
  options: { step?: boolean; width?: number } = {},
): string {
  const byLifetime = new Map<number, LifetimePoint[]>();
  for (const p of points) {
    const list = byLifetime.get(p.lifetime);
    if (list === undefined) byLifetime.set(p.lifetime, [p]);
    else list.push(p);
  }
  const width = options.width ?? 2;
  let out = '';
  for (const list of byLifetime.values()) {
    if (list.length === 1) {
      out += `<circle cx="${n(list[0]!.x)}" cy="${n(list[0]!.y)}" r="3" fill="${colour}"/>`;
      continue;
    }
    let d = `M${n(list[0]!.x)} ${n(list[0]!.y)}`;
    for (let i = 1; i < list.length; i++) {
      const p = list[i]!;
      d += options.step ? `H${n(p.x)}V${n(p.y)}` : `L${n(p.x)} ${n(p.y)}`;
    }
    out += `<path d="${d}" fill="none" stroke="${colour}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''} stroke-linejoin="round"/>`;
  }
  return out;
}

/** Invisible full-height bands, one per bucket, whose `<title>` gives the bucket's values (read without script). */
export function hoverBands(
  frame: TimeFrame,
  bands: ReadonlyArray<{ t: number; lifetime: number; bucketMs: number; text: string }>,
): string {
  return bands
    .map((b) => {
      const x0 = frame.x(b.t, b.lifetime);
      const w = Math.max(1, frame.x(b.t + b.bucketMs, b.lifetime) - x0);
      return `<rect class="band" x="${n(x0)}" y="${frame.top}" width="${n(w)}" height="${frame.bottom - frame.top}"><title>${escapeHtml(b.text)}</title></rect>`;
    })
    .join('');
}

/** The `<svg>` of a time chart, with its text alternative as `aria-label` and `<title>`. */
export function timeChartSvg(alt: string, body: string): string {
  const { width, height } = TIME_CHART;
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(alt)}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(alt)}</title>${body}</svg>`;
}

/** A bucket for titles: `00:10:00Z + 10 s` (the date too when the bucket is a day or more, or not whole seconds). */
export function bucketText(t: number, bucketMs: number): string {
  const time = formatTime(t);
  return `${bucketMs >= 86_400_000 ? time : time.slice(11)} + ${formatDuration(bucketMs)}`;
}

/** True when the layout draws a dataset at all (some bucket). */
export function hasSpan(layout: TimeLayout | null): layout is TimeLayout {
  return layout !== null && layout.segments.length > 0;
}
