// The declarative run-dir fixture for tests (dashboard, CLI, run-dir): a whole run dir written from one object
// (NDJSON files with rotated ones, summary, run.json, supervisor state and log, heartbeat, odd files such as a
// FIFO) into a temp dir that is removed after the test. Not published: tests import it by path.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsSummary, StageEventLine } from '@loop/metrics';
import type { SupervisorState } from '@loop/supervisor';
import { afterAll, onTestFinished } from 'vitest';
import {
  HEARTBEAT_FILE,
  METRICS_FILE,
  RUN_FILE,
  type RunRecordDocument,
  rotatedMetricsFile,
  SUMMARY_FILE,
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_STATE_FILE,
} from '../src/index.js';

/** A JSON document: an object (written as JSON) or its exact text (a torn or corrupt variant). */
export type DocumentSpec = object | string;

/** An NDJSON file: its exact text, or its lines (an object is written as JSON, a string as it is; each ends in a newline). */
export type NdjsonFileSpec = string | ReadonlyArray<object | string>;

/** A file that is not a regular file, where a regular one is expected. */
export type SpecialFileSpec = { kind: 'fifo' } | { kind: 'directory' } | { kind: 'symlink'; target: string };

/** Everything in a run dir; what is left out is missing. */
export interface RunDirSpec {
  /** NDJSON files, oldest first: the last is `metrics.ndjson`, those before it `metrics.ndjson.1`, `.2`, ... */
  metrics?: readonly NdjsonFileSpec[];
  /** `metrics_summary.json` (see {@link summaryOf}). */
  summary?: DocumentSpec;
  /** `run.json` (see {@link runRecordOf}). */
  run?: DocumentSpec;
  /** `supervisor_state.json` (see {@link supervisorStateOf}). */
  supervisorState?: DocumentSpec;
  /** `supervisor.log`: its text, or its lines. */
  supervisorLog?: string | readonly string[];
  /** `heartbeat`: touched now, or `ageMs` ago (its mtime is the beat). */
  heartbeat?: true | { ageMs: number };
  /** Any other file by name (relative to the run dir): its text or bytes, or a special file. */
  files?: Readonly<Record<string, string | Uint8Array | SpecialFileSpec>>;
}

/** Where a fixture goes, and who removes it. */
export interface RunDirOptions {
  /** Write into this directory (created if missing) instead of a new temp dir; the caller removes it. */
  dir?: string;
  /** Prefix of the temp dir's name (default `loop-run-dir-`). */
  prefix?: string;
}

const madeOutsideTests: string[] = [];
afterAll(async () => {
  await Promise.all(madeOutsideTests.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A run dir holding `spec`: a fresh temp dir removed when the test finishes (made outside a test, e.g. in
 * `beforeAll`: when the file's tests are done). Returns its path.
 */
export async function runDir(spec: RunDirSpec = {}, options: RunDirOptions = {}): Promise<string> {
  if (options.dir !== undefined) {
    await mkdir(options.dir, { recursive: true });
    return writeRunDir(options.dir, spec);
  }
  const dir = await mkdtemp(join(tmpdir(), options.prefix ?? 'loop-run-dir-'));
  try {
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
  } catch {
    // Not inside a test (vitest throws): removed after the file's tests.
    madeOutsideTests.push(dir);
  }
  return writeRunDir(dir, spec);
}

/** Writes `spec` into the existing `dir`, replacing the files it names. Returns `dir`. */
export async function writeRunDir(dir: string, spec: RunDirSpec): Promise<string> {
  const metrics = spec.metrics ?? [];
  const writes: Promise<void>[] = metrics.map((file, i) =>
    writeFile(
      join(dir, i === metrics.length - 1 ? METRICS_FILE : rotatedMetricsFile(i + 1)),
      ndjsonText(file),
    ),
  );
  const documents: Array<[string, DocumentSpec | undefined]> = [
    [SUMMARY_FILE, spec.summary],
    [RUN_FILE, spec.run],
    [SUPERVISOR_STATE_FILE, spec.supervisorState],
  ];
  for (const [name, document] of documents) {
    if (document !== undefined) writes.push(writeFile(join(dir, name), documentText(document)));
  }
  if (spec.supervisorLog !== undefined) {
    const log = spec.supervisorLog;
    writes.push(writeFile(join(dir, SUPERVISOR_LOG_FILE), typeof log === 'string' ? log : linesText(log)));
  }
  await Promise.all(writes);
  if (spec.heartbeat !== undefined) {
    const file = join(dir, HEARTBEAT_FILE);
    await writeFile(file, '');
    if (spec.heartbeat !== true) {
      const at = new Date(Date.now() - spec.heartbeat.ageMs);
      await utimes(file, at, at);
    }
  }
  for (const [name, content] of Object.entries(spec.files ?? {})) await writeOther(join(dir, name), content);
  return dir;
}

async function writeOther(path: string, content: string | Uint8Array | SpecialFileSpec): Promise<void> {
  if (typeof content === 'string' || content instanceof Uint8Array) return writeFile(path, content);
  if (content.kind === 'directory') await mkdir(path, { recursive: true });
  else if (content.kind === 'symlink') await symlink(content.target, path);
  else execFileSync('mkfifo', [path]);
}

function documentText(document: DocumentSpec): string {
  return typeof document === 'string' ? document : JSON.stringify(document);
}

function linesText(lines: ReadonlyArray<object | string>): string {
  return lines.map((line) => `${typeof line === 'string' ? line : JSON.stringify(line)}\n`).join('');
}

function ndjsonText(file: NdjsonFileSpec): string {
  return typeof file === 'string' ? file : linesText(file);
}

/** NDJSON text of events, one per line with a trailing newline. */
export function ndjson(events: ReadonlyArray<object>): string {
  return linesText(events);
}

/** JSON text nested `depth` levels deep: arrays (`[[[...]]]`) or objects (`{"a":{"a":...}}`). */
export function deepJson(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** The engine's stage order. */
export const STAGES = ['strategy', 'risk', 'exec', 'position'] as const;

/** Epoch ms of the first fixture event (the first candle of the shared BTC data set). */
export const T0 = Date.UTC(2019, 2, 29, 0, 0, 0);

/**
 * `steps` steps of four stage events each, one step a minute. Every 7th step's risk stage is rejected
 * (MAX_POSITION), every 11th step's exec stage errors (VENUE_TIMEOUT), every 4th fills one order (unless it
 * errors); latencies are deterministic.
 */
export function stageEvents(steps: number, firstStep = 1): StageEventLine[] {
  const events: StageEventLine[] = [];
  for (let step = firstStep; step < firstStep + steps; step++) {
    const ts = T0 + (step - 1) * 60_000;
    STAGES.forEach((stage, i) => {
      const event: StageEventLine = {
        v: 1,
        ts: ts + i,
        step,
        stage,
        outcome: 'ok',
        latency_ms: Number((0.1 * (i + 1) + (step % 10) * 0.01).toFixed(3)),
      };
      if (stage === 'risk' && step % 7 === 0) {
        event.outcome = 'rejected';
        event.reason = 'MAX_POSITION';
        event.detail = 'position=3 limit=2';
      }
      if (stage === 'exec' && step % 11 === 0) {
        event.outcome = 'error';
        event.reason = 'VENUE_TIMEOUT';
      }
      // Every 4th step's exec fills one order (as `loop run` writes it: orders sent and fills that step).
      if (stage === 'exec' && step % 4 === 0 && step % 11 !== 0) event.attrs = { orders: 1, fills: 1 };
      if (stage === 'position') event.attrs = { position: step % 3, equity: 10_000 + step * 1.5 };
      events.push(event);
    });
  }
  return events;
}

/** A valid summary with the given counters; stage figures are fixed, recognisable numbers. */
export function summaryOf(partial: Partial<MetricsSummary> = {}): MetricsSummary {
  return {
    v: 1,
    pid: null,
    process_start: T0,
    updated_at: T0 + 3_600_000,
    stage_events_count: 40,
    counters: { processed: 10, filled: 8, rejected: 1, errors: 0 },
    stages_by_name: {
      strategy: { count: 10, p50_ms: 0.123, p95_ms: 0.456, p99_ms: 0.789, max_ms: 1.5, mean_ms: 0.2 },
    },
    outcomes_by_stage: { strategy: { ok: 10, rejected: 0, error: 0 } },
    reasons_by_stage: {},
    gauges: { position: 2, equity: 10_015 },
    histogram: { lowest_us: 1, highest_us: 3_600_000_000, clamped: 0 },
    writer: { lines_written: 40, bytes_written: 4000, rotations: 0, write_errors: 0, last_write_error: null },
    ...partial,
  };
}

/** A valid run.json of a simulated run that completed at T0 + 1 h; `partial` replaces top-level fields. */
export function runRecordOf(partial: Partial<RunRecordDocument> = {}): RunRecordDocument {
  return {
    v: 1,
    command: 'loop run',
    status: 'ended',
    ended: 'completed',
    exit_code: 0,
    clock: 'simulated',
    seed: 42,
    exchange: 'paper',
    pid: null,
    started_at: new Date(T0).toISOString(),
    started_at_ms: T0,
    ended_at: new Date(T0 + 3_600_000).toISOString(),
    ended_at_ms: T0 + 3_600_000,
    versions: { '@loop/cli': '0.0.0-test' },
    settings: { seed: 42, 'max-steps': 60 },
    feed: { kind: 'synthetic', interval_ms: 60_000 },
    ...partial,
  };
}

/** A valid supervisor_state.json of a supervisor running its first child; `partial` replaces top-level fields. */
export function supervisorStateOf(partial: Partial<SupervisorState> = {}): SupervisorState {
  return {
    v: 1,
    status: 'running',
    supervisor_pid: 999_999,
    command: ['loop', 'run'],
    command_line: 'loop run',
    restart_policy: 'on-failure',
    max_restarts: 10,
    backoff_base_s: 1,
    backoff_cap_s: 60,
    jitter: false,
    reset_after_s: 60,
    kill_timeout_s: 10,
    heartbeat_file: null,
    heartbeat_timeout_s: null,
    prevent_restart_exit_status: [],
    attempt: 0,
    restarts: 0,
    child_pid: 999_998,
    child_started_at: new Date(T0).toISOString(),
    last_exit_code: null,
    last_signal: null,
    last_delay_ms: null,
    next_start_at: null,
    stop_signal: null,
    stop_reason: null,
    exit_code: null,
    started_at: new Date(T0).toISOString(),
    updated_at: new Date(T0).toISOString(),
    exits: [],
    ...partial,
  };
}
