// Test helper: a run dir's NDJSON lines read plainly (no @loop reader), to check `loop check` and
// `loop compare` against the files themselves.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One parsed line and where it is. */
export interface Line {
  file: string;
  line: number;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed NDJSON line
  event: Record<string, any>;
}

/** Every parseable line, rotated files (`.1` oldest) then the current file. */
export function readLines(dir: string): Line[] {
  const order = (name: string) =>
    name === 'metrics.ndjson' ? Number.POSITIVE_INFINITY : Number(name.split('.')[2]);
  const files = readdirSync(dir)
    .filter((f) => /^metrics\.ndjson(\.\d+)?$/.test(f))
    .sort((a, b) => order(a) - order(b));
  const out: Line[] = [];
  for (const file of files) {
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (text === '') return;
        try {
          out.push({ file, line: i + 1, event: JSON.parse(text) });
        } catch {
          // a torn line
        }
      });
  }
  return out;
}

/** Lines grouped by step, in order (a step is consecutive lines sharing a step number). */
export function steps(lines: Line[]): Line[][] {
  const out: Line[][] = [];
  for (const l of lines) {
    const last = out[out.length - 1];
    if (last && last[0]!.event.step === l.event.step) last.push(l);
    else out.push([l]);
  }
  return out;
}

const MARKET = new Set(['price', 'equity']);

/** A step's decisions as text: stage, outcome, reason and non-market attrs of each event. */
export function decisions(step: Line[]): string {
  return JSON.stringify(
    step.map(({ event }) => [
      event.step,
      event.stage,
      event.outcome,
      event.reason ?? null,
      Object.entries(event.attrs ?? {}).filter(([k]) => !MARKET.has(k)),
    ]),
  );
}

/** The exact `p`th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
