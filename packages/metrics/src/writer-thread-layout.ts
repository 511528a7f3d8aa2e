// The shared memory between the loop's thread and the NDJSON writer thread: slot numbers and sizes.
import type { RotatingNdjsonWriterOptions, WriterHealthChange } from './rotating-ndjson-writer.js';

/** Bytes of the ring the loop's thread hands encoded lines over in (a power of two). */
export const WRITER_RING_BYTES = 256 * 1024;

/** Batch buffer of the writer thread's `RotatingNdjsonWriter` (and the loop thread's scratch for long lines). */
export const WRITER_BATCH_BYTES = 64 * 1024;

/**
 * The most lines the ring holds that the writer thread has not taken yet: the loop's thread waits for room
 * beyond it. With {@link WRITER_THREAD_BYTES}, what a SIGKILL can lose on top of the flush mode's bound.
 */
export const WRITER_THREAD_LINES = 2048;

/**
 * The most bytes of lines the writer thread itself holds unwritten (its batch buffer). A SIGKILL can lose
 * them and the ring's {@link WRITER_THREAD_LINES} lines on top of what the flush mode leaves unflushed.
 */
export const WRITER_THREAD_BYTES = WRITER_BATCH_BYTES;

/**
 * The ring holds records, each 8-byte aligned and contiguous: an Int32 header `[bytes, lines]`, then the
 * bytes: `lines` whole lines of text (0 for a piece of a line longer than a batch, which the next records
 * end), or, when `lines` is {@link ENTRIES}, a sequence of entries (below). A header of `bytes` =
 * {@link WRAP} says the next record starts at the ring's beginning.
 */
export const RECORD_HEADER_BYTES = 8;

/** Header `bytes` of a wrap marker. */
export const WRAP = -1;

/** Header `lines` of a record of entries. */
export const ENTRIES = -2;

/** Most payload bytes of a record of entries (a line longer than fits goes as a text record of its own). */
export const ENTRIES_RECORD_BYTES = 16 * 1024;

/** Most lines in a record of entries. */
export const ENTRIES_RECORD_LINES = 256;

/**
 * Entries of a record, each 8-byte aligned, starting with an Int32 whose low byte is the {@link Entry}:
 * - EVENT: a stage event's fields; the writer thread encodes its line (`encodeStageEvent`, the same bytes).
 *   Int32 `[type | outcome << 8 | extra << 10 | attrs << 16 | aggregate << 24, stageId]`, Float64 ts, step,
 *   latency_ms; with `extra`: Int32 `[reasonId (-1: none), shapeId (-1: none)]` and one Float64 per attribute
 *   value. `aggregate` (0: none) is 1 + the {@link AGGREGATE_SLOTS} slot whose latency histogram and outcome
 *   counts the thread adds the event to (the loop's thread then leaves it out of its own).
 * - TEXT: Int32 `[type, bytes, lines, 0]`, then `lines` whole lines (padded to 8).
 * - STRING: Int32 `[type, id, length, 0]`, then the string's UTF-16 code units (exact for any string).
 * - SHAPE: Int32 `[type, id, keys, 0]`, then `keys` Int32 string ids: an attrs object's keys in order.
 * Ids count from 0 in the order the loop's thread defines them; a definition comes before its first use.
 */
export const Entry = {
  EVENT: 1,
  TEXT: 2,
  STRING: 3,
  SHAPE: 4,
} as const;

/** Bytes of an EVENT entry without and with its extra part (plus 8 per attribute). */
export const EVENT_BYTES = 32;
export const EVENT_EXTRA_BYTES = 8;

/** Most attributes an EVENT entry carries (an event with more goes as TEXT). */
export const EVENT_MAX_ATTRS = 8;

/**
 * Stages whose events the writer thread can aggregate (a latency histogram and outcome counts each, in
 * shared memory: {@link AggregateTotal} then the histogram's counts).
 */
export const AGGREGATE_SLOTS = 8;

/** Float64 slots before a stage's histogram counts in the aggregates' shared memory. */
export const AggregateTotal = {
  /** count, clamped, sum and max: `LatencyHistogram.saveTotals`. */
  HISTOGRAM: 0,
  OK: 4,
  REJECTED: 5,
  ERROR: 6,
  /** Number of slots. */
  SIZE: 8,
} as const;

/** Outcome codes of an EVENT entry. */
export const OUTCOME_CODES = ['ok', 'rejected', 'error'] as const;

/** Bytes a record of `bytes` takes in the ring. */
export function recordBytes(bytes: number): number {
  return RECORD_HEADER_BYTES + ((bytes + 7) & ~7);
}

/** Int32 slots of the control array. Positions count bytes modulo 2^32. */
export const Slot = {
  /** Bytes the loop's thread has put in the ring. */
  WRITE: 0,
  /** Bytes the writer thread has taken out of the ring. */
  READ: 1,
  /** 1 while the writer thread waits for bytes (the loop's thread then wakes it). */
  WRITER_SLEEPING: 2,
  /** 1 while the loop's thread waits for room (the writer thread then wakes it). */
  LOOP_WAITING: 3,
  /** 1 once the loop's thread asks the writer thread to write everything, close the file and end. */
  CLOSE: 4,
  /** {@link ThreadState}. */
  STATE: 5,
  /** 1 when the writer thread's close() wrote every line. */
  CLOSED_CLEAN: 6,
  /** 1 once the loop's thread has closed its own writer: the thread may open the file. */
  GO: 7,
  /** Lines the writer thread has taken out of the ring (mod 2^32): the loop's thread bounds lines in flight. */
  LINES_TAKEN: 8,
  /**
   * A thread started ahead of its writer (`prestartWriterThread`): 0 while it waits to be taken, 1 once a
   * writer took it, -1 once it gave up waiting (it then ends). Set by compare-and-exchange on both sides.
   */
  ADOPTED: 9,
} as const;

/** Number of Int32 slots. */
export const CONTROL_SLOTS = 10;

/** Values of the STATE slot. */
export const ThreadState = {
  STARTING: 0,
  /** Loaded, waiting for GO (until then the loop's thread writes itself). */
  LOADED: 4,
  READY: 1,
  DONE: 2,
  /** The file could not be opened, or the thread failed: nothing more is written. */
  FAILED: 3,
} as const;

/** Float64 slots of the figures the writer thread publishes after each flush. */
export const Figure = {
  LINES_WRITTEN: 0,
  BYTES_WRITTEN: 1,
  ROTATIONS: 2,
  WRITE_ERRORS: 3,
  LINES_DROPPED: 4,
  ROTATED_FILES_DELETED: 5,
  /** 1 while writes fail. */
  FAILING: 6,
} as const;

/** Number of Float64 slots. */
export const FIGURE_SLOTS = 8;

/** What the loop's thread posts to the writer thread: its file's options, before GO. */
export interface WriterThreadOptionsMessage {
  type: 'options';
  options: Omit<RotatingNdjsonWriterOptions, 'fileSystem' | 'onHealthChange'>;
  /** Shared memory the thread aggregates events into ({@link AGGREGATE_SLOTS} stages), and the histograms' range. */
  aggregates?: { memory: SharedArrayBuffer; lowestUs: number; highestUs: number };
}

/** What the writer thread posts on its port (strings and lists; numbers go through the figures). */
export type WriterThreadMessage =
  | { type: 'open-failed'; message: string }
  | { type: 'health'; change: WriterHealthChange }
  | { type: 'last-error'; error: string | null }
  | { type: 'rotated'; numbers: number[] };
