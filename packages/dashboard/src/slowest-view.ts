// View data of the "Slowest events" section: per stage, the events behind its max and p99 with their steps'
// lines, and the anchors the Stages table links to. Pure: numbers formatted, names left for the template to escape.
import { formatCount, formatMs, formatTime } from './display-format.js';
import type { DashboardModel } from './model.js';
import { OUTCOME_SYMBOLS } from './sections-view.js';

/** One line of a slow event's step. */
export interface SlowStepLineView {
  stage: string;
  outcome: string;
  symbol: string;
  latency: string;
  reason: string;
  source: string;
  /** The slow event itself (shown stronger). */
  self: boolean;
}

/** The section's view; null when the model has no slowest events. */
export interface SlowestView {
  meta: string;
  stages: Array<{
    stage: string;
    id: string;
    events: Array<{
      rank: string;
      latency: string;
      time: string;
      lifetime: string;
      step: string;
      outcome: string;
      symbol: string;
      reason: string;
      lines: SlowStepLineView[];
      note: string;
    }>;
  }>;
}

/** The anchor of a stage's slowest events, by the stage's position in the list (names may hold anything). */
export function slowestAnchor(index: number): string {
  return `slowest-${index + 1}`;
}

/** The view of `model.slowest`, or null when there is nothing to show. */
export function slowestView(model: DashboardModel): SlowestView | null {
  const slowest = model.slowest;
  if (!slowest || slowest.stages.every((s) => s.events.length === 0)) return null;
  const meta =
    slowest.source === 'summary'
      ? 'The slowest events of each stage since the running process started (metrics_summary.json, slowest first), each with every line of its step from the NDJSON files.'
      : 'The slowest events of each stage in the latest process lifetime of the NDJSON files (slowest first), each with every line of its step.';
  return {
    meta,
    stages: slowest.stages
      .map((s, i) => ({ s, id: slowestAnchor(i) }))
      .filter(({ s }) => s.events.length > 0)
      .map(({ s, id }) => ({
        stage: s.stage,
        id,
        events: s.events.map((e, rank) => ({
          rank: formatCount(rank + 1),
          latency: formatMs(e.latency_ms),
          time: formatTime(e.ts, { millis: true }),
          lifetime: e.lifetime === null ? '—' : formatCount(e.lifetime),
          step: formatCount(e.step),
          outcome: e.outcome,
          symbol: OUTCOME_SYMBOLS[e.outcome],
          reason: e.reason ?? '',
          lines: e.stepLines.map((l) => ({
            stage: l.stage,
            outcome: l.outcome,
            symbol: OUTCOME_SYMBOLS[l.outcome],
            latency: formatMs(l.latency_ms),
            reason: l.reason ?? '',
            source: `${l.file}:${l.line}`,
            self: e.file !== null && l.file === e.file && l.line === e.line,
          })),
          note:
            e.file === null
              ? 'Not in the NDJSON files (pruned, or not read yet).'
              : e.stepLinesOmitted > 0
                ? `${formatCount(e.stepLinesOmitted)} more lines of this step not shown.`
                : '',
        })),
      })),
  };
}
