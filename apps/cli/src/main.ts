// Dispatches `loop <command> ...` to its command and turns errors into one line and an exit status.
import type { Command, CommandIo } from './command.js';
import { isLoopCliError } from './errors.js';
import { runUsesWriterThread } from './run-flush-mode.js';
import { didYouMean } from './suggest.js';
import { cliVersion } from './version.js';

/** A subcommand as `loop --help` lists it; its module is loaded only when it runs. */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/**
 * Every subcommand of `loop`, in the order `--help` lists them. Loaded lazily so that, say, a 24/7
 * `loop supervise` does not carry the engine, metrics and dashboard in its memory.
 */
export const commands: readonly CommandEntry[] = [
  {
    name: 'run',
    summary: 'run the trading loop (seeded simulated or real clock, synthetic or replayed feed)',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  {
    name: 'dashboard',
    summary: 'render a run dir as one self-contained HTML page, or serve it live',
    load: async () => (await import('./commands/dashboard.js')).dashboardCommand,
  },
  {
    name: 'check',
    summary: 'judge a run dir against thresholds (exec.p99_ms < 5, fills >= 1): exit 99 when one fails',
    load: async () => (await import('./commands/check.js')).checkCommand,
  },
  {
    name: 'compare',
    summary: 'compare two run dirs side by side, with the first step where their decisions diverge',
    load: async () => (await import('./commands/compare.js')).compareCommand,
  },
  {
    name: 'status',
    summary:
      'show the health of run dirs, one row each (status, pids, restarts, heartbeat age, counts, equity)',
    load: async () => (await import('./commands/status.js')).statusCommand,
  },
  {
    name: 'supervise',
    summary: 'keep a command running: restarts with backoff, signal forwarding, hang watchdog, state file',
    load: async () => (await import('./commands/supervise.js')).superviseCommand,
  },
];

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Usage: loop <command> [flags]',
    '',
    'Runs a trading loop, shows what it does, and keeps it running.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `loop <command> --help` for its flags. `loop --version` prints the version.',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit status. */
export async function main(
  argv: string[],
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a usage error: the usage goes where errors go, so a script that captures stderr sees it.
    io.stderr.write(topHelp());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    // `loop help run` and `loop --help run` are `loop run --help`.
    const topic = rest[0];
    if (topic === undefined) {
      io.stdout.write(topHelp());
      return 0;
    }
    if (!commands.some((c) => c.name === topic)) {
      io.stderr.write(
        `loop ${name}: unknown command "${topic}"${didYouMean(
          topic,
          commands.map((c) => c.name),
        )}\n`,
      );
      return 2;
    }
    name = topic;
    rest = ['--help'];
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${cliVersion}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(
      `loop: unknown command "${name}"${didYouMean(
        name,
        commands.map((c) => c.name),
      )} (expected one of ${commands.map((c) => c.name).join(', ')})\n`,
    );
    return 2;
  }
  try {
    // The metrics writer thread takes 50-100 ms to start: it starts now, while `run` loads its modules.
    if (command.name === 'run' && runUsesWriterThread(rest)) {
      (await import('@loop/metrics/writer-thread')).prestartWriterThread();
    }
    return await (await command.load()).run(rest, io);
  } catch (error) {
    if (isLoopCliError(error)) {
      io.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `loop ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
