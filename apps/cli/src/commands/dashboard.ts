// `loop dashboard`: renders a run dir's metrics to one self-contained HTML file, or serves it live (SSE).
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  buildModel,
  type DashboardServer,
  isLoopDashboardError,
  renderDashboard,
  startDashboardServer,
  writeDashboardFile,
} from '@loop/dashboard';
import { DASHBOARD_FILE } from '@loop/run-dir';
import { z } from 'zod';
import type { Command, CommandIo } from '../command.js';
import { BAD_HOST_ERRNOS, BAD_PATH_ERRNOS, LoopCliError, usageError } from '../errors.js';
import { type FlagSpecs, formatHelp, intFlag, parseFlags, stringFlag } from '../flags.js';
import { dashboardCompare, wantsCompare } from './dashboard-compare.js';

const USAGE =
  'Usage: loop dashboard --run-dir <DIR> [--out <FILE>] [--tail-lines N]\n' +
  '       loop dashboard --run-dir <DIR> --serve [--port N] [--host ADDR] [--tail-lines N]\n' +
  '       loop dashboard --compare <A> <B> --out <FILE> [--max-steps N]   (two runs side by side)';
const SUMMARY =
  'Renders the run dir (rotated metrics.ndjson files, metrics_summary.json, run.json) as one self-contained\n' +
  'HTML page that works offline, or serves it live: the page updates itself while the loop writes.';
const DEFAULT_TAIL_LINES = 50;
const DEFAULT_PORT = 8787;

const specs: FlagSpecs = {
  'run-dir': { type: 'string', valueName: 'DIR', description: 'the run dir to read' },
  out: {
    type: 'string',
    valueName: 'FILE',
    description: 'where to write the page (its folder is created; written to a temp file, then renamed)',
    defaultText: `<run-dir>/${DASHBOARD_FILE}`,
  },
  'tail-lines': {
    type: 'string',
    valueName: 'N',
    description: 'recent events to list',
    defaultText: String(DEFAULT_TAIL_LINES),
  },
  serve: {
    type: 'boolean',
    description: 'serve the page live over HTTP instead of writing a file; Ctrl-C stops',
  },
  port: {
    type: 'string',
    valueName: 'N',
    description: 'port of --serve (0 picks a free one)',
    defaultText: String(DEFAULT_PORT),
  },
  host: { type: 'string', valueName: 'ADDR', description: 'address of --serve', defaultText: '127.0.0.1' },
  'allow-host': {
    type: 'string',
    valueName: 'NAMES',
    description:
      'host names --serve answers besides IP addresses and localhost, comma-separated (.example.com allows its subdomains); any other Host gets 403 (DNS rebinding)',
  },
};

const schema = z.object({
  'run-dir': stringFlag(),
  out: stringFlag().optional(),
  'tail-lines': intFlag({ min: 0, max: 100_000 }).optional(),
  serve: z.boolean().optional(),
  port: intFlag({ min: 0, max: 65_535 }).optional(),
  host: stringFlag().optional(),
  'allow-host': z
    .string()
    .transform((raw, ctx) => {
      const names = raw.split(',').map((name) => name.trim());
      const bad = names.find(
        (name) =>
          !/^\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
            name,
          ),
      );
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected comma-separated host names, got "${bad}" in "${raw}"`,
        });
        return z.NEVER;
      }
      return names;
    })
    .optional(),
});

/** Turns the package's errors into the CLI's, naming the flag: bad input exits 2, failures exit 1. */
function toCliError(error: unknown): unknown {
  if (!isLoopDashboardError(error)) return error;
  switch (error.code) {
    case 'LOOP_DASHBOARD_RUN_DIR_MISSING':
      return new LoopCliError('LOOP_CLI_INPUT', `loop dashboard: --run-dir: ${error.message}`, {
        cause: error,
      });
    case 'LOOP_DASHBOARD_WRITE_FAILED': {
      // The package writes a temp file beside --out and renames it; the user named --out, so say that.
      const path = String(error.context.path ?? '');
      const detail = error.cause === undefined ? error.message : errnoText(error.cause);
      return new LoopCliError(
        'LOOP_CLI_RUNTIME',
        `loop dashboard: --out: cannot write "${path}" (${detail})`,
        {
          cause: error,
        },
      );
    }
    case 'LOOP_DASHBOARD_SERVE_FAILED': {
      // A host that does not resolve or is not this machine's is bad input (exit 2); a busy port is not.
      const errno = (error.cause as NodeJS.ErrnoException | undefined)?.code ?? '';
      if (BAD_HOST_ERRNOS.has(errno)) return usageError(`loop dashboard: --host: ${error.message}`, error);
      return new LoopCliError('LOOP_CLI_RUNTIME', `loop dashboard: --port/--host: ${error.message}`, {
        cause: error,
      });
    }
    default:
      return new LoopCliError('LOOP_CLI_RUNTIME', `loop dashboard: ${error.message}`, { cause: error });
  }
}

/** Creates the folder of `--out` (as `loop supervise --child-log` does); a failure names that folder. */
function makeOutFolder(out: string): void {
  const folder = dirname(out);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code ?? '';
    const why = errno === 'EEXIST' || errno === 'ENOTDIR' ? 'a file is in the way' : errnoText(error);
    const message = `loop dashboard: --out: cannot create the folder "${folder}" (${why})`;
    if (BAD_PATH_ERRNOS.has(errno)) throw usageError(message, error);
    throw new LoopCliError('LOOP_CLI_RUNTIME', message, { cause: error });
  }
}

/** "EACCES: permission denied" without the path node appends (which may be our temp file, not the user's). */
function errnoText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, \w+ '.*$/s, '');
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

async function renderToFile(runDir: string, out: string, tailLines: number, io: CommandIo): Promise<number> {
  const model = await buildModel(runDir, { tailLines });
  makeOutFolder(out);
  await writeDashboardFile(out, renderDashboard(model));
  const q = model.quality;
  const facts = [
    `${q.eventsRead} events from ${q.fileTotals.count} file${q.fileTotals.count === 1 ? '' : 's'}`,
    ...(q.skippedLines > 0 ? [`${q.skippedLines} skipped line${q.skippedLines === 1 ? '' : 's'}`] : []),
    ...(model.summarySource === 'recomputed' && !model.empty ? ['summary recomputed'] : []),
    ...(model.empty ? ['no metrics yet'] : []),
  ];
  io.stdout.write(`loop dashboard: ${facts.join(', ')}\n`);
  io.stdout.write(`dashboard: ${out}\n`);
  return 0;
}

/** Serves until SIGINT or SIGTERM, then closes every stream and the server. */
async function serve(
  runDir: string,
  options: { host: string; port: number; tailLines: number; allowHosts: readonly string[] },
  io: CommandIo,
): Promise<number> {
  const server: DashboardServer = await startDashboardServer({ runDir, ...options });
  io.stdout.write(`loop dashboard: serving ${runDir} live at ${server.url} (Ctrl-C to stop)\n`);
  const signal = await new Promise<NodeJS.Signals>((done) => {
    const onSignal = (name: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      done(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await server.close();
  io.stdout.write(`loop dashboard: ${signal}: stopped\n`);
  return 0;
}

async function dashboard(argv: string[], io: CommandIo): Promise<number> {
  if (wantsCompare(argv) && !argv.includes('--help') && !argv.includes('-h'))
    return dashboardCompare(argv, io);
  const parsed = parseFlags('dashboard', argv, specs, schema);
  if (parsed.help) {
    io.stdout.write(formatHelp(USAGE, SUMMARY, specs));
    return 0;
  }
  const flags = parsed.values;
  const runDir = absolute(flags['run-dir']);
  const tailLines = flags['tail-lines'] ?? DEFAULT_TAIL_LINES;
  if (flags.serve) {
    if (flags.out !== undefined) throw usageError('loop dashboard: --out: not used with --serve');
  } else {
    if (flags.port !== undefined) throw usageError('loop dashboard: --port: only used with --serve');
    if (flags.host !== undefined) throw usageError('loop dashboard: --host: only used with --serve');
    if (flags['allow-host'] !== undefined) {
      throw usageError('loop dashboard: --allow-host: only used with --serve');
    }
  }
  try {
    if (flags.serve) {
      return await serve(
        runDir,
        {
          host: flags.host ?? '127.0.0.1',
          port: flags.port ?? DEFAULT_PORT,
          tailLines,
          allowHosts: flags['allow-host'] ?? [],
        },
        io,
      );
    }
    const out = flags.out === undefined ? join(runDir, DASHBOARD_FILE) : absolute(flags.out);
    return await renderToFile(runDir, out, tailLines, io);
  } catch (error) {
    throw toCliError(error);
  }
}

/** `loop dashboard`. */
export const dashboardCommand: Command = {
  name: 'dashboard',
  run: dashboard,
};
