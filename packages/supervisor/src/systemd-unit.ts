// The systemd unit that runs the same supervision under systemd (pure: options in, unit text out).
import { backoffDelayMs } from './backoff.js';
import { SupervisorError } from './errors.js';
import type { ResolvedSupervisorOptions } from './options.js';

/** What {@link renderSystemdUnit} needs besides the supervision options. */
export interface SystemdUnitInput {
  /** The validated supervision options (`command[0]` should be the resolved absolute path). */
  options: ResolvedSupervisorOptions;
  /** How to start the supervisor itself, e.g. `[process.execPath, '/abs/bin.js', 'supervise']`. */
  supervisorCommand: readonly string[];
  /** Working directory of the service (absolute). */
  workingDirectory: string;
  /** Environment variables to set (e.g. PATH, so the command resolves the same). */
  environment?: Readonly<Record<string, string>>;
  /** `Description=` of the unit. */
  description?: string;
}

/**
 * Quotes one ExecStart= argument: double quotes when needed, with `\` and `"` escaped; `%` (specifiers) and
 * `$` (variable expansion) are doubled so systemd passes them through literally.
 */
export function quoteSystemdArg(arg: string): string {
  return quoteUnitWord(arg.replaceAll('$', '$$$$'));
}

/** Double-quotes a word for a unit file when needed (`\`, `"` and newlines escaped), doubling `%`. */
function quoteUnitWord(word: string): string {
  const literal = word.replaceAll('%', '%%');
  if (literal.length > 0 && /^[A-Za-z0-9_@%+=:,./$-]+$/.test(literal)) return literal;
  return `"${literal.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

/**
 * Quotes one Environment= assignment (`KEY=value`): like {@link quoteSystemdArg} but `$` stays as it is,
 * because systemd does not expand variables there.
 */
export function quoteSystemdEnvironment(assignment: string): string {
  return quoteUnitWord(assignment);
}

/**
 * A path for WorkingDirectory=, which systemd takes verbatim (no quotes, no `$` expansion; specifiers only,
 * so `%` is doubled). A path systemd would read differently (a newline, or white space or `\` at the end,
 * which it strips or takes as a line continuation) is refused with `LOOP_SUPERVISOR_OPTION_INVALID`.
 */
export function systemdPath(path: string): string {
  if (!path.startsWith('/') || /[\n\r]|[\s\\]$/.test(path)) {
    const reason =
      `${JSON.stringify(path)} cannot be written in a unit file's WorkingDirectory= (it must be absolute, ` +
      'without a newline, and not end in white space or a backslash)';
    throw new SupervisorError('LOOP_SUPERVISOR_OPTION_INVALID', `workingDirectory: ${reason}`, {
      context: { option: 'workingDirectory', reason, path },
    });
  }
  return path.replaceAll('%', '%%');
}

/** Formats seconds for a unit file: whole numbers as is, else milliseconds (`250ms`). */
function seconds(value: number): string {
  return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}ms`;
}

/**
 * systemd's start-rate limit equivalent to "give up after `maxRestarts` restarts in a row without a stable
 * run": `maxRestarts + 1` starts within the time those restarts take at most (every backoff delay, plus each
 * run lasting just under `resetAfterS`).
 */
export function startLimitFor(
  options: Pick<ResolvedSupervisorOptions, 'maxRestarts' | 'backoffBaseS' | 'backoffCapS' | 'resetAfterS'>,
): {
  burst: number;
  intervalS: number;
} {
  let totalMs = 0;
  for (let n = 0; n < options.maxRestarts; n += 1) {
    totalMs += backoffDelayMs({ baseS: options.backoffBaseS, capS: options.backoffCapS }, n);
  }
  totalMs += (options.maxRestarts + 1) * options.resetAfterS * 1000;
  return { burst: options.maxRestarts + 1, intervalS: Math.max(1, Math.ceil(totalMs / 1000)) };
}

/**
 * A unit file that runs the same supervision under systemd. systemd does the restarting (Restart=,
 * RestartSec= and, on systemd >= 254, the exponential RestartSteps=/RestartMaxDelaySec=; StartLimitBurst= for
 * max-restarts) and, on stop, signals the supervisor which stops the child's group, then SIGKILLs the whole
 * control group at TimeoutStopSec= (KillMode=mixed). The
 * service itself is `loop supervise --restart never`, which keeps supervisor_state.json, supervisor.log, the
 * child log and the heartbeat watchdog: a hung child is stopped and the supervisor exits 124, which systemd
 * counts as a failure and restarts. The inner supervisor exits with the child's code, so
 * RestartPreventExitStatus= (the codes of `preventRestartExitStatus`) keeps a child that exited with one of them
 * down, as the supervisor itself would. WatchdogSec= is not used because the child does not speak sd_notify.
 */
export function renderSystemdUnit(input: SystemdUnitInput): string {
  const o = input.options;
  const inner = [...input.supervisorCommand, '--run-dir', o.runDir, '--restart', 'never'];
  inner.push('--kill-timeout-s', String(o.killTimeoutS));
  if (o.heartbeatTimeoutS !== undefined) {
    inner.push('--heartbeat-file', o.heartbeatFile!, '--heartbeat-timeout-s', String(o.heartbeatTimeoutS));
  }
  if (o.childLog !== undefined) inner.push('--child-log', o.childLog);
  const prevented = o.preventRestartExitStatus;
  // The inner supervisor does not restart anyway; the flag makes its state file and log say why it ended.
  if (prevented.length > 0) inner.push('--prevent-restart-exit-status', prevented.join(','));
  inner.push('--', ...o.command);
  const restart = o.maxRestarts === 0 || o.restart === 'never' ? 'no' : o.restart;
  const limit = startLimitFor(o);
  const lines = [
    `# Generated by \`loop supervise --print-systemd-unit\`. Install: copy to /etc/systemd/system/<name>.service,`,
    '# then `systemctl daemon-reload && systemctl enable --now <name>`.',
    `# Backoff: min(${o.backoffCapS}, ${o.backoffBaseS} * 2^n) s; systemd < 254 ignores RestartSteps= and`,
    `# RestartMaxDelaySec= and restarts every RestartSec=. systemd has no --reset-after-s (${o.resetAfterS} s):`,
    '# its start limit below counts starts within a window instead.',
    '[Unit]',
    // One line, no specifiers, and no trailing `\` (systemd would join the next line to it).
    `Description=${(input.description ?? `loop supervise: ${o.command.join(' ')}`)
      .replace(/[\r\n]+/g, ' ')
      .replace(/[\s\\]+$/, '')
      .replaceAll('%', '%%')}`,
    'After=network-online.target',
    'Wants=network-online.target',
    `StartLimitIntervalSec=${limit.intervalS}`,
    `StartLimitBurst=${limit.burst}`,
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${systemdPath(input.workingDirectory)}`,
  ];
  for (const [key, value] of Object.entries(input.environment ?? {})) {
    lines.push(`Environment=${quoteSystemdEnvironment(`${key}=${value}`)}`);
  }
  lines.push(`ExecStart=${inner.map(quoteSystemdArg).join(' ')}`, `Restart=${restart}`);
  if (prevented.length > 0) lines.push(`RestartPreventExitStatus=${prevented.join(' ')}`);
  lines.push(`RestartSec=${seconds(o.backoffBaseS)}`);
  if (o.backoffBaseS > 0 && o.backoffCapS > o.backoffBaseS) {
    lines.push(`RestartSteps=${Math.ceil(Math.log2(o.backoffCapS / o.backoffBaseS))}`);
    lines.push(`RestartMaxDelaySec=${seconds(o.backoffCapS)}`);
  }
  lines.push(
    // mixed: SIGTERM goes to the supervisor only, which forwards it to the child's group once (with
    // control-group the child would get it twice, and `loop run` treats a second SIGTERM as "exit at once");
    // the SIGKILL at TimeoutStopSec still goes to the whole control group, escaped processes included.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    // The inner supervisor escalates to SIGKILL at the kill timeout; systemd's own deadline comes a bit later.
    `TimeoutStopSec=${seconds(o.killTimeoutS + 5)}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  );
  return lines.join('\n');
}
