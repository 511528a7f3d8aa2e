// The shape of supervisor_state.json and the atomic writer that replaces it.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { StopReason } from './restart-decision.js';

/** Version of the supervisor_state.json format written by this package. */
export const SUPERVISOR_STATE_VERSION = 1 as const;

/** How many past exits the state file keeps. */
export const RECENT_EXITS_KEPT = 20;

/** Where the supervisor is in its cycle. */
export type SupervisorStatus = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'gave_up';

/** One finished child run (an entry of `exits`). Times are ISO 8601 strings. */
export interface ChildExitRecord {
  pid: number | null;
  code: number | null;
  signal: string | null;
  /** Status as a shell reports it: the code, 128 + signal number, 124 for a hung child, 126/127 when it did not start. */
  status: number;
  /** `exit`: it ended by itself; `watchdog`: stopped as hung; `stop`: stopped on request; `spawn-error`. */
  reason: 'exit' | 'watchdog' | 'stop' | 'spawn-error';
  started_at: string;
  ended_at: string;
  uptime_ms: number;
  error?: string;
}

/**
 * supervisor_state.json. Keys are snake_case like every run-dir file; times are ISO 8601 strings. Readers
 * validate it with `supervisorStateSchema` from `@loop/supervisor/state-schema` (kept apart so the
 * supervisor itself does not load zod).
 */
export interface SupervisorState {
  v: typeof SUPERVISOR_STATE_VERSION;
  status: SupervisorStatus;
  supervisor_pid: number;
  command: string[];
  /** The command as one shell-quoted line, for people. */
  command_line: string;
  restart_policy: 'on-failure' | 'always' | 'never';
  max_restarts: number;
  backoff_base_s: number;
  backoff_cap_s: number;
  jitter: boolean;
  reset_after_s: number;
  kill_timeout_s: number;
  heartbeat_file: string | null;
  heartbeat_timeout_s: number | null;
  /** Exit codes after which the child is not restarted (`--prevent-restart-exit-status`); empty by default. */
  prevent_restart_exit_status: number[];
  /** Backoff attempt n of the last (or pending) restart: its delay was min(cap, base * 2^n). */
  attempt: number;
  /** Restarts since this supervisor started. */
  restarts: number;
  child_pid: number | null;
  child_started_at: string | null;
  last_exit_code: number | null;
  last_signal: string | null;
  /** Delay before the last (or pending) restart, in milliseconds. */
  last_delay_ms: number | null;
  /** When the pending restart happens (status `backoff`). */
  next_start_at: string | null;
  /** The signal that asked the supervisor to stop. */
  stop_signal: string | null;
  /**
   * Why the status is `stopped`: `signal` (see `stop_signal`), `clean-exit` (exit 0 under `on-failure`),
   * `policy-never`, or `restart-prevented` (the exit code is in `prevent_restart_exit_status`); null otherwise.
   */
  stop_reason: 'signal' | StopReason | null;
  /**
   * The supervisor's own exit status, once `stopped` or `gave_up` (`supervisorExitStatus`): what
   * `loop supervise` exits with. After a requested stop that went as asked it is 0, whatever the child's
   * status (which `exits` and `last_exit_code` hold).
   */
  exit_code: number | null;
  started_at: string;
  updated_at: string;
  /** The last {@link RECENT_EXITS_KEPT} child runs, oldest first. */
  exits: ChildExitRecord[];
}

/**
 * Replaces a JSON file atomically: write a temp file in the same directory, fsync it, rename it over the file,
 * so a reader sees the old or the new content, never a torn one. Writes run off the caller's path and are
 * coalesced: while one is in flight, only the latest published value is written next.
 */
export class AtomicJsonFile {
  /** The file replaced. */
  readonly file: string;
  readonly #temp: string;
  readonly #onError: (error: unknown) => void;
  #pending: string | undefined;
  #writing: Promise<void> | undefined;
  /** Writes that failed (reported through `onError`, never thrown). */
  failures = 0;

  constructor(file: string, onError: (error: unknown) => void = () => {}) {
    this.file = file;
    this.#temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    this.#onError = onError;
  }

  /** Schedules `value` to replace the file's content. */
  publish(value: unknown): void {
    this.#pending = `${JSON.stringify(value, null, 2)}\n`;
    this.#writing ??= this.#drain();
  }

  /** Resolves once every published value is on disk (or failed). */
  flush(): Promise<void> {
    return this.#writing ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    while (this.#pending !== undefined) {
      const text = this.#pending;
      this.#pending = undefined;
      try {
        await this.#replace(text);
      } catch (error) {
        this.failures += 1;
        await unlink(this.#temp).catch(() => {});
        this.#onError(error);
      }
    }
    this.#writing = undefined;
  }

  async #replace(text: string): Promise<void> {
    const handle = await open(this.#temp, 'w', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.#temp, this.file);
  }
}
