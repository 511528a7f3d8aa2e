// `loop supervise [flags] -- <command...>`: keeps a command running (restarts, backoff, watchdog) via @loop/supervisor.
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMetricsError } from '@loop/metrics';
import type { MetricsServer } from '@loop/metrics/prometheus';
import { HEARTBEAT_FILE } from '@loop/run-dir';
import {
  attachDeadMansSwitch,
  attachNotifier,
  formatLogLine,
  isSupervisorError,
  logRecordOf,
  parseExitStatusList,
  RESTART_POLICIES,
  renderSystemdUnit,
  resolveCommand,
  resolveSupervisorOptions,
  SUPERVISOR_DEFAULTS,
  Supervisor,
  type SupervisorEventType,
  type SupervisorOptions,
  supervisorExitStatus,
} from '@loop/supervisor';
import { z } from 'zod';
import type { Command, CommandIo } from '../command.js';
import { BAD_HOST_ERRNOS, BAD_PATH_ERRNOS, LoopCliError, usageError } from '../errors.js';
import {
  botNameFlag,
  enumFlag,
  type FlagSpecs,
  formatHelp,
  intFlag,
  numberFlag,
  parseFlags,
  stringFlag,
} from '../flags.js';
import { startSupervisorMetrics } from '../supervise-metrics.js';

/** How much longer than --notify-timeout-s the exit drain waits, so a request ends by its own timeout. */
const NOTIFY_DRAIN_MARGIN_MS = 2000;
const USAGE = 'Usage: loop supervise --run-dir <DIR> [flags] -- <command> [args...]';
const SUMMARY =
  'Runs <command> and keeps it running: restarts it with exponential backoff, stops its whole process group\n' +
  'on SIGINT/SIGTERM/SIGHUP, restarts it when its heartbeat goes stale, and records supervisor_state.json and\n' +
  'supervisor.log in the run dir. Exits with the last run of the command: its code, or 128 + signal, or 124 when hung.\n' +
  'For `loop run`, pass --prevent-restart-exit-status 3: it exits 3 when its kill switch halts trading, and a\n' +
  'restart must not undo that.';

const specs: FlagSpecs = {
  'run-dir': {
    type: 'string',
    valueName: 'DIR',
    description: 'where supervisor_state.json, supervisor.log and the lock go',
  },
  'max-restarts': {
    type: 'string',
    valueName: 'N',
    description: 'restarts in a row without a stable run before giving up (state gave_up)',
    defaultText: String(SUPERVISOR_DEFAULTS.maxRestarts),
  },
  'backoff-base-s': {
    type: 'string',
    valueName: 'S',
    description: 'delay before restart n is min(cap, base * 2^n); 0 restarts at once',
    defaultText: String(SUPERVISOR_DEFAULTS.backoffBaseS),
  },
  'backoff-cap-s': {
    type: 'string',
    valueName: 'S',
    description: 'largest delay, not below the base',
    defaultText: `${SUPERVISOR_DEFAULTS.backoffCapS} or the base if larger`,
  },
  restart: {
    type: 'string',
    valueName: RESTART_POLICIES.join('|'),
    description: 'on-failure: a clean exit (0) ends supervision; always: restart after any exit; never',
    defaultText: SUPERVISOR_DEFAULTS.restart,
  },
  'prevent-restart-exit-status': {
    type: 'string',
    valueName: 'CODES',
    description:
      'exit codes (0-255, comma-separated) after which the command is never restarted, whatever --restart says; supervision stops with that code (`loop run`: 3)',
    defaultText: 'none',
  },
  'reset-after-s': {
    type: 'string',
    valueName: 'S',
    description: 'a run at least this long is stable: the next restart is attempt 0 again',
    defaultText: String(SUPERVISOR_DEFAULTS.resetAfterS),
  },
  'kill-timeout-s': {
    type: 'string',
    valueName: 'S',
    description: "seconds from the stop signal to SIGKILL of the command's process group",
    defaultText: String(SUPERVISOR_DEFAULTS.killTimeoutS),
  },
  'heartbeat-timeout-s': {
    type: 'string',
    valueName: 'S',
    description: 'a heartbeat file older than this means the command hung: stop it and restart it',
  },
  'heartbeat-file': {
    type: 'string',
    valueName: 'FILE',
    description: 'the file the command touches while healthy (`loop run` touches <run-dir>/heartbeat)',
    defaultText: `<run-dir>/${HEARTBEAT_FILE}`,
  },
  'child-log': {
    type: 'string',
    valueName: 'FILE',
    description: "also append the command's stdout and stderr to FILE",
  },
  jitter: { type: 'boolean', description: 'full jitter: each delay is drawn uniformly from [0, delay)' },
  'jitter-seed': {
    type: 'string',
    valueName: 'N',
    description: 'seed of the jitter, for reproducible delays',
  },
  'metrics-port': {
    type: 'string',
    valueName: 'N',
    description:
      "serve the supervisor's Prometheus metrics (child up, restarts, last exit, heartbeat age, backoff, gave up) at http://<metrics-host>:N/metrics (0 = any free port)",
    defaultText: 'off',
  },
  'metrics-host': {
    type: 'string',
    valueName: 'HOST',
    description: 'address the /metrics server binds to',
    defaultText: '127.0.0.1',
  },
  'metrics-linger-s': {
    type: 'string',
    valueName: 'S',
    description:
      'after supervision ends by itself (gave up, exit status in --prevent-restart-exit-status, clean exit), keep serving the final /metrics for S seconds so Prometheus sees the end (a signal ends it at once)',
    defaultText: '30',
  },
  'bot-name': {
    type: 'string',
    valueName: 'NAME',
    description: 'the `bot` label on every /metrics series (use the same as the child `loop run --bot-name`)',
    defaultText: "the run dir's name",
  },
  'notify-cmd': {
    type: 'string',
    valueName: 'CMD',
    description:
      'run `sh -c CMD` on trouble (restart, restart storm, gave up, watchdog kill, kill-switch exit, started after a crash, recovered) with the notification JSON on stdin and LOOP_EVENT, LOOP_BOT, LOOP_SUMMARY, LOOP_COUNT... set',
  },
  'notify-url': {
    type: 'string',
    valueName: 'URL',
    description: 'POST the same notification JSON to URL (http or https)',
  },
  'notify-timeout-s': {
    type: 'string',
    valueName: 'S',
    description: 'abandon a notification (kill the command, abort the request) after S seconds',
    defaultText: '10',
  },
  'notify-min-interval-s': {
    type: 'string',
    valueName: 'S',
    description: 'at most one message of a kind per S seconds; the rest are counted into the next one',
    defaultText: '60',
  },
  'notify-storm-restarts': {
    type: 'string',
    valueName: 'N',
    description: 'N restarts within --notify-storm-window-s are a restart storm: one message with a count',
    defaultText: '5',
  },
  'notify-storm-window-s': {
    type: 'string',
    valueName: 'S',
    description: 'the window of --notify-storm-restarts',
    defaultText: '300',
  },
  'ping-url': {
    type: 'string',
    valueName: 'URL',
    description:
      "dead-man's switch: GET URL every --ping-interval-s while the command is up and its heartbeat fresh; GET URL/fail when supervision gives up or the kill switch stops it",
  },
  'ping-interval-s': {
    type: 'string',
    valueName: 'S',
    description: 'seconds between pings',
    defaultText: '60',
  },
  quiet: {
    type: 'boolean',
    description:
      'do not print lifecycle events on stderr (child started, exited, restart in N ms, gave up, watchdog kill); supervisor.log still has them',
  },
  'print-systemd-unit': {
    type: 'boolean',
    description:
      'print a systemd unit that runs the same supervision, and exit (nothing is started or written)',
  },
};

const schema = z.object({
  'run-dir': stringFlag(),
  'max-restarts': intFlag({ min: 0 }).optional(),
  'backoff-base-s': numberFlag({ min: 0 }).optional(),
  'backoff-cap-s': numberFlag({ min: 0 }).optional(),
  restart: enumFlag(['on-failure', 'always', 'never']).optional(),
  'prevent-restart-exit-status': z.string().optional(),
  'reset-after-s': numberFlag({ min: 0 }).optional(),
  'kill-timeout-s': numberFlag({ min: 0, exclusiveMin: true }).optional(),
  'heartbeat-timeout-s': numberFlag({ min: 0, exclusiveMin: true }).optional(),
  'heartbeat-file': stringFlag().optional(),
  'child-log': stringFlag().optional(),
  jitter: z.boolean().optional(),
  'jitter-seed': intFlag({ min: 0, max: 2 ** 32 - 1 }).optional(),
  'metrics-port': intFlag({ min: 0, max: 65535 }).optional(),
  'metrics-host': stringFlag().optional(),
  'metrics-linger-s': numberFlag({ min: 0, max: 3600 }).optional(),
  'bot-name': botNameFlag().optional(),
  'notify-cmd': stringFlag().optional(),
  'notify-url': urlFlag().optional(),
  'notify-timeout-s': numberFlag({ min: 0, exclusiveMin: true, max: 600 }).optional(),
  'notify-min-interval-s': numberFlag({ min: 0, max: 86_400 }).optional(),
  'notify-storm-restarts': intFlag({ min: 1, max: 1_000_000 }).optional(),
  'notify-storm-window-s': numberFlag({ min: 0, exclusiveMin: true, max: 86_400 }).optional(),
  'ping-url': urlFlag().optional(),
  'ping-interval-s': numberFlag({ min: 0, exclusiveMin: true, max: 86_400 }).optional(),
  quiet: z.boolean().optional(),
  'print-systemd-unit': z.boolean().optional(),
});

/** The flag each supervisor option comes from, to name it in error messages. */
const flagOfOption: Record<string, string> = {
  command: 'command (after --)',
  runDir: '--run-dir',
  restart: '--restart',
  preventRestartExitStatus: '--prevent-restart-exit-status',
  maxRestarts: '--max-restarts',
  backoffBaseS: '--backoff-base-s',
  backoffCapS: '--backoff-cap-s',
  resetAfterS: '--reset-after-s',
  killTimeoutS: '--kill-timeout-s',
  heartbeatFile: '--heartbeat-file',
  heartbeatTimeoutS: '--heartbeat-timeout-s',
  childLog: '--child-log',
  jitterSeed: '--jitter-seed',
  workingDirectory: '--print-systemd-unit: the current directory',
};

/** Turns the package's errors into the CLI's: bad input exits 2, a locked or unwritable run dir exits 1. */
function toCliError(error: unknown): unknown {
  if (!isSupervisorError(error)) return error;
  if (error.code === 'LOOP_SUPERVISOR_OPTION_INVALID') {
    const option = String(error.context.option);
    return usageError(
      `loop supervise: ${flagOfOption[option] ?? option}: ${String(error.context.reason)}`,
      error,
    );
  }
  if (error.code === 'LOOP_SUPERVISOR_COMMAND_NOT_FOUND')
    return usageError(`loop supervise: ${error.message}`, error);
  if (error.code === 'LOOP_SUPERVISOR_RUN_DIR_FAILED' && typeof error.context.option === 'string') {
    const message = `loop supervise: ${flagOfOption[error.context.option] ?? error.context.option}: ${error.message}`;
    // A path that cannot be a directory or a file (through a file, a directory in its place, under /proc) is
    // bad input; permissions and full disks are the machine's.
    if (BAD_PATH_ERRNOS.has(String(error.context.errno))) return usageError(message, error);
    return new LoopCliError('LOOP_CLI_RUNTIME', message, { cause: error });
  }
  return new LoopCliError('LOOP_CLI_RUNTIME', `loop supervise: ${error.message}`, { cause: error });
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

async function supervise(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseFlags('supervise', argv, specs, schema, { rest: true });
  if (parsed.help) {
    io.stdout.write(formatHelp(USAGE, SUMMARY, specs));
    return 0;
  }
  const flags = parsed.values;
  if (parsed.rest.length === 0) {
    throw usageError(
      'loop supervise: no command to supervise: give it after `--`, e.g. `-- loop run --run-dir DIR --clock real`',
    );
  }
  if (flags['heartbeat-file'] !== undefined && flags['heartbeat-timeout-s'] === undefined) {
    throw usageError('loop supervise: --heartbeat-file: needs --heartbeat-timeout-s too');
  }
  for (const flag of ['metrics-host', 'metrics-linger-s'] as const) {
    if (flags[flag] !== undefined && flags['metrics-port'] === undefined) {
      throw usageError(`loop supervise: --${flag} needs --metrics-port`);
    }
  }
  const notifying = flags['notify-cmd'] !== undefined || flags['notify-url'] !== undefined;
  if (flags['bot-name'] !== undefined && flags['metrics-port'] === undefined && !notifying) {
    throw usageError('loop supervise: --bot-name needs --metrics-port, --notify-cmd or --notify-url');
  }
  for (const flag of [
    'notify-timeout-s',
    'notify-min-interval-s',
    'notify-storm-restarts',
    'notify-storm-window-s',
  ] as const) {
    if (flags[flag] !== undefined && !notifying) {
      throw usageError(`loop supervise: --${flag} needs --notify-cmd or --notify-url`);
    }
  }
  if (flags['ping-interval-s'] !== undefined && flags['ping-url'] === undefined) {
    throw usageError('loop supervise: --ping-interval-s needs --ping-url');
  }
  if (flags['notify-cmd'] !== undefined) {
    const word = firstCommandWord(flags['notify-cmd']);
    try {
      if (word === undefined) throw new Error('no command in it');
      resolveCommand(word);
    } catch (error) {
      throw usageError(`loop supervise: --notify-cmd: ${(error as Error).message}`, error);
    }
  }
  let preventRestartExitStatus: number[] | undefined;
  try {
    const codes = flags['prevent-restart-exit-status'];
    preventRestartExitStatus = codes === undefined ? undefined : parseExitStatusList(codes);
  } catch (error) {
    throw toCliError(error);
  }
  const options: SupervisorOptions = {
    command: parsed.rest,
    runDir: absolute(flags['run-dir']),
    restart: flags.restart,
    preventRestartExitStatus,
    maxRestarts: flags['max-restarts'],
    backoffBaseS: flags['backoff-base-s'],
    backoffCapS: flags['backoff-cap-s'],
    resetAfterS: flags['reset-after-s'],
    killTimeoutS: flags['kill-timeout-s'],
    heartbeatTimeoutS: flags['heartbeat-timeout-s'],
    // `loop run` touches <run-dir>/heartbeat: name it here (from @loop/run-dir) rather than rely on the
    // supervisor's own default, which stands for bot authors who use @loop/supervisor on its own.
    heartbeatFile:
      flags['heartbeat-file'] !== undefined
        ? absolute(flags['heartbeat-file'])
        : flags['heartbeat-timeout-s'] !== undefined
          ? join(absolute(flags['run-dir']), HEARTBEAT_FILE)
          : undefined,
    childLog: flags['child-log'] === undefined ? undefined : absolute(flags['child-log']),
    jitter: flags.jitter ?? false,
    jitterSeed: flags['jitter-seed'],
    stdout: io.stdout,
    stderr: io.stderr,
  };
  if (flags['print-systemd-unit']) {
    try {
      const resolved = resolveSupervisorOptions(options);
      const executable = resolveCommand(resolved.command[0]!);
      const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
      io.stdout.write(
        renderSystemdUnit({
          options: { ...resolved, command: [executable, ...resolved.command.slice(1)] },
          supervisorCommand: [process.execPath, bin, 'supervise', ...passThroughFlags(flags)],
          workingDirectory: process.cwd(),
          environment: process.env.PATH === undefined ? {} : { PATH: process.env.PATH },
        }),
      );
      return 0;
    } catch (error) {
      throw toCliError(error);
    }
  }
  let supervisor: Supervisor;
  try {
    supervisor = new Supervisor(options);
  } catch (error) {
    throw toCliError(error);
  }
  const botName = flags['bot-name'] ?? basename(options.runDir);
  const notifier = notifying
    ? attachNotifier(supervisor, {
        command: flags['notify-cmd'],
        url: flags['notify-url'],
        bot: botName,
        timeoutMs: (flags['notify-timeout-s'] ?? 10) * 1000,
        policy: {
          minIntervalMs:
            flags['notify-min-interval-s'] === undefined ? undefined : flags['notify-min-interval-s'] * 1000,
          stormRestarts: flags['notify-storm-restarts'],
          stormWindowMs:
            flags['notify-storm-window-s'] === undefined ? undefined : flags['notify-storm-window-s'] * 1000,
        },
      })
    : undefined;
  const pinger =
    flags['ping-url'] === undefined
      ? undefined
      : attachDeadMansSwitch(supervisor, {
          url: flags['ping-url'],
          intervalMs: (flags['ping-interval-s'] ?? 60) * 1000,
        });
  const closeSideChannels = async (ended: boolean) => {
    // Messages about the end (gave up, kill switch) go out before we exit, bounded by their timeout plus a
    // margin, so a request already under way ends by its own timeout (logged as such) rather than racing
    // the drain; a requested stop waits at most 2 s. What is cut short is logged as "abandoned at exit".
    const drainMs = ended ? (flags['notify-timeout-s'] ?? 10) * 1000 + NOTIFY_DRAIN_MARGIN_MS : 2000;
    await Promise.all([notifier?.close(drainMs), pinger?.close()]);
  };
  if (flags.quiet !== true) {
    // Each lifecycle event as one line on stderr, the very line supervisor.log gets.
    supervisor.on((event) => {
      if (STDERR_EVENTS.has(event.type)) io.stderr.write(formatLogLine(logRecordOf(event)));
    });
  }
  // The endpoint before anything starts: a port or host that cannot be used leaves no run dir behind.
  let server: MetricsServer | undefined;
  if (flags['metrics-port'] !== undefined) {
    try {
      server = await startSupervisorMetrics(
        {
          stats: () => supervisor.stats(),
          extraCounters: () => ({
            loop_supervisor_notifications_sent_total: {
              help: 'Notifications delivered (per channel).',
              value: notifier?.counts.sent ?? 0,
            },
            loop_supervisor_notification_failures_total: {
              help: 'Notifications that failed or timed out (logged in supervisor.log).',
              value: notifier?.counts.failed ?? 0,
            },
            loop_supervisor_notifications_dropped_total: {
              help: 'Notifications dropped because the queue was full.',
              value: notifier?.counts.dropped ?? 0,
            },
            loop_supervisor_pings_total: {
              help: "Dead-man's switch pings delivered.",
              value: pinger?.counts.pings ?? 0,
            },
            loop_supervisor_ping_failures_total: {
              help: "Dead-man's switch pings that failed or timed out.",
              value: pinger?.counts.failed ?? 0,
            },
            loop_supervisor_pings_skipped_total: {
              help: "Dead-man's switch intervals with no ping: the command was down or its heartbeat stale.",
              value: pinger?.counts.skipped ?? 0,
            },
          }),
        },
        {
          port: flags['metrics-port'],
          host: flags['metrics-host'],
          botName,
          info: { run_dir: options.runDir, command: supervisor.options.command.join(' ') },
        },
      );
    } catch (error) {
      await closeSideChannels(false);
      throw metricsServerError(error);
    }
    io.stderr.write(`loop supervise: serving Prometheus metrics at ${server.url}\n`);
  }
  try {
    const outcome = await supervisor.run().catch(async (error: unknown) => {
      await server?.close();
      await closeSideChannels(false);
      throw error;
    });
    await closeSideChannels(outcome.stopReason !== 'signal');
    if (outcome.status === 'gave_up') {
      io.stderr.write(
        `loop supervise: gave up after ${outcome.restarts} restarts; last exit status ${outcome.exitCode}\n`,
      );
    }
    if (outcome.stopReason === 'restart-prevented') {
      io.stderr.write(
        `loop supervise: not restarting: exit status ${outcome.exitCode} is in --prevent-restart-exit-status\n`,
      );
    }
    if (server !== undefined) {
      // Ended by itself: the last state (gave up, the exit code) must reach a scrape before the endpoint goes.
      if (outcome.stopReason !== 'signal') await linger(flags['metrics-linger-s'] ?? 30, io);
      await server.close();
    }
    // A stop that was asked for (SIGINT, SIGTERM, SIGHUP) and went as asked is a success, whatever the child
    // answered the forwarded signal with; only a child that had to be SIGKILLed at the kill timeout says so.
    return supervisorExitStatus(outcome);
  } catch (error) {
    throw toCliError(error);
  }
}

/** The flags the supervisor keeps under systemd too (renderSystemdUnit writes the supervision's own). */
/** Events `loop supervise` prints on stderr: the child's lifecycle and what an operator must hear of. */
const STDERR_EVENTS: ReadonlySet<SupervisorEventType> = new Set<SupervisorEventType>([
  'orphan-stopping',
  'child-started',
  'child-exited',
  'spawn-failed',
  'restart-scheduled',
  'watchdog-kill',
  'group-killed',
  'group-leftover',
  'gave-up',
  'restart-prevented',
  'state-write-failed',
]);

function passThroughFlags(flags: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const name of PASS_THROUGH_FLAGS) {
    const value = flags[name];
    if (value !== undefined) args.push(`--${name}`, String(value));
  }
  return args;
}

const PASS_THROUGH_FLAGS = [
  'metrics-port',
  'metrics-host',
  'metrics-linger-s',
  'bot-name',
  'notify-cmd',
  'notify-url',
  'notify-timeout-s',
  'notify-min-interval-s',
  'notify-storm-restarts',
  'notify-storm-window-s',
  'ping-url',
  'ping-interval-s',
] as const;

/** The program a `sh -c` command line runs first (after `VAR=value` words), to check it exists up front. */
function firstCommandWord(command: string): string | undefined {
  for (const word of command.trim().split(/\s+/)) {
    if (word === '' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(word) || word === 'exec') continue;
    return word.replace(/^['"]|['"]$/g, '');
  }
  return undefined;
}

/** An http(s) URL flag. */
function urlFlag() {
  return z.string().refine(
    (text) => {
      try {
        const url = new URL(text);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
      } catch {
        return false;
      }
    },
    { message: 'expected an http:// or https:// URL' },
  );
}

/** A port in use is the machine's (exit 1); a host that does not resolve or exist is bad input (exit 2). */
function metricsServerError(error: unknown): LoopCliError {
  const message = `loop supervise: --metrics-port: ${(error as Error).message}`;
  const cause = (error as { cause?: { code?: string } }).cause;
  if (isMetricsError(error) && BAD_HOST_ERRNOS.has(cause?.code ?? '')) {
    return usageError(`loop supervise: --metrics-host: ${(error as Error).message}`, error);
  }
  return new LoopCliError('LOOP_CLI_RUNTIME', message, { cause: error });
}

/** Waits `seconds`, or until SIGINT/SIGTERM/SIGHUP. */
async function linger(seconds: number, io: CommandIo): Promise<void> {
  if (seconds <= 0) return;
  io.stderr.write(`loop supervise: serving the final /metrics for ${seconds} s (a signal ends it now)\n`);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const signal of signals) process.off(signal, done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    for (const signal of signals) process.on(signal, done);
  });
}

/** `loop supervise`. */
export const superviseCommand: Command = {
  name: 'supervise',
  run: supervise,
};
