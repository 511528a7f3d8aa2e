// Escaping for the two places file-derived strings reach the page: HTML text/attributes and JSON in <script>.
import { LoopDashboardError } from './errors.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes `& < > " '` so any string is inert as HTML text or a quoted attribute value (and in SVG). */
export function escapeHtml(value: unknown): string {
  const text = String(value);
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!) : text;
}

const SCRIPT_JSON_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON.stringify for placing data inside a `<script>` element: `<`, `>`, `&`, U+2028 and U+2029 become
 * `\uXXXX` escapes, so no string can close the element (`</script>`), open a comment, or break a JS parser.
 *
 * @throws LoopDashboardError `LOOP_DASHBOARD_OPTION_INVALID` for a value with no JSON form (`undefined`, a
 *   function, a symbol) or one JSON.stringify refuses (a BigInt, a cycle).
 */
export function escapeJsonForScript(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new LoopDashboardError(
      'LOOP_DASHBOARD_OPTION_INVALID',
      `escapeJsonForScript: the value cannot be written as JSON: ${(cause as Error).message}`,
      { cause, context: { caller: 'escapeJsonForScript', option: 'value' } },
    );
  }
  if (json === undefined) {
    throw new LoopDashboardError(
      'LOOP_DASHBOARD_OPTION_INVALID',
      `escapeJsonForScript: ${typeof value} has no JSON form`,
      { context: { caller: 'escapeJsonForScript', option: 'value' } },
    );
  }
  return json.replace(/[<>&\u2028\u2029]/g, (c) => SCRIPT_JSON_ESCAPES[c]!);
}
