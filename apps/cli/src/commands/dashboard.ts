// `loop dashboard`: renders a run dir's metrics to one self-contained HTML file, or serves it live (SSE); over
// a fleet (`--runs-root`, several `--run-dir`), writes a folder with the fleet page and one page per run dir.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  buildModel,
  type DashboardServer,
  FLEET_INDEX_FILE,
  type FleetServer,
  isLoopDashboardError,
  renderDashboard,
  startDashboardServer,
  startFleetServer,
  writeDashboardFile,
  writeFleetDashboard,
} from '@loop/dashboard';
import { DASHBOARD_FILE, looksLikeRunDir } from '@loop/run-dir';
import { z } from 'zod';
import type { Command, CommandIo } from '../command.js';
import { BAD_HOST_ERRNOS, BAD_PATH_ERRNOS, LoopCliError, usageError } from '../errors.js';
import { type FlagSpecs, formatHelp, intFlag, parseFlags, stringFlag } from '../flags.js';
import { runDirsOf } from '../run-dir-list.js';
import { dashboardCompare, wantsCompare } from './dashboard-compare.js';

const USAGE =
  'Usage: loop dashboard --run-dir <DIR> [--out <FILE>] [--tail-lines N]\n' +
  '       loop dashboard --run-dir <DIR> --serve [--port N] [--host ADDR] [--tail-lines N]\n' +
  '       loop dashboard --runs-root <DIR> [--run-dir <DIR> ...] [--out <FOLDER>]   (a fleet page)\n' +
  '       loop dashboard --run-dir <DIR> --run-dir <DIR> ... --out <FOLDER>       (a fleet page)\n' +
  '       loop dashboard --runs-root <DIR> | --run-dir <DIR> --run-dir <DIR> ... --serve [--port N] [--host ADDR]\n' +
  '       loop dashboard --compare <A> <B> --out <FILE> [--max-steps N]   (two runs side by side)';
const SUMMARY =
  'Renders the run dir (rotated metrics.ndjson files, metrics_summary.json, run.json) as one self-contained\n' +
  'HTML page that works offline, or serves it live: the page updates itself while the loop writes.\n' +
  'Over several run dirs (--runs-root, or --run-dir more than once) it writes a folder: index.html, the fleet\n' +
  'page (a row per run dir, unhealthy first: status, heartbeat age, restarts, equity and PnL, errors and\n' +
  'rejections in the last hour, worst stage p99; the numbers of `loop status`), and <name>.html, each run\n' +
  "dir's own page, linked from its row (each run's page links back to the fleet page). With --serve the\n" +
  'fleet page is live: rows update in place, a run dir that appears under --runs-root gets a row and one that\n' +
  "is removed loses it, and each row links to that run's own live page on the same server (/run/<name>/).";
const FLEET_FOLDER = 'fleet';
const DEFAULT_TAIL_LINES = 50;
const DEFAULT_PORT = 8787;

const specs: FlagSpecs = {
  'run-dir': {
    type: 'string',
    multiple: true,
    valueName: 'DIR',
    description: 'the run dir to read (repeat for a fleet page of several)',
  },
  'runs-root': {
    type: 'string',
    valueName: 'DIR',
    description: 'a fleet page of every run dir directly under DIR (as `loop status --runs-root`)',
  },
  out: {
    type: 'string',
    valueName: 'FILE',
    description:
      'where to write the page (its folder is created; written to a temp file, then renamed); for a fleet, a folder',
    defaultText: `<run-dir>/${DASHBOARD_FILE}; a fleet: <runs-root>/${FLEET_FOLDER}/, required with several --run-dir`,
  },
  'tail-lines': {
    type: 'string',
    valueName: 'N',
    description: 'recent events to list',
    defaultText: String(DEFAULT_TAIL_LINES),
  },
  serve: {
    type: 'boolean',
    description:
      'serve the page live over HTTP instead of writing a file (a fleet: the fleet page and each run page); Ctrl-C stops',
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
  'run-dir': z.array(stringFlag()).optional(),
  'runs-root': stringFlag().optional(),
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
    ...(q.skippedFiles.length > 0
      ? [
          `${q.skippedFiles.length} skipped (not regular files): ${q.skippedFiles.map((f) => f.name).join(', ')}`,
        ]
      : []),
    ...(model.summarySource === 'recomputed' && !model.empty ? ['summary recomputed'] : []),
    ...(model.empty ? ['no metrics yet'] : []),
  ];
  io.stdout.write(`loop dashboard: ${facts.join(', ')}\n`);
  io.stdout.write(`dashboard: ${out}\n`);
  return 0;
}

interface ServeOptions {
  host: string;
  port: number;
  tailLines: number;
  allowHosts: readonly string[];
}

/** Serves until SIGINT or SIGTERM, then closes every stream and the server. */
async function serve(runDir: string, options: ServeOptions, io: CommandIo): Promise<number> {
  const server: DashboardServer = await startDashboardServer({ runDir, ...options });
  io.stdout.write(`loop dashboard: serving ${runDir} live at ${server.url} (Ctrl-C to stop)\n`);
  return untilStopped(server, io);
}

/** `--serve` over a fleet: the live fleet page and each run's live page, until SIGINT or SIGTERM. */
async function serveFleet(
  given: readonly string[],
  runsRoot: string | undefined,
  options: ServeOptions,
  io: CommandIo,
): Promise<number> {
  // A live runs root may start empty: run dirs that appear later get their rows.
  const runDirs = await runDirsOf('dashboard', given, undefined);
  let root: string | undefined;
  if (runsRoot !== undefined) {
    root = absolute(runsRoot);
    if (!isDirectoryPath(root)) throw usageError(`loop dashboard: --runs-root: "${root}" is not a directory`);
  }
  let server: FleetServer;
  try {
    server = await startFleetServer({
      runDirs,
      ...(root === undefined ? {} : { runsRoot: root }),
      ...options,
    });
  } catch (error) {
    throw toCliError(error);
  }
  const n = server.model().runs.length;
  io.stdout.write(
    `loop dashboard: serving the fleet of ${n} run dir${n === 1 ? '' : 's'}${root === undefined ? '' : ` under ${root}`} live at ${server.url} (Ctrl-C to stop)\n`,
  );
  return untilStopped(server, io);
}

async function untilStopped(server: { close(): Promise<void> }, io: CommandIo): Promise<number> {
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
  const given = flags['run-dir'] ?? [];
  if (given.length === 0 && flags['runs-root'] === undefined)
    throw usageError('loop dashboard: --run-dir: is required (or --runs-root DIR for a fleet page)');
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
  const serveOptions = {
    host: flags.host ?? '127.0.0.1',
    port: flags.port ?? DEFAULT_PORT,
    tailLines,
    allowHosts: flags['allow-host'] ?? [],
  };
  if (given.length > 1 || flags['runs-root'] !== undefined) {
    if (flags.serve) return serveFleet(given, flags['runs-root'], serveOptions, io);
    return fleet(given, flags['runs-root'], { out: flags.out, tailLines }, io);
  }
  const runDir = absolute(given[0]!);
  try {
    if (flags.serve) return await serve(runDir, serveOptions, io);
    const out = flags.out === undefined ? join(runDir, DASHBOARD_FILE) : absolute(flags.out);
    return await renderToFile(runDir, out, tailLines, io);
  } catch (error) {
    throw toCliError(error);
  }
}

function isDirectoryPath(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The fleet folder of `--out`, or `<runs-root>/fleet`; exit 2 when it is a file or a run dir. */
function fleetOut(out: string | undefined, runsRoot: string | undefined): string {
  if (out === undefined && runsRoot === undefined)
    throw usageError('loop dashboard: --out: a folder is required with several --run-dir');
  const folder = out === undefined ? join(absolute(runsRoot!), FLEET_FOLDER) : absolute(out);
  if (out !== undefined && /\.html?$/i.test(out) && !isDirectoryPath(folder))
    throw usageError(
      `loop dashboard: --out: a fleet page is written to a folder (index.html and a page per run dir), not "${out}"`,
    );
  let entries: string[] = [];
  try {
    const info = statSync(folder);
    if (!info.isDirectory())
      throw usageError(`loop dashboard: --out: "${folder}" is a file; a fleet page is written to a folder`);
    entries = readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Never write pages into a run dir (or over the fleet's own files there).
  if (looksLikeRunDir(entries))
    throw usageError(`loop dashboard: --out: "${folder}" is a run dir; give another folder with --out`);
  return folder;
}

/** `--runs-root` or several `--run-dir`: the fleet folder (index.html and a page per run dir). */
async function fleet(
  given: readonly string[],
  runsRoot: string | undefined,
  options: { out: string | undefined; tailLines: number },
  io: CommandIo,
): Promise<number> {
  const runDirs = await runDirsOf('dashboard', given, runsRoot);
  const out = fleetOut(options.out, runsRoot);
  makeOutFolder(join(out, FLEET_INDEX_FILE));
  try {
    const written = await writeFleetDashboard(out, runDirs, { tailLines: options.tailLines });
    const unhealthy = written.model.runs.filter((r) => !r.health.healthy).length;
    const missing = written.pages.filter((p) => p.page === null).length;
    io.stdout.write(
      `loop dashboard: fleet of ${runDirs.length} run dir${runDirs.length === 1 ? '' : 's'}, ${unhealthy} unhealthy` +
        `${missing > 0 ? `, ${missing} without a page (see their rows)` : ''}\n`,
    );
    io.stdout.write(`dashboard: ${written.index}\n`);
    return 0;
  } catch (error) {
    throw toCliError(error);
  }
}

/** `loop dashboard`. */
export const dashboardCommand: Command = {
  name: 'dashboard',
  run: dashboard,
};
