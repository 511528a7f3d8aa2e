// `loop compare A B`: two run dirs side by side, where their decisions first diverge, and --fail-on.
import {
  type ComparisonThreshold,
  compareRuns,
  compileComparisonThreshold,
  EXIT_PASSED,
  EXIT_THRESHOLD_FAILED,
  evaluateComparison,
  formatComparisonTable,
  formatDivergence,
  formatFailOn,
  formatSettings,
} from '@loop/check';
import { z } from 'zod';
import { checkErrorToCli } from '../check-output.js';
import type { Command, CommandIo } from '../command.js';
import { usageError } from '../errors.js';
import { type FlagSpecs, formatHelp, intFlag, parseFlags, stringFlag } from '../flags.js';
import { compareRunDirsForCli } from '../run-dir-comparison.js';

const USAGE = 'Usage: loop compare A B [--json] [--fail-on EXPR ...] [--fail-on-divergence] [--max-steps N]';
const SUMMARY =
  'Compares two run dirs (B against A, the baseline): per stage count and p50/p95/p99 with B-A and B/A,\n' +
  'outcomes, rejections and errors by reason, orders, fills, PnL, fees, drawdown, restarts; the settings that\n' +
  'differ; and the first step where their decisions (outcomes, reasons, orders, fills, position) differ, with\n' +
  'both sides\' events and their file:line ("identical" for the same seed and flags).\n' +
  'Exit status: 0, or 99 when a --fail-on expression holds (or the decisions diverge with\n' +
  '--fail-on-divergence); 2 bad input; 1 a file could not be read.';

const specs: FlagSpecs = {
  json: { type: 'boolean', description: 'print the comparison as JSON' },
  'fail-on': {
    type: 'string',
    valueName: 'EXPR',
    multiple: true,
    description: 'exit 99 when it holds, e.g. "exec.p99_ms.ratio > 1.2", "pnl.diff < -10" (repeatable)',
  },
  'fail-on-divergence': { type: 'boolean', description: 'exit 99 when the decisions diverge' },
  'max-steps': {
    type: 'string',
    valueName: 'N',
    description: 'look for the divergence in the first N steps only (the metrics still cover every step)',
    defaultText: 'every step',
  },
};

const schema = z.object({
  json: z.boolean().optional(),
  'fail-on': z.array(stringFlag()).optional(),
  'fail-on-divergence': z.boolean().optional(),
  'max-steps': intFlag({ min: 1 }).optional(),
});

async function compare(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseFlags('compare', argv, specs, schema, { positionals: true });
  if (parsed.help) {
    io.stdout.write(formatHelp(USAGE, SUMMARY, specs));
    return 0;
  }
  const flags = parsed.values;
  if (parsed.positionals.length !== 2) {
    throw usageError(
      `loop compare: expected two run dirs (A B), got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.map((p) => `"${p}"`).join(' ')}`,
    );
  }
  const [dirA, dirB] = parsed.positionals as [string, string];
  const failOn: ComparisonThreshold[] = [];
  for (const text of flags['fail-on'] ?? []) {
    try {
      failOn.push(compileComparisonThreshold(text, '--fail-on'));
    } catch (error) {
      throw checkErrorToCli('compare', '--fail-on', error);
    }
  }
  const { a, b, divergence, settings } = await compareRunDirsForCli(
    'compare',
    { label: 'A', dir: dirA },
    { label: 'B', dir: dirB },
    { readLabel: 'A B', maxSteps: flags['max-steps'] },
  );
  const rows = compareRuns(a.metrics, b.metrics);
  const failures = evaluateComparison(a.metrics, b.metrics, failOn);
  const diverged = flags['fail-on-divergence'] === true && divergence.verdict === 'diverged';
  const failed = diverged || failures.some((r) => !r.passed);
  if (flags.json) {
    const doc = {
      a: { run_dir: dirA, metrics: a.metrics.figures, notes: a.notes },
      b: { run_dir: dirB, metrics: b.metrics.figures, notes: b.notes },
      settings,
      rows,
      divergence,
      fail_on: failures,
      passed: !failed,
    };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const out = [
      `A: ${dirA}\nB: ${dirB}\n`,
      formatSettings(settings),
      ...a.notes.map((n) => `note: A: ${n}\n`),
      ...b.notes.map((n) => `note: B: ${n}\n`),
      '\n',
      `${formatComparisonTable(rows)}\n\n`,
      formatDivergence(divergence),
      formatFailOn(failures),
      ...(diverged ? ['fail-on-divergence: FAIL (the decisions diverge)\n'] : []),
    ];
    io.stdout.write(out.join(''));
  }
  return failed ? EXIT_THRESHOLD_FAILED : EXIT_PASSED;
}

/** `loop compare`. */
export const compareCommand: Command = {
  name: 'compare',
  run: compare,
};
