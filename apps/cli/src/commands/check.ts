// `loop check`: judges a run dir against thresholds (k6-style); a table, --json or --junit; exit 0, 99 or 2.
import { isAbsolute, resolve } from 'node:path';
import {
  checkJson,
  EXIT_PASSED,
  EXIT_THRESHOLD_FAILED,
  evaluateThresholds,
  formatCheckTable,
  formatJunitXml,
  readRunMetrics,
} from '@loop/check';
import { STAGES } from '@loop/engine';
import { z } from 'zod';
import { checkErrorToCli, gatherThresholds, writeReportFile } from '../check-output.js';
import type { Command, CommandIo } from '../command.js';
import { usageError } from '../errors.js';
import { type FlagSpecs, formatHelp, parseFlags, stringFlag } from '../flags.js';

const USAGE =
  'Usage: loop check --run-dir DIR --threshold EXPR [--threshold EXPR ...] [--thresholds FILE] [--json] [--junit FILE]';
const SUMMARY =
  'Judges a run dir against thresholds such as "exec.p99_ms < 5", "risk.rejected_rate < 0.01", "fills >= 1",\n' +
  '"rejections{reason=PRICE_BAND} < 10", "restarts <= 2" (the grammar and every metric: @loop/check README).\n' +
  'Reads every rotated metrics file across restarts, the summary, run.json and the supervisor state, streaming.\n' +
  'Exit status: 0 every threshold passed, 99 one failed (as k6), 2 bad input (a syntax error, an unknown\n' +
  'metric or stage, a missing run dir or thresholds file: one line naming it), 1 a file could not be read.';

const specs: FlagSpecs = {
  'run-dir': { type: 'string', valueName: 'DIR', description: 'the run dir to judge' },
  threshold: {
    type: 'string',
    valueName: 'EXPR',
    multiple: true,
    description: 'a threshold, e.g. "exec.p99_ms < 5" (repeatable)',
  },
  thresholds: {
    type: 'string',
    valueName: 'FILE',
    description: 'a JSON or YAML file: {thresholds: ["exec.p99_ms < 5", ...]}',
  },
  json: { type: 'boolean', description: 'print the verdicts and the run metrics as JSON instead of a table' },
  junit: { type: 'string', valueName: 'FILE', description: 'also write JUnit XML (a test per threshold)' },
};

const schema = z.object({
  'run-dir': stringFlag(),
  threshold: z.array(stringFlag()).optional(),
  thresholds: stringFlag().optional(),
  json: z.boolean().optional(),
  junit: stringFlag().optional(),
});

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

async function check(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseFlags('check', argv, specs, schema);
  if (parsed.help) {
    io.stdout.write(formatHelp(USAGE, SUMMARY, specs));
    return 0;
  }
  const flags = parsed.values;
  const thresholds = await gatherThresholds('check', flags.threshold ?? [], flags.thresholds);
  if (thresholds.length === 0)
    throw usageError('loop check: --threshold: give at least one threshold (or --thresholds FILE)');
  const runDir = absolute(flags['run-dir']);
  const started = performance.now();
  let reading: Awaited<ReturnType<typeof readRunMetrics>>;
  let result: ReturnType<typeof evaluateThresholds>;
  try {
    reading = await readRunMetrics(runDir);
  } catch (error) {
    throw checkErrorToCli('check', '--run-dir', error);
  }
  try {
    result = evaluateThresholds(reading.metrics, thresholds, { knownStages: STAGES });
  } catch (error) {
    throw checkErrorToCli('check', '--threshold', error);
  }
  if (flags.junit !== undefined) {
    const xml = formatJunitXml(result.results, {
      runDir: flags['run-dir'],
      timeSeconds: (performance.now() - started) / 1000,
    });
    writeReportFile('check', '--junit', absolute(flags.junit), xml);
  }
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify(checkJson(flags['run-dir'], result, reading.metrics.figures, reading.notes), null, 2)}\n`,
    );
  } else {
    io.stdout.write(formatCheckTable(result));
    for (const note of reading.notes) io.stdout.write(`note: ${note}\n`);
  }
  return result.passed ? EXIT_PASSED : EXIT_THRESHOLD_FAILED;
}

/** `loop check`. */
export const checkCommand: Command = {
  name: 'check',
  run: check,
};
