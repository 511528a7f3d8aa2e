// `loop run --enable-metrics ...`: the metrics flags and the observer that records to the run dir.
// Placeholder until the metrics issue lands: no flags, no observer.
import type { StageObserver } from '@loop/engine';
import type { z } from 'zod';
import type { FlagSpecs } from './flags.js';

/** The metrics flags of `loop run`. */
export const metricsFlagSpecs: FlagSpecs = {};

/** zod shape of the metrics flags, merged into `loop run`'s schema. */
export const metricsFlagShape = {};

/** Metrics flag values, as validated by {@link metricsFlagShape}. */
export type MetricsFlagValues = z.output<z.ZodObject<typeof metricsFlagShape>>;

/** What `loop run` needs from the metrics side while it runs. */
export interface RunMetrics {
  /** Receives every stage and step of the loop. */
  observer: StageObserver;
  /** Lines for the final summary printed by `loop run` (e.g. files written, write errors). */
  summaryLines(): string[];
  /** Flushes and closes everything (normal end, SIGINT, SIGTERM). Never throws. */
  close(): Promise<void>;
}

/** Opens the run's metrics if the flags ask for them; `undefined` otherwise. */
export async function openRunMetrics(
  _values: MetricsFlagValues,
  _context: { runDir: string; deterministic: boolean; clockNowMs: () => number },
): Promise<RunMetrics | undefined> {
  return undefined;
}
