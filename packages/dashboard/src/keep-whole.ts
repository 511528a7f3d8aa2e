// Free text as HTML in which no date, time, number or code can be split over two lines (a browser breaks
// `2024-01-01` at its hyphens and `1,326.5` at its comma when the line is full): each such token is one no-wrap span.
import { escapeHtml } from './html-escape.js';

/**
 * A date with its time (`2024-01-01 00:17:00.250Z`), a number with separators (`-5.26`, `1,326`, `44%`,
 * `00:08:15`), or a code of capitals and underscores (`MAX_LOSS`, `TRADING_REDUCING`). Plain words and single
 * digits are left alone: they break only at spaces anyway.
 */
const TOKEN =
  /\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z?)?|(?<![\w.])[−+-]?\d+(?:[,.:/]\d+)+%?|(?<![\w.])[−+-]\d+%?|\d+%|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;

/**
 * `text` escaped for HTML, with every date, time, number and code wrapped in `<span class="nowrap">` so a line
 * breaks only around it. Only for element content, never for an attribute value.
 */
export function keepWhole(text: unknown): string {
  const value = String(text);
  let html = '';
  let from = 0;
  for (const match of value.matchAll(TOKEN)) {
    html += `${escapeHtml(value.slice(from, match.index))}<span class="nowrap">${escapeHtml(match[0])}</span>`;
    from = match.index + match[0].length;
  }
  return from === 0 ? escapeHtml(value) : html + escapeHtml(value.slice(from));
}
