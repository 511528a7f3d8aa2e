// `loop status`: one row per run dir (status, pids, uptime, restarts, heartbeat age, counts, p99, equity), as
// `pm2 status` does; `--json` for scripts; `--watch` redraws in place. Exit 0 all healthy, 1 not, 2 bad input.
import { type MetricsSummary, type RunHealth, readMetricsSummary, readRunHealth } from '@loop/run-dir';
import { z } from 'zod';
import type { Command, CommandIo } from '../command.js';
import { usageError } from '../errors.js';
import { type FlagSpecs, formatHelp, numberFlag, parseFlags, stringFlag } from '../flags.js';
import { runDirsOf } from '../run-dir-list.js';
import { formatStatusTable, statusReport } from '../status-report.js';

const USAGE =
  'Usage: loop status --run-dir <DIR> [--run-dir <DIR> ...] [--json] [--watch]\n       loop status --runs-root <DIR> [--json] [--watch]';
const SUMMARY =
  'Shows the health of run dirs, one row each: status (running, restarting, stopped, completed, halted, failed,\n' +
  'gave-up, stale, unknown), pid, child pid, uptime, restarts, heartbeat age, steps, errors and rejections\n' +
  'across restarts, the worst stage p99 and equity. Unhealthy rows say why below the table.\n' +
  'Exit status: 0 every run dir is healthy, 1 some are not, 2 bad input (a run dir that does not exist).';

const specs: FlagSpecs = {
  'run-dir': {
    type: 'string',
    multiple: true,
    valueName: 'DIR',
    description: 'a run dir (repeat for several)',
  },
  'runs-root': {
    type: 'string',
    valueName: 'DIR',
    description:
      'every run dir directly under DIR (a folder with run.json, metrics, a heartbeat or supervisor files)',
  },
  json: { type: 'boolean', description: 'print a JSON report (schema in the README) instead of the table' },
  watch: { type: 'boolean', description: 'refresh every --interval-s (in place on a terminal) until Ctrl-C' },
  'interval-s': {
    type: 'string',
    valueName: 'S',
    description: 'refresh interval of --watch',
    defaultText: '2',
  },
  'stale-after-s': {
    type: 'string',
    valueName: 'S',
    description: 'heartbeat age after which a running run dir is stale',
    defaultText: "the supervisor's --heartbeat-timeout-s, else 30",
  },
};

const schema = z.object({
  'run-dir': z.array(stringFlag()).optional(),
  'runs-root': stringFlag().optional(),
  json: z.boolean().optional(),
  watch: z.boolean().optional(),
  'interval-s': numberFlag({ min: 0.1, max: 3600 }).optional(),
  'stale-after-s': numberFlag({ min: 0, exclusiveMin: true, max: 31_536_000 }).optional(),
});

type StatusRow = [string, RunHealth, MetricsSummary | undefined];

async function collect(dirs: readonly string[], staleAfterMs: number | undefined): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  for (const dir of dirs) {
    const [health, summary] = await Promise.all([
      readRunHealth(dir, { staleAfterMs }),
      readMetricsSummary(dir),
    ]);
    rows.push([dir, health, summary.state === 'valid' ? summary.value : undefined]);
  }
  return rows;
}

async function status(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseFlags('status', argv, specs, schema);
  if (parsed.help) {
    io.stdout.write(formatHelp(USAGE, SUMMARY, specs));
    return 0;
  }
  const flags = parsed.values;
  const given = flags['run-dir'] ?? [];
  if (given.length === 0 && flags['runs-root'] === undefined)
    throw usageError('loop status: --run-dir or --runs-root is required');
  const dirs = await runDirsOf('status', given, flags['runs-root']);
  const staleAfterMs = flags['stale-after-s'] === undefined ? undefined : flags['stale-after-s'] * 1000;
  const render = (rows: StatusRow[], nowMs: number) =>
    flags.json
      ? `${JSON.stringify(statusReport(rows, nowMs), null, 2)}\n`
      : formatStatusTable(rows, nowMs, { color: false });
  const exitOf = (rows: StatusRow[]) => (rows.every(([, h]) => h.healthy) ? 0 : 1);

  if (!flags.watch) {
    const rows = await collect(dirs, staleAfterMs);
    io.stdout.write(render(rows, Date.now()));
    return exitOf(rows);
  }
  const tty = io.stdout.isTTY === true && !flags.json;
  const intervalMs = (flags['interval-s'] ?? 2) * 1000;
  let last = 0;
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopped) {
      const rows = await collect(dirs, staleAfterMs);
      const nowMs = Date.now();
      const text = render(rows, nowMs);
      // On a terminal: home, the table, then erase whatever the previous, longer frame left below it.
      io.stdout.write(tty ? `\x1b[H\x1b[2J${text}` : `${text}\n`);
      last = exitOf(rows);
      const until = Date.now() + intervalMs;
      while (!stopped && Date.now() < until)
        await new Promise((r) => setTimeout(r, Math.min(100, intervalMs)));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return last;
}

/** `loop status`. */
export const statusCommand: Command = { name: 'status', run: status };
