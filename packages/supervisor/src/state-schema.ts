// zod schema of supervisor_state.json, for readers (dashboards, tests); its own entry point so the supervisor does not load zod.
import { z } from 'zod';
import {
  type ChildExitRecord,
  RECENT_EXITS_KEPT,
  SUPERVISOR_STATE_VERSION,
  type SupervisorState,
  type SupervisorStatus,
} from './state.js';

/** Schema of {@link SupervisorStatus}. */
export const supervisorStatusSchema = z.enum([
  'starting',
  'running',
  'backoff',
  'stopping',
  'stopped',
  'gave_up',
]);

const isoTime = z.string().datetime({ offset: true });

/** Schema of {@link ChildExitRecord}. */
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

/** Schema of {@link SupervisorState}: what supervisor_state.json holds. */
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
  /** Exit codes after which the child is not restarted (`--prevent-restart-exit-status`). */
  prevent_restart_exit_status: z.array(z.number().int().min(0).max(255)),
  /** Backoff attempt n of the last (or pending) restart: its delay was min(cap, base * 2^n). */
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
  /** Why the status is `stopped`; `restart-prevented`: the exit code is in `prevent_restart_exit_status`. */
  stop_reason: z.enum(['signal', 'clean-exit', 'policy-never', 'restart-prevented']).nullable(),
  /** The supervisor's own exit status, once `stopped` or `gave_up`. */
  exit_code: z.number().int().nullable(),
  started_at: isoTime,
  updated_at: isoTime,
  /** The last {@link RECENT_EXITS_KEPT} child runs, oldest first. */
  exits: z.array(childExitRecordSchema).max(RECENT_EXITS_KEPT),
});

/** Parses supervisor_state.json text; throws a ZodError or SyntaxError when it is not one. */
export function parseSupervisorState(text: string): SupervisorState {
  return supervisorStateSchema.parse(JSON.parse(text));
}

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// Compile-time proof that the schemas describe exactly the types the supervisor writes.
const schemasMatchTypes: [
  Same<z.infer<typeof supervisorStatusSchema>, SupervisorStatus>,
  Same<z.infer<typeof childExitRecordSchema>, ChildExitRecord>,
  Same<z.infer<typeof supervisorStateSchema>, SupervisorState>,
] = [true, true, true];
void schemasMatchTypes;
