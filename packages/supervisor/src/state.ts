// The shape of supervisor_state.json (versioned zod schema) and the atomic writer that replaces it.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';

/** Version of the supervisor_state.json format written by this package. */
export const SUPERVISOR_STATE_VERSION = 1 as const;

/** Name of the state file inside the run dir. */
export const SUPERVISOR_STATE_FILE = 'supervisor_state.json';

/** How many past exits the state file keeps. */
export const RECENT_EXITS_KEPT = 20;

/** Where the supervisor is in its cycle. */
export const supervisorStatusSchema = z.enum([
  'starting',
  'running',
  'backoff',
  'stopping',
  'stopped',
  'gave_up',
]);
/** `starting` | `running` | `backoff` | `stopping` | `stopped` | `gave_up`. */
export type SupervisorStatus = z.infer<typeof supervisorStatusSchema>;

const isoTime = z.string().datetime({ offset: true });

/** One finished child run. */
export const childExitRecordSchema = z.object({
  pid: z.number().int().nullable(),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** Status as a shell reports it: the code, 128 + signal number, 124 for a hung child, 126/127 when it did not start. */
  status: z.number().int(),
  /** `exit`: it ended by itself; `watchdog`: stopped as hung; `stop`: stopped on request; `spawn-error`. */
  reason: z.enum(['exit', 'watchdog', 'stop', 'spawn-error']),
  started_at: isoTime,
  ended_at: isoTime,
  uptime_ms: z.number().nonnegative(),
  error: z.string().optional(),
});
/** One entry of `exits`. */
export type ChildExitRecord = z.infer<typeof childExitRecordSchema>;

/** supervisor_state.json. Keys are snake_case like every run-dir file. */
export const supervisorStateSchema = z.object({
  v: z.literal(SUPERVISOR_STATE_VERSION),
  status: supervisorStatusSchema,
  supervisor_pid: z.number().int(),
  command: z.array(z.string()).min(1),
  /** The command as one shell-quoted line, for people. */
  command_line: z.string(),
  restart_policy: z.enum(['on-failure', 'always', 'never']),
  max_restarts: z.number().int().nonnegative(),
  backoff_base_s: z.number().nonnegative(),
  backoff_cap_s: z.number().nonnegative(),
  jitter: z.boolean(),
  reset_after_s: z.number().nonnegative(),
  kill_timeout_s: z.number().positive(),
  heartbeat_file: z.string().nullable(),
  heartbeat_timeout_s: z.number().positive().nullable(),
  /** Backoff attempt of the next restart: restarts in a row since the last stable run. */
  attempt: z.number().int().nonnegative(),
  /** Restarts since this supervisor started. */
  restarts: z.number().int().nonnegative(),
  child_pid: z.number().int().nullable(),
  child_started_at: isoTime.nullable(),
  last_exit_code: z.number().int().nullable(),
  last_signal: z.string().nullable(),
  /** Delay before the last (or pending) restart, in milliseconds. */
  last_delay_ms: z.number().nonnegative().nullable(),
  /** When the pending restart happens (status `backoff`). */
  next_start_at: isoTime.nullable(),
  /** The signal that asked the supervisor to stop. */
  stop_signal: z.string().nullable(),
  /** The supervisor's own exit status, once `stopped` or `gave_up`. */
  exit_code: z.number().int().nullable(),
  started_at: isoTime,
  updated_at: isoTime,
  /** The last {@link RECENT_EXITS_KEPT} child runs, oldest first. */
  exits: z.array(childExitRecordSchema).max(RECENT_EXITS_KEPT),
});
/** Parsed supervisor_state.json. */
export type SupervisorState = z.infer<typeof supervisorStateSchema>;

/** Parses supervisor_state.json text; throws a ZodError or SyntaxError when it is not one. */
export function parseSupervisorState(text: string): SupervisorState {
  return supervisorStateSchema.parse(JSON.parse(text));
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
