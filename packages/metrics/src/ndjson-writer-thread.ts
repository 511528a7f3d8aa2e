// The NDJSON writer thread's entry: takes stage events and lines out of the shared ring, encodes the events'
// lines (the loop thread's encoder, the same bytes) and runs a RotatingNdjsonWriter.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { describeError } from './errors.js';
import { LatencyHistogram } from './latency-histogram.js';
import { RotatingNdjsonWriter } from './rotating-ndjson-writer.js';
import { formatStageEventLine, reusableStageEvent, type StageEvent } from './stage-event.js';
import { encodeStageEvent } from './stage-event-encoder.js';
import {
  AGGREGATE_SLOTS,
  AggregateTotal,
  ENTRIES,
  Entry,
  EVENT_BYTES,
  EVENT_EXTRA_BYTES,
  Figure,
  OUTCOME_CODES,
  RECORD_HEADER_BYTES,
  recordBytes,
  Slot,
  ThreadState,
  WRAP,
  type WriterThreadMessage,
  type WriterThreadOptionsMessage,
} from './writer-thread-layout.js';
import type { WriterThreadData } from './writer-thread-start.js';

/** How long the thread sleeps between retries while the disk fails (the in-thread writer retries on its 100 ms timer). */
const RETRY_MS = 100;
/** Longest sleep while idle: a wait is re-checked this often, so nothing hangs on a lost wake-up. */
const IDLE_MS = 1000;
/**
 * While lines keep coming, the thread naps this long between looks at the ring instead of sleeping until
 * woken: the loop's thread then hands records over without a system call (a wake-up costs it tens of µs,
 * and came every 1,024 lines). The loop's thread produces a few hundred lines in a nap; the ring holds
 * 2,048. A nap that finds nothing ends the streak: an idle thread sleeps until woken.
 */
const NAP_MS = 0.3;
/** True while the last look at the ring found lines: the thread naps instead of sleeping. */
let streak = false;

const data = workerData as WriterThreadData;
const control = new Int32Array(data.control);
const figures = new Float64Array(data.figures);
const ring = Buffer.from(data.ring);
const headers = new Int32Array(data.ring);
const doubles = new Float64Array(data.ring);
const chars = new Uint16Array(data.ring);
const mask = ring.length - 1;
const port = data.port;
const post = (message: WriterThreadMessage) => port.postMessage(message);

/** A line longer than a batch, arriving in pieces, until its last piece. */
let carry = Buffer.allocUnsafe(4096);
let carryLength = 0;

function keep(source: Buffer, start: number, end: number): void {
  const length = end - start;
  if (carryLength + length > carry.length) {
    const larger = Buffer.allocUnsafe(Math.max(carry.length * 2, carryLength + length));
    carry.copy(larger, 0, 0, carryLength);
    carry = larger;
  }
  source.copy(carry, carryLength, start, end);
  carryLength += length;
}

/** Appends a record's lines to the writer; a piece of a long line waits in `carry` until its end comes. */
function take(writer: RotatingNdjsonWriter, start: number, end: number, lines: number): void {
  if (lines === 0) {
    keep(ring, start, end);
    return;
  }
  if (carryLength === 0) {
    writer.writeLinesBytes(ring, start, end, lines);
    return;
  }
  // The last piece of a long line: it ends at the record's first newline.
  const newline = ring.indexOf(0x0a, start);
  const lineEnd = newline === -1 || newline >= end ? end : newline + 1;
  keep(ring, start, lineEnd);
  writer.writeLineBytes(carry, 0, carryLength);
  carryLength = 0;
  if (lineEnd < end) writer.writeLinesBytes(ring, lineEnd, end, lines - 1);
}

/** The strings and attribute key sets the loop's thread defined, by id. */
const strings: string[] = [];
interface Shape {
  keys: string[];
  /** One attrs object per key set, refilled for each event (the encoder reads it at once). */
  attrs: Record<string, number>;
}
const shapes: Shape[] = [];
/** One event object, refilled for each EVENT entry. */
const event: StageEvent = reusableStageEvent();

/** The stages' histograms the loop's thread has us aggregate events into (over shared memory), by slot. */
const histograms: LatencyHistogram[] = [];
/** Each slot's totals and outcome counts, then its histogram's counts, in shared memory. */
let aggregates: Float64Array | undefined;
let aggregateStride = 0;
/** Bit per slot: aggregated into since its totals were last published. */
let aggregatesDirty = 0;

function openAggregates(shared: NonNullable<WriterThreadOptionsMessage['aggregates']>): void {
  const range = { lowestUs: shared.lowestUs, highestUs: shared.highestUs };
  const length = LatencyHistogram.countsLength(range);
  aggregateStride = AggregateTotal.SIZE + length;
  aggregates = new Float64Array(shared.memory);
  for (let slot = 0; slot < AGGREGATE_SLOTS; slot++) {
    const at = slot * aggregateStride + AggregateTotal.SIZE;
    histograms.push(LatencyHistogram.over(range, aggregates.subarray(at, at + length)));
  }
}

/** Adds an event to slot's histogram and outcome counts (the loop's thread left it out of its own). */
function aggregate(slot: number, outcome: number, latencyMs: number): void {
  histograms[slot]!.recordMs(latencyMs);
  aggregates![slot * aggregateStride + AggregateTotal.OK + outcome]!++;
  aggregatesDirty |= 1 << slot;
}

/** Publishes the totals of the slots aggregated into, before the loop's thread may see the record taken. */
function publishAggregates(): void {
  for (let slot = 0; aggregatesDirty !== 0; slot++, aggregatesDirty >>>= 1) {
    if ((aggregatesDirty & 1) !== 0) {
      histograms[slot]!.saveTotals(aggregates!, slot * aggregateStride + AggregateTotal.HISTOGRAM);
    }
  }
}

/** Writes the lines of a record of entries `[start, end)`; returns how many lines it held. */
function takeEntries(writer: RotatingNdjsonWriter, start: number, end: number): number {
  let lines = 0;
  let at = start;
  while (at < end) {
    const i = at >> 2;
    const head = headers[i]!;
    switch (head & 0xff) {
      case Entry.EVENT: {
        const d = at >> 3;
        const outcome = (head >> 8) & 3;
        event.stage = strings[headers[i + 1]!]!;
        event.outcome = OUTCOME_CODES[outcome]!;
        event.ts = doubles[d + 1]!;
        event.step = doubles[d + 2]!;
        event.latency_ms = doubles[d + 3]!;
        const slot = (head >>> 24) & 0xf;
        if (slot !== 0) aggregate(slot - 1, outcome, event.latency_ms);
        at += EVENT_BYTES;
        if ((head & (1 << 10)) === 0) {
          event.reason = undefined;
          event.attrs = undefined;
        } else {
          const reason = headers[i + 8]!;
          const shape = headers[i + 9]!;
          event.reason = reason < 0 ? undefined : strings[reason];
          const n = (head >>> 16) & 0xff;
          if (shape < 0) event.attrs = undefined;
          else {
            const { keys, attrs } = shapes[shape]!;
            for (let k = 0; k < n; k++) attrs[keys[k]!] = doubles[d + 5 + k]!;
            event.attrs = attrs;
          }
          at += EVENT_EXTRA_BYTES + 8 * n;
        }
        writer.writeEncoded(event, encodeStageEvent, formatStageEventLine);
        lines++;
        break;
      }
      case Entry.TEXT: {
        const bytes = headers[i + 1]!;
        const count = headers[i + 2]!;
        writer.writeLinesBytes(ring, at + 16, at + 16 + bytes, count);
        lines += count;
        at += 16 + ((bytes + 7) & ~7);
        break;
      }
      case Entry.STRING: {
        const length = headers[i + 2]!;
        const from = (at + 16) >> 1;
        let text = '';
        for (let c = 0; c < length; c += 1024) {
          text += String.fromCharCode(...chars.subarray(from + c, from + Math.min(length, c + 1024)));
        }
        strings[headers[i + 1]!] = text;
        at += 16 + ((2 * length + 7) & ~7);
        break;
      }
      case Entry.SHAPE: {
        const count = headers[i + 2]!;
        const keys: string[] = [];
        const attrs: Record<string, number> = {};
        for (let k = 0; k < count; k++) {
          const key = strings[headers[i + 4 + k]!]!;
          keys.push(key);
          // defineProperty: a key such as `__proto__` becomes a property, as it was in the caller's attrs.
          Object.defineProperty(attrs, key, {
            value: 0,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        }
        shapes[headers[i + 1]!] = { keys, attrs };
        at += 16 + ((4 * count + 7) & ~7);
        break;
      }
      default:
        throw new Error(`unknown ring entry ${head & 0xff} at ${at}`);
    }
  }
  return lines;
}

/** The file's options, which the loop's thread posted before GO (and the aggregates' memory, if any). */
function receiveOptions(): WriterThreadOptionsMessage['options'] {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    const message = m.message as WriterThreadOptionsMessage;
    if (message.type === 'options') {
      if (message.aggregates !== undefined) openAggregates(message.aggregates);
      return message.options;
    }
  }
  throw new Error('no options before GO');
}

let linesTaken = 0;
let lastError: string | null = null;
let rotatedCount = -1;
let lastRotated: number | undefined;

function publish(writer: RotatingNdjsonWriter): void {
  const stats = writer.getStats();
  figures[Figure.LINES_WRITTEN] = stats.lines_written;
  figures[Figure.BYTES_WRITTEN] = stats.bytes_written;
  figures[Figure.ROTATIONS] = stats.rotations;
  figures[Figure.WRITE_ERRORS] = stats.write_errors;
  figures[Figure.LINES_DROPPED] = stats.lines_dropped;
  figures[Figure.ROTATED_FILES_DELETED] = stats.rotated_files_deleted;
  if (stats.last_write_error !== lastError) {
    lastError = stats.last_write_error;
    post({ type: 'last-error', error: lastError });
  }
  // The rotated files' numbers, when they changed (at most once a flush; the list is short).
  const rotated = writer.rotatedNumbers();
  if (rotated.length !== rotatedCount || rotated.at(-1) !== lastRotated) {
    rotatedCount = rotated.length;
    lastRotated = rotated.at(-1);
    post({ type: 'rotated', numbers: [...rotated] });
  }
}

function run(): void {
  // The loop's thread writes by itself until it sees us loaded (a thread takes a few hundred ms to start on a
  // busy machine); it closes its writer, then says GO, and we reopen the file where it left it.
  Atomics.store(control, Slot.STATE, ThreadState.LOADED);
  Atomics.notify(control, Slot.STATE);
  // Started ahead of its writer (prestartWriterThread): wait so long to be taken, then end.
  const giveUpAt = data.waitMs > 0 ? Date.now() + data.waitMs : Number.POSITIVE_INFINITY;
  while (Atomics.load(control, Slot.GO) === 0) {
    if (
      Atomics.load(control, Slot.CLOSE) === 1 ||
      (Date.now() >= giveUpAt && Atomics.compareExchange(control, Slot.ADOPTED, 0, -1) === 0)
    ) {
      Atomics.store(control, Slot.CLOSED_CLEAN, 1);
      Atomics.store(control, Slot.STATE, ThreadState.DONE);
      Atomics.notify(control, Slot.STATE);
      return;
    }
    Atomics.wait(control, Slot.GO, 0, Math.min(IDLE_MS, Math.max(1, giveUpAt - Date.now())));
  }
  let failing = false;
  let writer: RotatingNdjsonWriter;
  try {
    writer = new RotatingNdjsonWriter({
      ...receiveOptions(),
      onHealthChange: (change) => {
        failing = change.state === 'failing';
        figures[Figure.FAILING] = failing ? 1 : 0;
        post({ type: 'health', change });
      },
    });
  } catch (error) {
    post({ type: 'open-failed', message: describeError(error) });
    Atomics.store(control, Slot.STATE, ThreadState.FAILED);
    Atomics.notify(control, Slot.STATE);
    return;
  }
  publish(writer);
  Atomics.store(control, Slot.STATE, ThreadState.READY);
  Atomics.notify(control, Slot.STATE);
  for (;;) {
    const write = Atomics.load(control, Slot.WRITE);
    const read = control[Slot.READ]!;
    if (write !== read) {
      const at = read & mask;
      const bytes = headers[at >> 2]!;
      let next: number;
      if (bytes === WRAP) next = read + (ring.length - at);
      else {
        const lines = headers[(at >> 2) + 1]!;
        const start = at + RECORD_HEADER_BYTES;
        if (lines === ENTRIES) {
          linesTaken = (linesTaken + takeEntries(writer, start, start + bytes)) | 0;
          if (aggregatesDirty !== 0) publishAggregates();
        } else {
          take(writer, start, start + bytes, lines);
          linesTaken = (linesTaken + lines) | 0;
        }
        next = read + recordBytes(bytes);
      }
      Atomics.store(control, Slot.LINES_TAKEN, linesTaken);
      Atomics.store(control, Slot.READ, next | 0);
      if (Atomics.load(control, Slot.LOOP_WAITING) === 1) Atomics.notify(control, Slot.READ);
      continue;
    }
    // Nothing more handed over: write the batch now (the flush mode decided when the loop handed it over).
    writer.flush();
    publish(writer);
    if (Atomics.load(control, Slot.CLOSE) === 1 && Atomics.load(control, Slot.WRITE) === read) {
      const clean = writer.close();
      publish(writer);
      Atomics.store(control, Slot.CLOSED_CLEAN, clean ? 1 : 0);
      Atomics.store(control, Slot.STATE, ThreadState.DONE);
      Atomics.notify(control, Slot.STATE);
      return;
    }
    if (streak && !failing) {
      // Lines kept coming: nap, and look again, without asking the loop's thread to wake us. A nap that
      // finds nothing new ends the streak.
      if (Atomics.load(control, Slot.WRITE) === read && Atomics.load(control, Slot.CLOSE) === 0) {
        Atomics.wait(control, Slot.WRITE, read, NAP_MS);
      }
      streak = Atomics.load(control, Slot.WRITE) !== read;
      continue;
    }
    Atomics.store(control, Slot.WRITER_SLEEPING, 1);
    if (Atomics.load(control, Slot.WRITE) === read && Atomics.load(control, Slot.CLOSE) === 0) {
      Atomics.wait(control, Slot.WRITE, read, failing ? RETRY_MS : IDLE_MS);
    }
    streak = true;
    Atomics.store(control, Slot.WRITER_SLEEPING, 0);
  }
}

try {
  run();
} catch (error) {
  // A bug, not a disk failure (those are counted by the writer): say so, and let the loop's thread stop waiting.
  post({ type: 'last-error', error: `writer thread failed: ${describeError(error)}` });
  Atomics.store(control, Slot.STATE, ThreadState.FAILED);
  Atomics.notify(control, Slot.STATE);
} finally {
  port.close();
}
