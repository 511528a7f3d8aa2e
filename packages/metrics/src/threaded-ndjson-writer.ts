// The loop thread's side of the NDJSON writer thread: stage events go into a shared ring as their fields
// (the thread encodes the lines), other lines as bytes; the thread writes and rotates.
import * as path from 'node:path';
import { type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { describeError, MetricsError } from './errors.js';
import { LatencyHistogram, type LatencyRange } from './latency-histogram.js';
import {
  checkRotateOptions,
  type MetricsLineWriter,
  RotatingNdjsonWriter,
  type RotatingNdjsonWriterOptions,
  type WriterHealthChange,
  type WriterStats,
} from './rotating-ndjson-writer.js';
import { formatStageEventLine, type StageEvent } from './stage-event.js';
import { encodeStageEvent } from './stage-event-encoder.js';
import {
  AGGREGATE_SLOTS,
  AggregateTotal,
  ENTRIES,
  ENTRIES_RECORD_BYTES,
  ENTRIES_RECORD_LINES,
  Entry,
  EVENT_BYTES,
  EVENT_EXTRA_BYTES,
  EVENT_MAX_ATTRS,
  Figure,
  RECORD_HEADER_BYTES,
  recordBytes,
  Slot,
  ThreadState,
  WRAP,
  WRITER_BATCH_BYTES,
  WRITER_RING_BYTES,
  WRITER_THREAD_LINES,
  type WriterThreadMessage,
  type WriterThreadOptionsMessage,
} from './writer-thread-layout.js';
import {
  startWriterThread,
  takePrestartedWriterThread,
  type WriterThreadHandle,
} from './writer-thread-start.js';

/** Longest wait for the thread to open the file, or to write everything at close, before giving up on it. */
const THREAD_DEADLINE_MS = 60_000;

/** Longest wait of {@link ThreadedNdjsonWriter.syncAggregates} for the thread to take what it was handed. */
export const AGGREGATE_SYNC_MS = 1000;

/**
 * Lines waiting in the ring before a record handed over as it fills wakes a sleeping writer thread (a flush
 * always does): each wake-up is a system call on both threads, so the thread is woken for a few records at
 * once, with room left in the ring for the loop to go on meanwhile.
 */
const WAKE_LINES = WRITER_THREAD_LINES / 2;

/** Largest EVENT entry. */
const MAX_EVENT_BYTES = EVENT_BYTES + EVENT_EXTRA_BYTES + 8 * EVENT_MAX_ATTRS;
/** Header of a TEXT, STRING or SHAPE entry. */
const ENTRY_HEADER_BYTES = 16;
/** Longest line that goes in a record of entries; longer ones get text records of their own. */
const MAX_TEXT_ENTRY_BYTES = ENTRIES_RECORD_BYTES - ENTRY_HEADER_BYTES;
/** Most strings (stage names, reasons, attribute keys) and attribute key sets sent by id; beyond, events go as text. */
const MAX_STRINGS = 4096;
const MAX_SHAPES = 256;
/** Longest string sent by id (the line schema's limit for stages and reasons). */
const MAX_STRING_LENGTH = 256;

const align8 = (n: number) => (n + 7) & ~7;

/** {@link ThreadedNdjsonWriter.writeLaneEvent}'s answers. @internal */
export const LaneWrite = {
  /** Not written: the caller writes it another way. */
  NOT_TAKEN: 0,
  /** Written (or counted as dropped); the caller aggregates it. */
  TAKEN: 1,
  /** Written, and the writer thread aggregates it into the slot given. */
  AGGREGATED: 2,
} as const;

/**
 * A stage's aggregates kept by the writer thread (events it was given with {@link ThreadedNdjsonWriter.writeLaneEvent}'s
 * slot), read after {@link ThreadedNdjsonWriter.syncAggregates}. @internal
 */
export interface ThreadAggregate {
  /** The slot to give writeLaneEvent. */
  readonly slot: number;
  /** The histogram the thread records into (its counts are the shared memory); call {@link load} first. */
  readonly histogram: LatencyHistogram;
  /** Outcome counts: [ok, rejected, error]. */
  readonly outcomes: Float64Array;
  /** Brings {@link histogram}'s totals up to what the thread last published. */
  load(): void;
}

/**
 * A {@link MetricsLineWriter} whose file work (write(2), rotation, pruning, fsync, disk-full handling) runs
 * on a worker thread, with the same code and guarantees as {@link RotatingNdjsonWriter} (pino's
 * thread-stream design). The loop's thread writes straight into a shared ring: a stage event
 * ({@link writeStageEvent}) as its fields (numbers, and ids of its stage, reason and attribute names), which
 * the thread encodes into the very bytes `encodeStageEvent` gives; any other line as its bytes. Order is
 * kept; the ring holds at most {@link WRITER_THREAD_LINES} lines the thread has not taken; a full ring makes
 * the loop's thread wait, nothing is dropped for speed. `close()` waits until every line is written.
 * Figures come back through shared memory.
 *
 * Until the thread has started (a few hundred ms on a busy machine), the loop's thread writes with a
 * {@link RotatingNdjsonWriter} of its own, so the loop never waits for the thread to start; at the first
 * flush after the thread is loaded (and while writes succeed) it closes that writer and the thread reopens
 * the file where it was left, as a restart does: the files are the same bytes, the figures add up. A thread
 * started ahead by `prestartWriterThread()` is taken instead, and from the first line when it is up.
 */
export class ThreadedNdjsonWriter implements MetricsLineWriter {
  readonly file: string;
  /** Scratch for lines encoded by a caller's encoder, and pieces of lines too long for a record. */
  private readonly batch = Buffer.allocUnsafe(WRITER_BATCH_BYTES);
  private readonly control: Int32Array;
  private readonly figures: Float64Array;
  private readonly ring: Buffer;
  private readonly ints: Int32Array;
  private readonly doubles: Float64Array;
  private readonly chars: Uint16Array;
  private readonly mask: number;
  /** Bytes put in the ring so far (mod 2^32), as the WRITE slot holds them. */
  private written = 0;
  /** Lines put in the ring so far (mod 2^32). */
  private linesPut = 0;
  /** The open record of entries: its header's offset (-1: none), where the next entry goes, its end. */
  private recordAt = -1;
  private recordEnd = 0;
  private recordLimit = 0;
  private recordLines = 0;
  /** Bytes skipped to the ring's start before the open record (its wrap marker). */
  private recordSkip = 0;
  /** Offset of the open record's last entry when it is TEXT (lines are appended to it); -1 otherwise. */
  private textAt = -1;
  /** Ids of the strings and attribute key sets the thread knows. */
  private readonly strings = new Map<string, number>();
  private readonly shapes: string[][] = [];
  /** An event's attribute keys while its entry is written. */
  private readonly keys: string[] = new Array(EVENT_MAX_ATTRS).fill('');
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly onHealthChange: ((change: WriterHealthChange) => void) | undefined;
  private lastError: string | null = null;
  private rotated: number[] = [];
  /** Lines refused here: after close, or when the thread is gone. */
  private droppedHere = 0;
  private draining = false;
  private closed = false;
  private closedClean = true;
  /** The loop thread's own writer, until the thread takes over. */
  private direct: RotatingNdjsonWriter | undefined;
  /** The aggregates' shared memory (see {@link aggregateOf}), their histograms' range and a slot's length. */
  private readonly aggregateMemory: Float64Array | undefined;
  private readonly aggregateRange: LatencyRange | undefined;
  private readonly aggregateStride: number = 0;
  /** Stages given a slot, in order. */
  private readonly aggregateStages: string[] = [];
  /** True while the thread is up and takes events to aggregate (checked as each record opens). */
  private aggregating = false;
  /** True once an event went to the thread to aggregate: {@link syncAggregates} has something to wait for. */
  private aggregatedAny = false;
  /** The direct writer's final figures, added to the thread's. */
  private base: WriterStats | undefined;

  /**
   * Opens the file on the loop's thread (so an unusable run dir throws here, as {@link RotatingNdjsonWriter}'s
   * constructor does) and starts the thread. `fileSystem` is not supported (it cannot cross threads).
   */
  /**
   * @param aggregateRange the collector's histogram range: given, stage lanes' events may be aggregated by the
   * thread ({@link aggregateOf}).
   */
  constructor(options: RotatingNdjsonWriterOptions, aggregateRange?: LatencyRange) {
    if (options.fileSystem !== undefined) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        'fileSystem cannot be used with the writer thread',
        { context: { option: 'fileSystem' } },
      );
    }
    checkRotateOptions(options);
    const dir = path.resolve(options.dir);
    this.onHealthChange = options.onHealthChange;
    this.direct = new RotatingNdjsonWriter({ ...options, dir });
    this.file = this.direct.file;
    let thread: WriterThreadHandle;
    try {
      thread = takePrestartedWriterThread() ?? startWriterThread();
    } catch (error) {
      this.direct.close();
      throw new MetricsError(
        'LOOP_METRICS_OPEN_FAILED',
        `cannot start the writer thread: ${describeError(error)}`,
        {
          cause: error,
          context: { file: this.file },
        },
      );
    }
    this.worker = thread.worker;
    this.port = thread.port;
    this.control = new Int32Array(thread.control);
    this.figures = new Float64Array(thread.figures);
    this.ring = Buffer.from(thread.ring);
    this.ints = new Int32Array(thread.ring);
    this.doubles = new Float64Array(thread.ring);
    this.chars = new Uint16Array(thread.ring);
    this.mask = WRITER_RING_BYTES - 1;
    const message: WriterThreadOptionsMessage = {
      type: 'options',
      options: {
        dir,
        maxLines: options.maxLines,
        maxBytes: options.maxBytes,
        keep: options.keep,
        maxTotalBytes: options.maxTotalBytes,
        fsync: options.fsync,
        bufferBytes: options.bufferBytes ?? WRITER_BATCH_BYTES,
      },
    };
    if (aggregateRange !== undefined) {
      this.aggregateRange = aggregateRange;
      this.aggregateStride = AggregateTotal.SIZE + LatencyHistogram.countsLength(aggregateRange);
      const memory = new SharedArrayBuffer(AGGREGATE_SLOTS * this.aggregateStride * 8);
      this.aggregateMemory = new Float64Array(memory);
      message.aggregates = { memory, lowestUs: aggregateRange.lowestUs, highestUs: aggregateRange.highestUs };
    }
    this.port.postMessage(message);
    this.worker.unref();
    this.port.on('message', (message: WriterThreadMessage) => this.onMessage(message));
    this.port.unref();
    // A prestarted thread is usually up by now: it writes from the first line.
    if (Atomics.load(this.control, Slot.STATE) === ThreadState.LOADED) this.handToThread(this.direct);
  }

  /** True once the thread writes the file (before, the loop's thread does). */
  get onThread(): boolean {
    return this.direct === undefined && !this.closed;
  }

  /** Appends one line; it must end with `\n` and contain no other newline. Never throws. */
  writeLine(line: string): void {
    if (this.direct !== undefined) {
      this.direct.writeLine(line);
      return;
    }
    if (this.closed) {
      this.droppedHere++;
      return;
    }
    // Room for the most bytes the line can take (3 a UTF-16 unit); its exact length only when that is a lot.
    let bytes = line.length * 3;
    if (bytes > MAX_TEXT_ENTRY_BYTES) {
      bytes = Buffer.byteLength(line);
      if (bytes > MAX_TEXT_ENTRY_BYTES) {
        this.writeLong(Buffer.from(line));
        return;
      }
    }
    if (!this.textRoom(bytes)) {
      this.droppedHere++;
      return;
    }
    this.textWritten(this.ring.write(line, this.recordEnd));
  }

  /** As {@link RotatingNdjsonWriter.writeEncoded}: the line is encoded into a scratch buffer, then put in the ring. */
  writeEncoded<T>(
    value: T,
    encode: (value: T, out: Buffer, at: number) => number,
    text: (value: T) => string,
  ): void {
    if (this.direct !== undefined) {
      this.direct.writeEncoded(value, encode, text);
      return;
    }
    if (this.closed) {
      this.droppedHere++;
      return;
    }
    const end = encode(value, this.batch, 0);
    if (end < 0) this.writeLine(text(value));
    else this.writeBytes(this.batch, end);
  }

  /**
   * Appends the line of a stage event, byte for byte what `encodeStageEvent` writes: on the thread, its
   * fields go into the ring and the thread encodes the line (an event with a detail or a text attribute
   * goes as its line). Keep the event unchanged until this returns only. Never throws.
   */
  writeStageEvent(event: StageEvent): void {
    if (this.direct !== undefined) {
      this.direct.writeEncoded(event, encodeStageEvent, formatStageEventLine);
      return;
    }
    if (this.closed) {
      this.droppedHere++;
      return;
    }
    if (event.detail !== undefined) {
      this.writeEncoded(event, encodeStageEvent, formatStageEventLine);
      return;
    }
    const stage = this.strings.get(event.stage);
    const reason = event.reason === undefined ? -1 : this.strings.get(event.reason);
    if (stage === undefined || reason === undefined) {
      this.defineThenWrite(event);
      return;
    }
    const at = this.eventAt();
    if (at < 0) return;
    const attrs = event.attrs;
    let n = 0;
    let shape = -1;
    if (attrs !== undefined) {
      // The values go straight to their place; the keys are matched against the known key sets after.
      const keys = this.keys;
      const doubles = this.doubles;
      const d = at >> 3;
      for (const key in attrs) {
        const value = attrs[key];
        if (typeof value !== 'number' || n === EVENT_MAX_ATTRS) {
          this.writeEncoded(event, encodeStageEvent, formatStageEventLine);
          return;
        }
        keys[n] = key;
        doubles[d + 5 + n] = value;
        n++;
      }
      shape = this.shapeOf(keys, n);
      if (shape < 0) {
        this.defineThenWrite(event);
        return;
      }
    }
    this.putEvent(at, event, stage, reason, shape, n);
  }

  /**
   * @internal {@link writeStageEvent} for a stage lane's event, when the thread writes and knows the lane's ids
   * (`ids`: of its stage and of its attribute keys, -1 until known; see {@link learnLaneIds}): only a reason is
   * looked up, and the attribute values are `values` (the lane's keys, in order) when `event.attrs` is set.
   * With `slot` (an {@link aggregateOf} slot; -1: none) the thread aggregates the event if it can.
   * Returns {@link LaneWrite}: NOT_TAKEN, writing nothing, for an event it does not take (a detail, an unknown
   * reason or id, the thread not writing yet): the caller then writes it with {@link writeStageEvent}.
   */
  writeLaneEvent(
    event: StageEvent,
    ids: { stage: number; shape: number },
    values: ArrayLike<number> | undefined,
    n: number,
    slot = -1,
  ): number {
    if (ids.stage < 0 || (values !== undefined && ids.shape < 0) || event.detail !== undefined) {
      return LaneWrite.NOT_TAKEN;
    }
    if (this.direct !== undefined || this.closed) return LaneWrite.NOT_TAKEN;
    let reason = -1;
    if (event.reason !== undefined) {
      const id = this.strings.get(event.reason);
      if (id === undefined) return LaneWrite.NOT_TAKEN;
      reason = id;
    }
    const at = this.eventAt();
    if (at < 0) return LaneWrite.TAKEN;
    let shape = -1;
    if (values !== undefined) {
      const doubles = this.doubles;
      const d = at >> 3;
      for (let k = 0; k < n; k++) doubles[d + 5 + k] = values[k]!;
      shape = ids.shape;
    } else n = 0;
    const aggregate = slot >= 0 && this.aggregating ? slot + 1 : 0;
    this.putEvent(at, event, ids.stage, reason, shape, n, aggregate);
    if (aggregate === 0) return LaneWrite.TAKEN;
    this.aggregatedAny = true;
    return LaneWrite.AGGREGATED;
  }

  /**
   * @internal Writes `count` `ok` events of `step` without reason or detail, event i of stage id `stages[i]`
   * at `ts[i]` taking `latencyMs[i]`, with the values `values[i]` of key set `shapes[i]` when `withValues[i]`
   * (ids known to the thread; numbers checked by the caller), in one room check. Event i is given to the
   * thread to aggregate into slot `slots[i]` (-1: none) if the thread aggregates now. Returns -1, writing
   * nothing, when it cannot take them all (the loop's thread writes, the writer is closed, or the thread is
   * gone): the caller then records them one by one. Else a bit per event the thread aggregates.
   */
  writeOkEvents(
    count: number,
    step: number,
    stages: Int32Array,
    shapes: Int32Array,
    slots: Int32Array,
    ts: Float64Array,
    latencyMs: Float64Array,
    values: readonly Float64Array[],
    withValues: Uint8Array,
  ): number {
    if (this.direct !== undefined || this.closed) return -1;
    let at = this.eventsAt(count);
    if (at < 0) return -1;
    const doubles = this.doubles;
    const aggregating = this.aggregating;
    let aggregated = 0;
    for (let e = 0; e < count; e++) {
      let aggregate = 0;
      const slot = slots[e]!;
      if (aggregating && slot >= 0) {
        aggregate = slot + 1;
        aggregated |= 1 << e;
      }
      let n = 0;
      let shape = -1;
      if (withValues[e] !== 0) {
        const from = values[e]!;
        const d = at >> 3;
        n = from.length;
        for (let k = 0; k < n; k++) doubles[d + 5 + k] = from[k]!;
        shape = shapes[e]!;
      }
      at = this.eventEntry(at, stages[e]!, 0, ts[e]!, step, latencyMs[e]!, -1, shape, n, aggregate);
    }
    this.recordEnd = at;
    this.recordLines += count;
    if (aggregated !== 0) this.aggregatedAny = true;
    return aggregated;
  }

  /**
   * @internal The thread's aggregates of `stage`, given a slot on first use; undefined when the writer was made
   * without an aggregate range or every slot is taken (the caller then aggregates the stage itself).
   */
  aggregateOf(stage: string): ThreadAggregate | undefined {
    const memory = this.aggregateMemory;
    if (memory === undefined) return undefined;
    let slot = this.aggregateStages.indexOf(stage);
    if (slot < 0) {
      if (this.aggregateStages.length === AGGREGATE_SLOTS) return undefined;
      slot = this.aggregateStages.push(stage) - 1;
    }
    const base = slot * this.aggregateStride;
    const histogram = LatencyHistogram.over(
      this.aggregateRange!,
      memory.subarray(base + AggregateTotal.SIZE, base + this.aggregateStride),
    );
    return {
      slot,
      histogram,
      outcomes: memory.subarray(base + AggregateTotal.OK, base + AggregateTotal.OK + 3),
      load: () => histogram.loadTotals(memory, base + AggregateTotal.HISTOGRAM),
    };
  }

  /**
   * @internal Hands the open record over and waits until the thread has taken everything in the ring, so that
   * its aggregates ({@link aggregateOf}) count every event given to it. Returns at once if none was, once the
   * writer is closed (the thread has taken all it ever will), or when the thread is gone; waits at most
   * {@link AGGREGATE_SYNC_MS} (a thread stuck in a slow write(2) or fsync must not stall the loop: the stats
   * then lag by what it has not taken). Never throws.
   */
  syncAggregates(): void {
    if (!this.aggregatedAny || this.direct !== undefined || this.closed) return;
    this.handOver();
    this.wake();
    this.waitForThread((read) => read === this.written, AGGREGATE_SYNC_MS);
  }

  /** @internal After {@link writeStageEvent} of a lane's event: the ids the thread now knows for it (-1: none). */
  learnLaneIds(
    stage: string,
    keys: readonly string[] | undefined,
    ids: { stage: number; shape: number },
  ): void {
    if (this.direct !== undefined || this.closed) return;
    ids.stage = this.strings.get(stage) ?? -1;
    if (keys !== undefined) ids.shape = this.shapeOf(keys, keys.length);
  }

  /** Where an EVENT entry goes in the open record (opening one if needed); -1 when the line is dropped. */
  private eventAt(): number {
    const at = this.eventsAt(1);
    if (at < 0) this.droppedHere++;
    return at;
  }

  /** Where `count` EVENT entries go in the open record (opening one if needed); -1 when there is no room. */
  private eventsAt(count: number): number {
    if (this.textAt >= 0) this.endText();
    if (
      this.recordAt >= 0 &&
      this.recordLines + count <= ENTRIES_RECORD_LINES &&
      this.recordEnd + count * MAX_EVENT_BYTES <= this.recordLimit
    )
      return this.recordEnd;
    return this.openRecord() ? this.recordEnd : -1;
  }

  /**
   * Completes the EVENT entry of `event` at `at` (its `n` attribute values are in place already) and counts its
   * line; `aggregate`: 0, or 1 + the thread's aggregate slot.
   */
  private putEvent(
    at: number,
    event: StageEvent,
    stage: number,
    reason: number,
    shape: number,
    n: number,
    aggregate = 0,
  ): void {
    const outcome = event.outcome === 'ok' ? 0 : event.outcome === 'rejected' ? 1 : 2;
    this.recordEnd = this.eventEntry(
      at,
      stage,
      outcome,
      event.ts,
      event.step,
      event.latency_ms,
      reason,
      shape,
      n,
      aggregate,
    );
    this.recordLines++;
  }

  /**
   * Writes an EVENT entry at `at` (its `n` attribute values are in place already; layout: {@link Entry});
   * returns where the next entry goes. Does not count the line.
   */
  private eventEntry(
    at: number,
    stage: number,
    outcome: number,
    ts: number,
    step: number,
    latencyMs: number,
    reason: number,
    shape: number,
    n: number,
    aggregate: number,
  ): number {
    const i = at >> 2;
    const d = at >> 3;
    const doubles = this.doubles;
    const ints = this.ints;
    doubles[d + 1] = ts;
    doubles[d + 2] = step;
    doubles[d + 3] = latencyMs;
    let size = EVENT_BYTES;
    let head = Entry.EVENT | (outcome << 8) | (aggregate << 24);
    if (shape >= 0 || reason !== -1) {
      ints[i + 8] = reason;
      ints[i + 9] = shape;
      head |= (1 << 10) | (n << 16);
      size = EVENT_BYTES + EVENT_EXTRA_BYTES + 8 * n;
    }
    ints[i] = head;
    ints[i + 1] = stage;
    return at + size;
  }

  /**
   * Hands the open record to the writer thread, which writes it at once. Returns false while writes fail (as
   * the thread last said); the lines stay queued there and are retried.
   */
  flush(): boolean {
    const direct = this.direct;
    if (direct !== undefined) {
      const flushed = direct.flush();
      if (flushed && Atomics.load(this.control, Slot.STATE) === ThreadState.LOADED) this.handToThread(direct);
      return flushed;
    }
    if (this.closed) return this.closedClean;
    this.handOver();
    this.wake();
    this.drain();
    return this.figures[Figure.FAILING] !== 1;
  }

  /** Hands over the open record, waits until the thread has written every line and closed the file. */
  close(): boolean {
    if (this.closed) return true;
    this.closed = true;
    const direct = this.direct;
    if (direct !== undefined) {
      this.closedClean = direct.close();
      this.stopThread();
      return this.closedClean;
    }
    this.handOver();
    const state = this.stopThread();
    this.closedClean = state === ThreadState.DONE && Atomics.load(this.control, Slot.CLOSED_CLEAN) === 1;
    return this.closedClean;
  }

  /** The figures so far: the loop thread's own writer's, plus the thread's as it last published them. */
  getStats(): WriterStats {
    if (this.direct !== undefined) {
      const stats = this.direct.getStats();
      stats.lines_dropped += this.droppedHere;
      return stats;
    }
    this.drain();
    const f = this.figures;
    const base = this.base!;
    return {
      lines_written: base.lines_written + f[Figure.LINES_WRITTEN]!,
      bytes_written: base.bytes_written + f[Figure.BYTES_WRITTEN]!,
      rotations: base.rotations + f[Figure.ROTATIONS]!,
      write_errors: base.write_errors + f[Figure.WRITE_ERRORS]!,
      last_write_error: this.lastError ?? base.last_write_error,
      lines_dropped: base.lines_dropped + f[Figure.LINES_DROPPED]! + this.droppedHere,
      rotated_files_deleted: base.rotated_files_deleted + f[Figure.ROTATED_FILES_DELETED]!,
    };
  }

  /** Numbers of the rotated files that exist, oldest first. */
  rotatedNumbers(): readonly number[] {
    if (this.direct !== undefined) return this.direct.rotatedNumbers();
    this.drain();
    return this.rotated;
  }

  /** The id of a known key set equal to `keys[0..n)`, or -1. */
  private shapeOf(keys: readonly string[], n: number): number {
    const shapes = this.shapes;
    next: for (let s = 0; s < shapes.length; s++) {
      const known = shapes[s]!;
      if (known.length !== n) continue;
      for (let k = 0; k < n; k++) if (known[k] !== keys[k]) continue next;
      return s;
    }
    return -1;
  }

  /**
   * Tells the thread the event's strings and key set it does not know yet (STRING and SHAPE entries ahead
   * of the event), then writes the event; as its line when the tables are full or a name is too long.
   */
  private defineThenWrite(event: StageEvent): void {
    const names: string[] = [event.stage];
    if (event.reason !== undefined) names.push(event.reason);
    let keys: string[] | undefined;
    if (event.attrs !== undefined) {
      keys = [];
      for (const key in event.attrs) {
        if (typeof event.attrs[key] !== 'number' || keys.length === EVENT_MAX_ATTRS) {
          this.writeEncoded(event, encodeStageEvent, formatStageEventLine);
          return;
        }
        keys.push(key);
      }
      names.push(...keys);
    }
    const fresh = [...new Set(names.filter((name) => !this.strings.has(name)))];
    const newShape = keys !== undefined && this.shapeOf(keys, keys.length) < 0;
    if (
      fresh.some((name) => name.length > MAX_STRING_LENGTH) ||
      this.strings.size + fresh.length > MAX_STRINGS ||
      (newShape && this.shapes.length >= MAX_SHAPES)
    ) {
      this.writeEncoded(event, encodeStageEvent, formatStageEventLine);
      return;
    }
    for (const name of fresh) {
      if (!this.entryRoom(ENTRY_HEADER_BYTES + align8(2 * name.length))) {
        this.droppedHere++;
        return;
      }
      const at = this.recordEnd;
      const id = this.strings.size;
      this.ints[at >> 2] = Entry.STRING;
      this.ints[(at >> 2) + 1] = id;
      this.ints[(at >> 2) + 2] = name.length;
      this.ints[(at >> 2) + 3] = 0;
      const chars = (at + ENTRY_HEADER_BYTES) >> 1;
      for (let c = 0; c < name.length; c++) this.chars[chars + c] = name.charCodeAt(c);
      this.recordEnd = at + ENTRY_HEADER_BYTES + align8(2 * name.length);
      this.strings.set(name, id);
    }
    if (keys !== undefined && newShape) {
      if (!this.entryRoom(ENTRY_HEADER_BYTES + align8(4 * keys.length))) {
        this.droppedHere++;
        return;
      }
      const at = this.recordEnd;
      const i = at >> 2;
      this.ints[i] = Entry.SHAPE;
      this.ints[i + 1] = this.shapes.length;
      this.ints[i + 2] = keys.length;
      this.ints[i + 3] = 0;
      for (let k = 0; k < keys.length; k++) this.ints[i + 4 + k] = this.strings.get(keys[k]!)!;
      this.recordEnd = at + ENTRY_HEADER_BYTES + align8(4 * keys.length);
      this.shapes.push(keys);
    }
    this.writeStageEvent(event);
  }

  /** Room for an entry of `bytes` in the open record (opening one if needed); false when dropped. */
  private entryRoom(bytes: number): boolean {
    if (this.textAt >= 0) this.endText();
    if (this.recordAt >= 0 && this.recordEnd + bytes <= this.recordLimit) return true;
    return this.openRecord();
  }

  /** Room for `bytes` more bytes of one line in a TEXT entry (started if needed); false when dropped. */
  private textRoom(bytes: number): boolean {
    if (this.recordAt >= 0 && this.recordLines < ENTRIES_RECORD_LINES) {
      if (this.textAt >= 0 && this.recordEnd + bytes <= this.recordLimit) return true;
      if (this.textAt >= 0) this.endText();
      if (this.recordEnd + ENTRY_HEADER_BYTES + bytes > this.recordLimit && !this.openRecord()) return false;
    } else if (!this.openRecord()) return false;
    const i = this.recordEnd >> 2;
    this.ints[i] = Entry.TEXT;
    this.ints[i + 1] = 0;
    this.ints[i + 2] = 0;
    this.ints[i + 3] = 0;
    this.textAt = this.recordEnd;
    this.recordEnd += ENTRY_HEADER_BYTES;
    return true;
  }

  /** One line of `bytes` was written at the end of the open TEXT entry. */
  private textWritten(bytes: number): void {
    const i = this.textAt >> 2;
    this.ints[i + 1]! += bytes;
    this.ints[i + 2]!++;
    this.recordEnd += bytes;
    this.recordLines++;
  }

  /** Appends the line in `source[0..end)`. */
  private writeBytes(source: Buffer, end: number): void {
    if (end > MAX_TEXT_ENTRY_BYTES) {
      this.writeLong(source.subarray(0, end));
      return;
    }
    if (!this.textRoom(end)) {
      this.droppedHere++;
      return;
    }
    source.copy(this.ring, this.recordEnd, 0, end);
    this.textWritten(end);
  }

  /** Closes the open TEXT entry: the next entry starts 8-byte aligned. */
  private endText(): void {
    this.recordEnd = align8(this.recordEnd);
    this.textAt = -1;
  }

  /** A line too long for a record of entries: text records of its own, batch-sized pieces, the last one ending it. */
  private writeLong(data: Buffer): void {
    this.handOver();
    const piece = this.batch.length;
    for (let at = 0; at < data.length; at += piece) {
      const end = Math.min(at + piece, data.length);
      this.put(data, at, end, end === data.length ? 1 : 0);
    }
  }

  /** Hands the open record over (if any) and opens a new one at the ring's write position; false when dropped. */
  private openRecord(): boolean {
    this.handOver();
    const capacity = this.ring.length;
    let at = this.written & this.mask;
    const size = RECORD_HEADER_BYTES + ENTRIES_RECORD_BYTES;
    // A record never wraps: if it does not fit before the ring's end, a marker sends the thread back to 0.
    const skip = capacity - at < size ? capacity - at : 0;
    if (!this.waitForRoom(skip + size, ENTRIES_RECORD_LINES)) return false;
    if (skip > 0) {
      this.ints[at >> 2] = WRAP;
      at = 0;
    }
    this.recordSkip = skip;
    this.recordAt = at;
    this.aggregating =
      this.aggregateMemory !== undefined && Atomics.load(this.control, Slot.STATE) === ThreadState.READY;
    this.recordEnd = at + RECORD_HEADER_BYTES;
    this.recordLimit = this.recordEnd + ENTRIES_RECORD_BYTES;
    this.recordLines = 0;
    this.textAt = -1;
    return true;
  }

  /** Publishes the open record of entries to the thread. */
  private handOver(): void {
    if (this.recordAt < 0) return;
    if (this.textAt >= 0) this.endText();
    const at = this.recordAt;
    const bytes = this.recordEnd - at - RECORD_HEADER_BYTES;
    this.ints[at >> 2] = bytes;
    this.ints[(at >> 2) + 1] = ENTRIES;
    this.recordAt = -1;
    this.publish(this.recordSkip + recordBytes(bytes), this.recordLines);
  }

  /**
   * Advances the WRITE position past what was just put in the ring; wakes the thread if it sleeps and
   * {@link WAKE_LINES} lines wait for it.
   */
  private publish(bytes: number, lines: number): void {
    const control = this.control;
    this.written = (this.written + bytes) | 0;
    this.linesPut = (this.linesPut + lines) | 0;
    Atomics.store(control, Slot.WRITE, this.written);
    if (
      Atomics.load(control, Slot.WRITER_SLEEPING) === 1 &&
      ((this.linesPut - Atomics.load(control, Slot.LINES_TAKEN)) | 0) >= WAKE_LINES
    ) {
      Atomics.notify(control, Slot.WRITE);
    }
  }

  /** Wakes the thread if it sleeps (a flush: what was handed over is written now). */
  private wake(): void {
    if (Atomics.load(this.control, Slot.WRITER_SLEEPING) === 1) Atomics.notify(this.control, Slot.WRITE);
  }

  /** The thread is loaded and the file is healthy: close ours, let the thread reopen it. */
  private handToThread(direct: RotatingNdjsonWriter): void {
    direct.close();
    this.base = direct.getStats();
    this.rotated = [...direct.rotatedNumbers()];
    this.direct = undefined;
    Atomics.store(this.control, Slot.GO, 1);
    Atomics.notify(this.control, Slot.GO);
  }

  /** Asks the thread to write everything and end; waits for it (up to the deadline). Returns its state. */
  private stopThread(): number {
    const control = this.control;
    Atomics.store(control, Slot.CLOSE, 1);
    Atomics.notify(control, Slot.WRITE);
    Atomics.notify(control, Slot.GO);
    const deadline = Date.now() + THREAD_DEADLINE_MS;
    let state = Atomics.load(control, Slot.STATE);
    // Not yet loaded: it ends by itself when it sees CLOSE; nothing of ours is in it.
    if (this.direct !== undefined) {
      void this.worker.terminate();
      this.port.close();
      return state;
    }
    while (state !== ThreadState.DONE && state !== ThreadState.FAILED && Date.now() <= deadline) {
      Atomics.wait(control, Slot.STATE, state, 1000);
      state = Atomics.load(control, Slot.STATE);
    }
    this.drain();
    this.port.close();
    if (state !== ThreadState.DONE) void this.worker.terminate();
    return state;
  }

  /**
   * Puts `source[start..end)` (`lines` whole lines) in the ring as one contiguous text record, waiting for
   * room when the ring is full (the loop waits; nothing is dropped unless the thread is gone).
   */
  private put(source: Buffer, start: number, end: number, lines: number): void {
    const capacity = this.ring.length;
    const size = recordBytes(end - start);
    let at = this.written & this.mask;
    const skip = capacity - at < size ? capacity - at : 0;
    if (!this.waitForRoom(skip + size, lines)) {
      this.droppedHere += lines;
      return;
    }
    if (skip > 0) {
      this.ints[at >> 2] = WRAP;
      at = 0;
    }
    this.ints[at >> 2] = end - start;
    this.ints[(at >> 2) + 1] = lines;
    source.copy(this.ring, at + RECORD_HEADER_BYTES, start, end);
    this.publish(skip + size, lines);
  }

  /** Waits until the ring has `bytes` free and room for `lines` more lines; false if the thread is gone. */
  private waitForRoom(bytes: number, lines: number): boolean {
    const control = this.control;
    const capacity = this.ring.length;
    const fits = (read: number) =>
      capacity - ((this.written - read) >>> 0) >= bytes &&
      ((this.linesPut - Atomics.load(control, Slot.LINES_TAKEN)) >>> 0) + lines <= WRITER_THREAD_LINES;
    return this.waitForThread(fits, THREAD_DEADLINE_MS);
  }

  /**
   * Waits until `ready` holds for the thread's READ position, waking the thread meanwhile; false when the
   * thread is gone (failed or done) or after `ms`.
   */
  private waitForThread(ready: (read: number) => boolean, ms: number): boolean {
    const control = this.control;
    if (ready(Atomics.load(control, Slot.READ))) return true;
    const deadline = performance.now() + ms;
    Atomics.store(control, Slot.LOOP_WAITING, 1);
    try {
      for (;;) {
        const read = Atomics.load(control, Slot.READ);
        if (ready(read)) return true;
        const state = Atomics.load(control, Slot.STATE);
        const left = deadline - performance.now();
        if (state === ThreadState.FAILED || state === ThreadState.DONE || left <= 0) return false;
        Atomics.notify(control, Slot.WRITE);
        Atomics.wait(control, Slot.READ, read, Math.min(left, 1000));
      }
    } finally {
      Atomics.store(control, Slot.LOOP_WAITING, 0);
    }
  }

  /** Takes the thread's pending messages now (the event loop may not have turned since). */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
        this.onMessage(m.message as WriterThreadMessage);
      }
    } finally {
      this.draining = false;
    }
  }

  private onMessage(message: WriterThreadMessage): void {
    switch (message.type) {
      case 'last-error':
        this.lastError = message.error;
        break;
      case 'rotated':
        this.rotated = message.numbers;
        break;
      case 'health':
        try {
          const change = message.change;
          // The thread counts from its start; the figures include what the loop thread's writer counted.
          if (change.state === 'recovered' && this.base !== undefined) {
            change.writeErrors += this.base.write_errors;
            change.linesDropped += this.base.lines_dropped;
          }
          this.onHealthChange?.(change);
        } catch {
          // a listener's failure is not the writer's
        }
        break;
      case 'open-failed':
        break;
    }
  }
}
