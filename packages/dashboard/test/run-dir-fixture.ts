// Writes run dirs for tests: NDJSON stage events (rotated files included), a summary, run.json.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsSummary, StageEventLine } from '@loop/metrics';

/** The engine's stage order. */
export const STAGES = ['strategy', 'risk', 'exec', 'position'] as const;

/** Epoch ms of the first fixture event (the first candle of the shared BTC data set). */
export const T0 = Date.UTC(2019, 2, 29, 0, 0, 0);

/**
 * `steps` steps of four stage events each, one step a minute. Every 7th step's risk stage is rejected
 * (MAX_POSITION), every 11th step's exec stage errors (VENUE_TIMEOUT), every 4th fills one order (unless it
 * errors); latencies are deterministic.
 */
export function stageEvents(steps: number, firstStep = 1): StageEventLine[] {
  const events: StageEventLine[] = [];
  for (let step = firstStep; step < firstStep + steps; step++) {
    const ts = T0 + (step - 1) * 60_000;
    STAGES.forEach((stage, i) => {
      const event: StageEventLine = {
        v: 1,
        ts: ts + i,
        step,
        stage,
        outcome: 'ok',
        latency_ms: Number((0.1 * (i + 1) + (step % 10) * 0.01).toFixed(3)),
      };
      if (stage === 'risk' && step % 7 === 0) {
        event.outcome = 'rejected';
        event.reason = 'MAX_POSITION';
        event.detail = 'position=3 limit=2';
      }
      if (stage === 'exec' && step % 11 === 0) {
        event.outcome = 'error';
        event.reason = 'VENUE_TIMEOUT';
      }
      // Every 4th step's exec fills one order (as `loop run` writes it: orders sent and fills that step).
      if (stage === 'exec' && step % 4 === 0 && step % 11 !== 0) event.attrs = { orders: 1, fills: 1 };
      if (stage === 'position') event.attrs = { position: step % 3, equity: 10_000 + step * 1.5 };
      events.push(event);
    });
  }
  return events;
}

/** NDJSON text of events, one per line with a trailing newline. */
export function ndjson(events: readonly object[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}

/** A valid summary with the given counters; stage figures are fixed, recognisable numbers. */
export function summaryOf(partial: Partial<MetricsSummary> = {}): MetricsSummary {
  return {
    v: 1,
    pid: null,
    process_start: T0,
    updated_at: T0 + 3_600_000,
    stage_events_count: 40,
    counters: { processed: 10, filled: 8, rejected: 1, errors: 0 },
    stages_by_name: {
      strategy: { count: 10, p50_ms: 0.123, p95_ms: 0.456, p99_ms: 0.789, max_ms: 1.5, mean_ms: 0.2 },
    },
    outcomes_by_stage: { strategy: { ok: 10, rejected: 0, error: 0 } },
    reasons_by_stage: {},
    gauges: { position: 2, equity: 10_015 },
    histogram: { lowest_us: 1, highest_us: 3_600_000_000, clamped: 0 },
    writer: { lines_written: 40, bytes_written: 4000, rotations: 0, write_errors: 0, last_write_error: null },
    ...partial,
  };
}

/** What to put in a run dir: `files[0]` is `metrics.ndjson.1` ... the last one is `metrics.ndjson`. */
export interface RunDirContent {
  files?: string[];
  summary?: MetricsSummary | string;
  runInfo?: object | string;
}

/** A fresh temp dir. */
export async function tempDir(prefix = 'loop-dashboard-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes `content` into `dir`. */
export async function writeRunDir(dir: string, content: RunDirContent): Promise<string> {
  const files = content.files ?? [];
  await Promise.all(
    files.map((text, i) =>
      writeFile(join(dir, i === files.length - 1 ? 'metrics.ndjson' : `metrics.ndjson.${i + 1}`), text),
    ),
  );
  if (content.summary !== undefined) {
    const text = typeof content.summary === 'string' ? content.summary : JSON.stringify(content.summary);
    await writeFile(join(dir, 'metrics_summary.json'), text);
  }
  if (content.runInfo !== undefined) {
    const text = typeof content.runInfo === 'string' ? content.runInfo : JSON.stringify(content.runInfo);
    await writeFile(join(dir, 'run.json'), text);
  }
  return dir;
}

/** Removes a temp dir. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
