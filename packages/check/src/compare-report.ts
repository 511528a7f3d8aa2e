// `loop compare`'s output: the side-by-side table, the divergence (with both sides' events), the settings
// that differ, and the `--fail-on` verdicts.
import type { DivergenceReport, EventView, StepDifference, StepSide } from './divergence.js';
import type { SettingDifference } from './read-run.js';
import type { ComparisonRow } from './run-comparison.js';
import { formatTextTable } from './text-table.js';
import { formatValue, type ThresholdResult } from './thresholds.js';

function ratioText(ratio: number | null): string {
  return ratio === null ? '' : `${formatValue(ratio)}x`;
}

function diffText(diff: number | null): string {
  if (diff === null) return '';
  return diff > 0 ? `+${formatValue(diff)}` : formatValue(diff);
}

/** The side-by-side table: metric, A, B, B - A, B / A. Rows equal on both sides are kept (they are facts too). Pure. */
export function formatComparisonTable(rows: readonly ComparisonRow[]): string {
  const body = rows.map((r) => [
    r.metric,
    formatValue(r.a),
    formatValue(r.b),
    diffText(r.diff),
    ratioText(r.ratio),
  ]);
  return formatTextTable(['metric', 'A', 'B', 'B-A', 'B/A'], body, [false, true, true, true, true]);
}

function eventLine(e: EventView): string {
  const parts = [`${e.stage} ${e.outcome}`];
  if (e.reason !== undefined) parts.push(`reason=${e.reason}`);
  if (e.attrs !== undefined) parts.push(`attrs=${JSON.stringify(e.attrs)}`);
  if (e.detail !== undefined) parts.push(`detail=${JSON.stringify(e.detail)}`);
  parts.push(`latency_ms=${e.latency_ms}`);
  return `      ${e.file}:${e.line}  ${parts.join('  ')}`;
}

function sideLines(label: string, s: StepSide | null): string[] {
  if (s === null) return [`  ${label}: (no such step: the run ended)`];
  return [
    `  ${label}: step ${s.step}${s.lifetime > 1 ? ` (lifetime ${s.lifetime})` : ''} at ${s.file}:${s.line}`,
    ...s.events.map(eventLine),
  ];
}

function differenceLines(title: string, d: StepDifference): string[] {
  const where = d.a?.step ?? d.b?.step;
  return [
    `${title} at step ${where} (the ${ordinal(d.index)} step of both runs):`,
    ...d.differences.map((x) => `  - ${x}`),
    ...sideLines('A', d.a),
    ...sideLines('B', d.b),
  ];
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

/** The divergence section. Pure. */
export function formatDivergence(report: DivergenceReport): string {
  const lines: string[] = [];
  switch (report.verdict) {
    case 'identical':
      lines.push(`divergence: identical (${report.stepsCompared} steps, every event equal)`);
      break;
    case 'same-decisions':
      lines.push(
        `divergence: none in decisions over ${report.stepsCompared} steps (outcomes, reasons, orders, fills, position equal)`,
      );
      if (report.firstDifference)
        lines.push(...differenceLines('other fields first differ', report.firstDifference));
      break;
    case 'bounded':
      lines.push(
        `divergence: none in decisions within the first ${report.stepsCompared} steps (--max-steps)`,
      );
      if (report.firstDifference)
        lines.push(...differenceLines('other fields first differ', report.firstDifference));
      break;
    case 'diverged':
      lines.push(...differenceLines('divergence: decisions first differ', report.decision!));
      if (report.firstDifference && report.firstDifference.index < report.decision!.index) {
        const d = report.firstDifference;
        const more = d.differences.length > 3 ? `, ... (${d.differences.length - 3} more)` : '';
        lines.push(
          `(other fields, not decisions, differ from step ${d.a?.step ?? d.b?.step}: ${d.differences.slice(0, 3).join('; ')}${more})`,
        );
      }
      break;
  }
  return `${lines.join('\n')}\n`;
}

/** The settings that differ (run.json), one line each. Pure. */
export function formatSettings(settings: readonly SettingDifference[]): string {
  if (settings.length === 0) return 'settings: the same\n';
  return `settings that differ: ${settings.map((s) => `${s.key} ${JSON.stringify(s.a)} -> ${JSON.stringify(s.b)}`).join(', ')}\n`;
}

/** The `--fail-on` verdicts, one line each. Pure. */
export function formatFailOn(results: readonly ThresholdResult[]): string {
  return results.map((r) => `fail-on ${r.threshold}: ${r.passed ? 'ok' : 'FAIL'} (${r.message})\n`).join('');
}
