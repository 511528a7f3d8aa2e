// `loop dashboard --compare A B --out FILE`: two runs side by side as one self-contained page.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { compareRuns } from '@loop/check';
import { isLoopDashboardError, renderComparePage, writeDashboardFile } from '@loop/dashboard';
import { z } from 'zod';
import type { CommandIo } from '../command.js';
import { LoopCliError, usageError } from '../errors.js';
import { type FlagSpecs, intFlag, parseFlags, stringFlag } from '../flags.js';
import { absolutePath, compareRunDirsForCli } from '../run-dir-comparison.js';

const specs: FlagSpecs = {
  compare: { type: 'string', valueName: 'A', description: 'the baseline run dir; B follows it' },
  out: { type: 'string', valueName: 'FILE', description: 'where to write the page' },
  'max-steps': {
    type: 'string',
    valueName: 'N',
    description: 'look for the divergence in the first N steps',
  },
};

const schema = z.object({
  compare: stringFlag(),
  out: stringFlag().optional(),
  'max-steps': intFlag({ min: 1 }).optional(),
});

/** True when `argv` asks for the comparison page. */
export function wantsCompare(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--compare' || arg.startsWith('--compare='));
}

/** Renders `--compare A B` to `--out FILE`. */
export async function dashboardCompare(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseFlags('dashboard', argv, specs, schema, { positionals: true });
  const flags = parsed.values;
  if (parsed.positionals.length !== 1)
    throw usageError('loop dashboard: --compare: expected two run dirs: --compare A B --out FILE');
  if (flags.out === undefined) throw usageError('loop dashboard: --out: is required with --compare');
  const dirA = flags.compare;
  const dirB = parsed.positionals[0]!;
  const { a, b, divergence, settings } = await compareRunDirsForCli(
    'dashboard',
    { label: '--compare A', dir: dirA },
    { label: '--compare B', dir: dirB },
    { readLabel: '--compare', maxSteps: flags['max-steps'] },
  );
  const html = renderComparePage({
    runDirA: dirA,
    runDirB: dirB,
    verdict: divergence.verdict,
    stepsCompared: divergence.stepsCompared,
    decision: divergence.decision,
    firstDifference: divergence.firstDifference,
    settings,
    rows: compareRuns(a.metrics, b.metrics),
    notes: [...a.notes.map((n) => `A: ${n}`), ...b.notes.map((n) => `B: ${n}`)],
  });
  const out = absolutePath(flags.out);
  try {
    mkdirSync(dirname(out), { recursive: true });
    await writeDashboardFile(out, html);
  } catch (error) {
    const message = isLoopDashboardError(error) ? error.message : (error as Error).message;
    throw new LoopCliError('LOOP_CLI_RUNTIME', `loop dashboard: --out: ${message}`, { cause: error });
  }
  io.stdout.write(
    `loop dashboard: compared ${a.metrics.figures.events} and ${b.metrics.figures.events} events: ${divergence.verdict}\n`,
  );
  io.stdout.write(`dashboard: ${out}\n`);
  return 0;
}
