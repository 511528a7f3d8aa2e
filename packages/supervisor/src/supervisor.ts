// The supervisor: runs the child in its own process group, restarts it per policy, writes state and log.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { processGroupHasLiveMembers, signalProcessGroup } from '@loop/process-identity';
import { seededRandom } from './backoff.js';
import { removeChildRecord, SUPERVISOR_RUN_DIR_ENV, writeChildRecord } from './child-record.js';
import { formatCommandLine } from './command-line.js';
import { resolveCommand } from './command-resolution.js';
import { createDirectories } from './directories.js';
import { errnoCode, SupervisorError } from './errors.js';
import { EventFanout, type EventListener, type ListenerFailureKind } from './event-fanout.js';
import { SUPERVISOR_LOG_FILE, SUPERVISOR_STATE_FILE } from './file-names.js';
import { heartbeatAgeMs, heartbeatPollMs, readHeartbeatMtimeMs } from './heartbeat.js';
import { findLeftoverGroups } from './leftovers.js';
import {
  type ResolvedSupervisorOptions,
  resolveSupervisorOptions,
  type SupervisorOptions,
} from './options.js';
import { type ChildExit, decideAfterExit, exitStatusOf, supervisorExitStatus } from './restart-decision.js';
import { acquireRunDirLock, type RunDirLock } from './run-dir-lock.js';
import {
  AtomicJsonFile,
  type ChildExitRecord,
  RECENT_EXITS_KEPT,
  SUPERVISOR_STATE_VERSION,
  type SupervisorState,
} from './state.js';
import { logRecordOf, SUPERVISOR_LOG_EVENT_NAMES, type SupervisorEvent } from './supervisor-events.js';
import { SupervisorLog } from './supervisor-log.js';
import type { SupervisorStats } from './supervisor-stats.js';
import { removeStaleTempFiles } from './temp-litter.js';

/** How supervision ended. */
export interface SupervisionOutcome {
  /**
   * `stopped`: on request, by policy, after a clean exit, or after an exit code listed in
   * `preventRestartExitStatus`; `gave_up`: too many restarts in a row.
   */
  status: 'stopped' | 'gave_up';
  /** Why it `stopped` (as `stop_reason` in the state file); null when it gave up. */
  stopReason: SupervisorState['stop_reason'];
  /**
   * The last child run's status (code, 128 + signal, 124 when hung). The supervisor's own exit status (and
   * the state file's `exit_code`) is `supervisorExitStatus(outcome)`: 0 after a stop that went as asked.
   */
  exitCode: number;
  /** Restarts performed. */
  restarts: number;
}

/** Signals that stop supervision; each is forwarded to the child's process group first. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

type TerminationReason = 'watchdog' | 'stop';

/** An event before the supervisor stamps its times. */
type UnstampedEvent = SupervisorEvent extends infer E
  ? E extends SupervisorEvent
    ? Omit<E, 'atMs' | 'monotonicMs'>
    : never
  : never;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Keeps one command running. Construct it (options are validated and the command is resolved on PATH, before
 * anything is written), then `await run()`. The child runs in its own process group, so stopping it stops
 * everything it spawned.
 */
export class Supervisor {
  /** The validated options. */
  readonly options: ResolvedSupervisorOptions;
  /** Absolute path of the executable the command runs. */
  readonly executable: string;
  readonly #random: () => number;
  /** The run dir as an absolute path: the environment marker every child carries. */
  readonly #absoluteRunDir: string;
  readonly #piped: boolean;
  #state: SupervisorState | undefined;
  #log: SupervisorLog | undefined;
  #stateFile: AtomicJsonFile | undefined;
  #lock: RunDirLock | undefined;
  #childLog: WriteStream | undefined;
  #child: ChildProcess | undefined;
  #lastChild: ChildProcess | undefined;
  #childStartedMs = 0;
  /** The child's start on the monotonic clock: uptimes and heartbeat ages do not jump with the wall clock. */
  #childStartedMono = 0;
  /** The heartbeat file's mtime as last seen, and when (monotonic) it was seen to change; reset per child. */
  #beat: { mtimeMs: number | undefined; changedAtMono: number | undefined } = {
    mtimeMs: undefined,
    changedAtMono: undefined,
  };
  #nextAttempt = 0;
  #restarts = 0;
  #lastStatus = 0;
  /** A child run has ended (so `#lastStatus` is its status). */
  #exited = false;
  #watchdogKills = 0;
  /** When (monotonic) the pending restart happens, while in backoff. */
  #nextStartMono: number | undefined;
  readonly #listeners = new EventFanout<SupervisorEvent>((kind, error, first, event) =>
    this.#onListenerFailure(kind, error, first, event),
  );
  #terminating: TerminationReason | undefined;
  #killDeadlineMs: number | undefined;
  #killTimer: NodeJS.Timeout | undefined;
  /** The current child's group was sent SIGKILL: what is left of it is dying, not left over. */
  #groupKilled = false;
  #backoffTimer: NodeJS.Timeout | undefined;
  #watchdogTimer: NodeJS.Timeout | undefined;
  #stopSignal: NodeJS.Signals | undefined;
  #started = false;
  #finished = false;
  #resolve: ((outcome: SupervisionOutcome) => void) | undefined;
  readonly #onSignal = (signal: NodeJS.Signals) => this.stop(signal);
  readonly #onOutputError = () => {
    // A closed reader of the passed-through output (`loop supervise ... | head`) must not end supervision.
  };
  readonly #onProcessExit = () => {
    // Last resort if this process dies with a child still running: no orphan is left behind.
    try {
      if (this.#child?.pid !== undefined) signalProcessGroup(this.#child.pid, 'SIGKILL');
    } catch {
      // Nothing more can be done while exiting.
    }
  };

  /** Validates `options` and resolves the command; throws a {@link SupervisorError} before writing anything. */
  constructor(options: SupervisorOptions) {
    this.options = resolveSupervisorOptions(options);
    this.executable = resolveCommand(this.options.command[0]!, {
      path: this.options.env.PATH,
      cwd: this.options.cwd,
    });
    this.#random =
      this.options.jitterSeed === undefined ? Math.random : seededRandom(this.options.jitterSeed);
    this.#piped =
      this.options.childLog !== undefined ||
      this.options.stdout !== process.stdout ||
      this.options.stderr !== process.stderr;
    this.#listeners.add(this.options.onEvent);
    this.#absoluteRunDir = resolve(this.options.runDir);
  }

  /**
   * Adds a listener of every event (after the `onEvent` option's, in the order added); returns the function
   * that removes it. Listeners are called synchronously and never awaited: one that throws or returns a
   * rejected promise is counted in {@link listenerFailures} (the first failure of each kind is logged as
   * `listener_failed` in supervisor.log) and changes nothing else.
   */
  on(listener: EventListener<SupervisorEvent>): () => void {
    return this.#listeners.add(listener);
  }

  /** Listener calls that threw or rejected so far. */
  get listenerFailures(): number {
    return this.#listeners.failures;
  }

  /**
   * The supervisor's numbers right now (child up, pid, uptime, restarts, last exit, heartbeat age, backoff,
   * gave-up, failures): a pure read of memory, cheap enough to call on every metrics scrape.
   */
  stats(): SupervisorStats {
    const nowMono = performance.now();
    const state = this.#state;
    const child = this.#child;
    const childUp = child !== undefined;
    let heartbeatAgeMs: number | null = null;
    if (childUp && this.options.heartbeatTimeoutS !== undefined) {
      heartbeatAgeMs = Math.max(
        0,
        Math.round(nowMono - (this.#beat.changedAtMono ?? this.#childStartedMono)),
      );
    }
    return {
      status: state?.status ?? 'idle',
      childUp,
      childPid: child?.pid ?? null,
      childUptimeMs: childUp ? Math.max(0, Math.round(nowMono - this.#childStartedMono)) : null,
      restartsTotal: this.#restarts,
      attempt: state?.attempt ?? 0,
      lastExitCode: state?.last_exit_code ?? null,
      lastSignal: state?.last_signal ?? null,
      lastExitStatus: this.#exited ? this.#lastStatus : null,
      heartbeatAgeMs,
      backoffDelayMs: state?.last_delay_ms ?? null,
      nextStartInMs:
        this.#nextStartMono === undefined ? null : Math.max(0, Math.round(this.#nextStartMono - nowMono)),
      gaveUp: state?.status === 'gave_up',
      watchdogKillsTotal: this.#watchdogKills,
      listenerFailures: this.#listeners.failures,
      stateWriteFailures: this.#stateFile?.failures ?? 0,
    };
  }

  /** A copy of the current state (what supervisor_state.json holds), once `run()` has started. */
  get state(): SupervisorState | undefined {
    return this.#state === undefined ? undefined : structuredClone(this.#state);
  }

  /**
   * Supervises until the child exits cleanly (`on-failure`), exits at all (`never`), fails too often in a row,
   * or a stop is requested. Throws `LOOP_SUPERVISOR_LOCKED` or `LOOP_SUPERVISOR_RUN_DIR_FAILED` before
   * starting anything.
   */
  async run(): Promise<SupervisionOutcome> {
    if (this.#started) throw new Error('Supervisor.run() can only be called once');
    this.#started = true;
    const { runDir, childLog } = this.options;
    const failed = (option: 'runDir' | 'childLog', what: string, error: unknown) =>
      new SupervisorError('LOOP_SUPERVISOR_RUN_DIR_FAILED', `${what}: ${(error as Error).message}`, {
        cause: error,
        context: { option, runDir, childLog, errno: errnoCode(error) },
      });
    // The child log first: one that cannot be opened leaves no run dir, lock or log behind.
    if (childLog !== undefined) {
      try {
        this.#childLog = await openAppendStream(childLog);
      } catch (error) {
        throw failed('childLog', `cannot open the child log ${childLog}`, error);
      }
    }
    try {
      createDirectories(runDir);
    } catch (error) {
      this.#childLog?.end();
      throw failed('runDir', `cannot create run dir ${runDir}`, error);
    }
    try {
      this.#lock = acquireRunDirLock(runDir);
    } catch (error) {
      this.#childLog?.end();
      throw error;
    }
    // Ours now: temp files of dead writers (a supervisor killed mid-write) go.
    removeStaleTempFiles(runDir);
    try {
      this.#log = new SupervisorLog(join(runDir, SUPERVISOR_LOG_FILE));
    } catch (error) {
      this.#childLog?.end();
      this.#lock.release();
      throw failed('runDir', `cannot open ${join(runDir, SUPERVISOR_LOG_FILE)}`, error);
    }
    const stateFile = join(runDir, SUPERVISOR_STATE_FILE);
    this.#stateFile = new AtomicJsonFile(stateFile, (cause) => {
      // Reported, never thrown: a full disk must not stop the bot from being restarted.
      const error = new SupervisorError(
        'LOOP_SUPERVISOR_STATE_WRITE_FAILED',
        `cannot replace ${stateFile}: ${String(cause)}`,
        {
          cause,
          context: { file: stateFile },
        },
      );
      this.#emit({
        type: 'state-write-failed',
        code: 'LOOP_SUPERVISOR_STATE_WRITE_FAILED',
        error: error.message,
      });
    });
    const startedMs = Date.now();
    this.#state = this.#initialState(startedMs);
    if (this.options.handleSignals)
      for (const signal of FORWARDED_SIGNALS) process.on(signal, this.#onSignal);
    process.on('exit', this.#onProcessExit);
    if (this.#piped)
      for (const stream of [this.options.stdout, this.options.stderr])
        stream.on('error', this.#onOutputError);
    const finished = new Promise<SupervisionOutcome>((resolve) => {
      this.#resolve = resolve;
    });
    this.#emit({
      type: 'supervisor-started',
      pid: process.pid,
      runDir,
      commandLine: this.#state.command_line,
      tookOverLockFrom: this.#lock.tookOverFrom ?? null,
    });
    await this.#stopLeftovers(stateFile);
    this.#publish();
    if (this.#stopSignal === undefined) this.#startChild();
    else this.#finish('stopped', 0, 'signal');
    const outcome = await finished;
    try {
      await this.#drainChildOutput();
      this.#emit({
        type: 'supervisor-exited',
        status: outcome.status,
        stopReason: outcome.stopReason,
        exitCode: supervisorExitStatus(outcome),
        restarts: outcome.restarts,
      });
      await this.#stateFile.flush();
    } finally {
      if (this.options.handleSignals)
        for (const signal of FORWARDED_SIGNALS) process.off(signal, this.#onSignal);
      process.off('exit', this.#onProcessExit);
      if (this.#piped) {
        for (const stream of [this.options.stdout, this.options.stderr])
          stream.off('error', this.#onOutputError);
      }
      if (this.#childLog) await new Promise<void>((resolve) => this.#childLog!.end(resolve));
      this.#log.close();
      this.#lock.release();
    }
    return outcome;
  }

  /**
   * A previous supervisor of this run dir that died without stopping its child (SIGKILL, OOM kill) left that
   * child running unsupervised; starting another would run the bot twice. Every leftover group (found by the
   * child record, the state file, or a /proc scan for the run dir's environment marker: see
   * `findLeftoverGroups`) is stopped first: TERM (and CONT), KILL at the kill timeout. Scanned again after
   * each round, so a child spawned by a dying supervisor in its last instant is caught too.
   */
  async #stopLeftovers(stateFile: string): Promise<void> {
    let previous: { supervisor_pid?: unknown; child_pid?: unknown; child_started_at?: unknown } | undefined;
    try {
      previous = JSON.parse(readFileSync(stateFile, 'utf8')) as typeof previous;
    } catch {
      previous = undefined;
    }
    const clue = { childPid: previous?.child_pid, childStartedAt: previous?.child_started_at };
    const supervisorPid = typeof previous?.supervisor_pid === 'number' ? previous.supervisor_pid : null;
    for (let round = 0; round < 3; round += 1) {
      const groups = findLeftoverGroups(this.options.runDir, this.#absoluteRunDir, clue);
      if (groups.length === 0) break;
      for (const group of groups) {
        this.#emit({ type: 'orphan-stopping', pgid: group.pgid, members: group.members, supervisorPid });
        signalProcessGroup(group.pgid, 'SIGTERM');
        signalProcessGroup(group.pgid, 'SIGCONT');
      }
      this.#killDeadlineMs = performance.now() + this.options.killTimeoutS * 1000;
      await Promise.all(groups.map((group) => this.#drainGroup(group.pgid, false)));
      this.#killDeadlineMs = undefined;
      this.#groupKilled = false;
    }
    removeChildRecord(this.options.runDir);
  }

  /**
   * Asks supervision to stop, as SIGINT/SIGTERM/SIGHUP do: `signal` goes to the child's process group; after
   * `killTimeoutS` the group gets SIGKILL. A pending restart is cancelled.
   */
  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.#started || this.#finished || this.#state === undefined) return;
    if (this.#stopSignal === undefined) {
      this.#stopSignal = signal;
      this.#state.stop_signal = signal;
      this.#emit({ type: 'stopping', signal, childPid: this.#child?.pid ?? null });
    }
    if (this.#backoffTimer !== undefined) {
      clearTimeout(this.#backoffTimer);
      this.#backoffTimer = undefined;
      this.#finish('stopped', this.#lastStatus, 'signal');
      return;
    }
    if (this.#child?.pid !== undefined) this.#terminate(this.#child.pid, 'stop', signal);
    // Otherwise the child already exited and its leftovers are being drained; the exit path sees the stop.
  }

  #initialState(startedMs: number): SupervisorState {
    const o = this.options;
    return {
      v: SUPERVISOR_STATE_VERSION,
      status: 'starting',
      supervisor_pid: process.pid,
      command: [...o.command],
      command_line: formatCommandLine(o.command),
      restart_policy: o.restart,
      max_restarts: o.maxRestarts,
      backoff_base_s: o.backoffBaseS,
      backoff_cap_s: o.backoffCapS,
      jitter: o.jitter,
      reset_after_s: o.resetAfterS,
      kill_timeout_s: o.killTimeoutS,
      heartbeat_file: o.heartbeatFile ?? null,
      heartbeat_timeout_s: o.heartbeatTimeoutS ?? null,
      prevent_restart_exit_status: [...o.preventRestartExitStatus],
      attempt: 0,
      restarts: 0,
      child_pid: null,
      child_started_at: null,
      last_exit_code: null,
      last_signal: null,
      last_delay_ms: null,
      next_start_at: null,
      stop_signal: null,
      stop_reason: null,
      exit_code: null,
      started_at: iso(startedMs),
      updated_at: iso(startedMs),
      exits: [],
    };
  }

  /** Stamps `unstamped`, writes its log line, then hands it to the listeners (guarded, not awaited). */
  #emit(unstamped: UnstampedEvent): void {
    const event = { ...unstamped, atMs: Date.now(), monotonicMs: performance.now() } as SupervisorEvent;
    this.#log?.append(logRecordOf(event));
    this.#listeners.emit(event);
  }

  /** First failure of each kind goes to supervisor.log; all are counted in {@link listenerFailures}. */
  #onListenerFailure(
    kind: ListenerFailureKind,
    error: unknown,
    first: boolean,
    event: SupervisorEvent,
  ): void {
    if (!first) return;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.#log?.append({
      type: 'listener_failed',
      atMs: Date.now(),
      fields: {
        kind,
        event: SUPERVISOR_LOG_EVENT_NAMES[event.type],
        error: text.length > 200 ? `${text.slice(0, 200)}...` : text,
      },
    });
  }

  #publish(): void {
    const state = this.#state!;
    state.updated_at = iso(Date.now());
    this.#stateFile!.publish(state);
  }

  #startChild(): void {
    const state = this.#state!;
    const { command, cwd, env } = this.options;
    const startedMs = Date.now();
    this.#terminating = undefined;
    this.#killDeadlineMs = undefined;
    this.#groupKilled = false;
    let child: ChildProcess;
    try {
      child = spawn(this.executable, command.slice(1), {
        argv0: command[0],
        cwd,
        env: { ...env, [SUPERVISOR_RUN_DIR_ENV]: this.#absoluteRunDir },
        // Its own process group (and session): the whole tree can be signalled as one, and a terminal's
        // Ctrl-C reaches only the supervisor, which forwards it.
        detached: true,
        stdio: this.#piped ? ['inherit', 'pipe', 'pipe'] : 'inherit',
      });
    } catch (error) {
      setImmediate(() => this.#onSpawnFailed(error, startedMs));
      return;
    }
    if (child.pid === undefined) {
      child.once('error', (error) => this.#onSpawnFailed(error, startedMs));
      return;
    }
    const pid = child.pid;
    // Durable before anything else happens in this process: a supervisor killed from here on leaves a record
    // of this child (and its group) that the next supervisor of the run dir finds and stops.
    writeChildRecord(this.options.runDir, pid);
    this.#child = child;
    this.#lastChild = child;
    this.#childStartedMs = startedMs;
    this.#childStartedMono = performance.now();
    if (this.options.heartbeatFile !== undefined) {
      const mtimeMs = readHeartbeatMtimeMs(this.options.heartbeatFile);
      // Touched as the child started counts as a beat; an older mtime is a previous run's.
      const fresh = mtimeMs !== undefined && mtimeMs >= startedMs - 50;
      this.#beat = { mtimeMs, changedAtMono: fresh ? this.#childStartedMono : undefined };
    }
    child.once('exit', (code, signal) => this.#onChildExit(pid, code, signal));
    child.on('error', () => {
      // Errors after a successful spawn (a failed kill) change nothing: the exit event still comes.
    });
    if (this.#piped) {
      child.stdout!.on('data', (chunk: Buffer) => {
        this.options.stdout.write(chunk);
        this.#childLog?.write(chunk);
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        this.options.stderr.write(chunk);
        this.#childLog?.write(chunk);
      });
    }
    this.#emit({ type: 'child-started', pid, attempt: state.attempt, restarts: this.#restarts });
    state.status = 'running';
    state.child_pid = pid;
    state.child_started_at = iso(startedMs);
    state.next_start_at = null;
    this.#publish();
    const timeoutS = this.options.heartbeatTimeoutS;
    if (timeoutS !== undefined) {
      this.#watchdogTimer = setInterval(() => this.#checkHeartbeat(pid), heartbeatPollMs(timeoutS * 1000));
    }
  }

  #onSpawnFailed(error: unknown, startedMs: number): void {
    const code = errnoCode(error) === 'ENOENT' ? 127 : 126;
    this.#emit({ type: 'spawn-failed', error: String(error), status: code });
    this.#record(
      { pid: null, code, signal: null, reason: 'spawn-error', startedMs, endedMs: Date.now() },
      String(error),
    );
    this.#afterExit({ code, signal: null, uptimeMs: 0, spawnFailed: true });
  }

  #onChildExit(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    const endedMs = Date.now();
    const uptimeMs = Math.max(0, Math.round(performance.now() - this.#childStartedMono));
    const hung = this.#terminating === 'watchdog';
    this.#emit({
      type: 'child-exited',
      pid,
      code,
      signal,
      status: exitStatusOf({ code, signal, hung }),
      uptimeMs,
      reason: this.#terminating ?? 'exit',
    });
    clearInterval(this.#watchdogTimer);
    clearTimeout(this.#killTimer);
    this.#watchdogTimer = undefined;
    this.#killTimer = undefined;
    this.#child = undefined;
    this.#record({
      pid,
      code,
      signal,
      reason: this.#terminating ?? 'exit',
      startedMs: this.#childStartedMs,
      endedMs,
      uptimeMs,
      hung,
    });
    const exit = { code, signal, uptimeMs, hung };
    if (processGroupHasLiveMembers(pid)) {
      // child_pid stays the group's id while its leftovers are drained: a supervisor killed meanwhile leaves
      // the next one a state file that points at them (see #stopLeftovers).
      this.#state!.status = 'stopping';
      this.#state!.child_pid = pid;
      this.#publish();
      void this.#drainGroup(pid).then(() => {
        this.#state!.child_pid = null;
        removeChildRecord(this.options.runDir);
        this.#afterExit(exit);
      });
      return;
    }
    removeChildRecord(this.options.runDir);
    this.#afterExit(exit);
  }

  #record(
    run: {
      pid: number | null;
      code: number | null;
      signal: NodeJS.Signals | null;
      reason: ChildExitRecord['reason'];
      startedMs: number;
      endedMs: number;
      /** Measured on the monotonic clock where known; else ended - started. */
      uptimeMs?: number;
      hung?: boolean;
    },
    error?: string,
  ): void {
    const state = this.#state!;
    const status = exitStatusOf({ code: run.code, signal: run.signal, hung: run.hung ?? false });
    this.#lastStatus = status;
    this.#exited = true;
    const record: ChildExitRecord = {
      pid: run.pid,
      code: run.code,
      signal: run.signal,
      status,
      reason: run.reason,
      started_at: iso(run.startedMs),
      ended_at: iso(run.endedMs),
      uptime_ms: run.uptimeMs ?? Math.max(0, run.endedMs - run.startedMs),
    };
    if (error !== undefined) record.error = error;
    state.exits.push(record);
    if (state.exits.length > RECENT_EXITS_KEPT) state.exits.splice(0, state.exits.length - RECENT_EXITS_KEPT);
    state.child_pid = null;
    state.last_exit_code = run.code;
    state.last_signal = run.signal;
  }

  #afterExit(exit: ChildExit): void {
    if (this.#finished) return;
    if (this.#stopSignal !== undefined) {
      this.#finish('stopped', this.#lastStatus, 'signal');
      return;
    }
    const o = this.options;
    const decision = decideAfterExit(exit, {
      policy: o.restart,
      maxRestarts: o.maxRestarts,
      resetAfterMs: o.resetAfterS * 1000,
      attempt: this.#nextAttempt,
      backoff: { baseS: o.backoffBaseS, capS: o.backoffCapS, jitter: o.jitter, random: this.#random },
      preventRestartExitStatus: o.preventRestartExitStatus,
    });
    const state = this.#state!;
    if (decision.action === 'stop') {
      if (decision.reason === 'restart-prevented') {
        // Said in the log why a policy that restarts did not: the code is one the child uses to say "stay down".
        this.#emit({
          type: 'restart-prevented',
          pid: state.exits.at(-1)?.pid ?? null,
          code: exit.code,
          preventRestartExitStatus: [...o.preventRestartExitStatus],
          restart: o.restart,
          restarts: this.#restarts,
        });
      }
      this.#finish('stopped', decision.exitCode, decision.reason);
      return;
    }
    if (decision.action === 'give-up') {
      this.#emit({
        type: 'gave-up',
        restarts: this.#restarts,
        maxRestarts: o.maxRestarts,
        exitCode: decision.exitCode,
      });
      this.#finish('gave_up', decision.exitCode, null);
      return;
    }
    this.#nextAttempt = decision.attempt + 1;
    this.#restarts += 1;
    state.attempt = decision.attempt;
    state.restarts = this.#restarts;
    state.last_delay_ms = decision.delayMs;
    this.#emit({
      type: 'restart-scheduled',
      attempt: decision.attempt,
      delayMs: decision.delayMs,
      restarts: this.#restarts,
      stableRun: decision.stableRun,
    });
    if (decision.delayMs === 0) {
      // Zero backoff: restart at once; the state file learns of the exit with the new child's start.
      this.#startChild();
      return;
    }
    state.status = 'backoff';
    state.next_start_at = iso(Date.now() + decision.delayMs);
    this.#publish();
    this.#nextStartMono = performance.now() + decision.delayMs;
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = undefined;
      this.#nextStartMono = undefined;
      this.#startChild();
    }, decision.delayMs);
  }

  #finish(
    status: SupervisionOutcome['status'],
    exitCode: number,
    stopReason: SupervisionOutcome['stopReason'],
  ): void {
    if (this.#finished) return;
    this.#finished = true;
    clearInterval(this.#watchdogTimer);
    clearTimeout(this.#killTimer);
    clearTimeout(this.#backoffTimer);
    this.#nextStartMono = undefined;
    const state = this.#state!;
    state.status = status;
    state.exit_code = supervisorExitStatus({ stopReason, exitCode });
    state.stop_reason = stopReason;
    state.child_pid = null;
    state.next_start_at = null;
    this.#publish();
    this.#resolve?.({ status, stopReason, exitCode, restarts: this.#restarts });
  }

  /** Sends `signal` to the child's group and arms SIGKILL of the group after the kill timeout. */
  #terminate(pgid: number, reason: TerminationReason, signal: NodeJS.Signals): void {
    const killTimeoutMs = this.options.killTimeoutS * 1000;
    if (this.#terminating === undefined) {
      this.#terminating = reason;
      this.#killDeadlineMs = performance.now() + killTimeoutMs;
      this.#killTimer = setTimeout(() => this.#killGroup(pgid), killTimeoutMs);
    }
    this.#state!.status = 'stopping';
    this.#publish();
    signalProcessGroup(pgid, signal);
    // A stopped child (SIGSTOP, a debugger, Ctrl-Z) cannot act on the signal until it runs again: wake it, as
    // systemd does, so it stops cleanly instead of waiting for the SIGKILL at the kill timeout.
    signalProcessGroup(pgid, 'SIGCONT');
  }

  #killGroup(pgid: number): void {
    this.#groupKilled = true;
    this.#emit({ type: 'group-killed', pgid, signal: 'SIGKILL', afterS: this.options.killTimeoutS });
    signalProcessGroup(pgid, 'SIGKILL');
  }

  /**
   * The child exited but processes of its group live on (a grandchild that ignored the signal, or one left
   * running in the background): TERM them, and KILL them at the kill deadline. Nothing outlives its child.
   */
  async #drainGroup(pgid: number, leftover = true): Promise<void> {
    // Already SIGKILLed at the kill timeout (the child died of it first): the rest is dying, not left over.
    let killed = this.#groupKilled;
    if (leftover && !killed) this.#emit({ type: 'group-leftover', pgid });
    if (this.#killDeadlineMs === undefined) {
      signalProcessGroup(pgid, 'SIGTERM');
      this.#killDeadlineMs = performance.now() + this.options.killTimeoutS * 1000;
    }
    let deadline = killed ? performance.now() + 2000 : this.#killDeadlineMs;
    while (processGroupHasLiveMembers(pgid)) {
      if (performance.now() >= deadline) {
        if (killed) break;
        this.#killGroup(pgid);
        killed = true;
        deadline = performance.now() + 2000;
      }
      await sleep(20);
    }
  }

  #checkHeartbeat(pid: number): void {
    if (this.#child?.pid !== pid || this.#terminating !== undefined) return;
    const file = this.options.heartbeatFile!;
    const timeoutMs = this.options.heartbeatTimeoutS! * 1000;
    const heartbeatMtimeMs = readHeartbeatMtimeMs(file);
    const nowMono = performance.now();
    if (heartbeatMtimeMs !== undefined && heartbeatMtimeMs !== this.#beat.mtimeMs) {
      this.#beat = { mtimeMs: heartbeatMtimeMs, changedAtMono: nowMono };
    }
    // Ages on the monotonic clock, from when the mtime was seen to change: a wall-clock step (NTP, a VM
    // resumed) neither makes a healthy child look hung nor hides a hang.
    const ageMs = heartbeatAgeMs({
      nowMs: nowMono,
      heartbeatMtimeMs: this.#beat.changedAtMono,
      childStartedMs: this.#childStartedMono,
    });
    if (ageMs <= timeoutMs) return;
    // A child that never beat at all is more often a wrong --heartbeat-file than a hang: say so.
    const seen = this.#beat.changedAtMono !== undefined;
    this.#watchdogKills += 1;
    this.#emit({
      type: 'watchdog-kill',
      pid,
      heartbeatFile: file,
      heartbeatAgeMs: Math.round(ageMs),
      timeoutMs,
      heartbeatSeen: seen,
    });
    if (!seen) {
      this.options.stderr.write(
        `loop supervise: watchdog: ${file} was not touched since the command started ` +
          `${Math.round(ageMs / 1000)} s ago; stopping it as hung. If the command is healthy, point ` +
          `--heartbeat-file at the file it touches (loop run touches <its --run-dir>/heartbeat).\n`,
      );
    }
    this.#terminate(pid, 'watchdog', 'SIGTERM');
  }

  async #drainChildOutput(): Promise<void> {
    const child = this.#lastChild;
    if (!this.#piped || child === undefined || (child.exitCode === null && child.signalCode === null)) return;
    const streamsOpen = !(child.stdout?.destroyed ?? true) || !(child.stderr?.destroyed ?? true);
    if (streamsOpen) await Promise.race([once(child, 'close'), sleep(1000)]);
  }
}

async function openAppendStream(file: string): Promise<WriteStream> {
  createDirectories(dirname(file)); // like the run dir: a log in a folder not made yet is fine
  const stream = createWriteStream(file, { flags: 'a', mode: 0o644 });
  await once(stream, 'open');
  stream.on('error', () => {
    // A failing child log must not stop supervision; output still passes through.
  });
  return stream;
}
