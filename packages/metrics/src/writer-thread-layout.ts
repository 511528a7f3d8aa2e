// The shared memory between the loop's thread and the NDJSON writer thread: slot numbers and sizes.
import type { WriterHealthChange } from './rotating-ndjson-writer.js';

/** Bytes of the ring the loop's thread hands encoded lines over in (a power of two). */
export const WRITER_RING_BYTES = 256 * 1024;

/** Batch buffer of the writer thread's `RotatingNdjsonWriter` (and of the loop thread's side). */
export const WRITER_BATCH_BYTES = 64 * 1024;

/**
 * The most bytes of lines the writer thread can hold that are not yet in the file: a full ring plus its own
 * batch buffer. A SIGKILL can lose them on top of what the flush mode leaves unflushed.
 */
export const WRITER_THREAD_BYTES = WRITER_RING_BYTES + WRITER_BATCH_BYTES;

/**
 * The ring holds records, each 8-byte aligned and contiguous: an Int32 header `[bytes, lines]`, then the
 * bytes (`lines` whole lines; 0 for a piece of a line longer than a batch, which the next records end).
 * A header of `bytes` = {@link WRAP} says the next record starts at the ring's beginning.
 */
export const RECORD_HEADER_BYTES = 8;

/** Header `bytes` of a wrap marker. */
export const WRAP = -1;

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
} as const;

/** Number of Int32 slots. */
export const CONTROL_SLOTS = 8;

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

/** What the writer thread posts on its port (strings and lists; numbers go through the figures). */
export type WriterThreadMessage =
  | { type: 'open-failed'; message: string }
  | { type: 'health'; change: WriterHealthChange }
  | { type: 'last-error'; error: string | null }
  | { type: 'rotated'; numbers: number[] };
