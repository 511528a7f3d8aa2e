// The loop thread's side of the NDJSON writer thread: lines are encoded here, written (and rotated) there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { describeError, MetricsError } from './errors.js';
import type { WriterThreadData } from './ndjson-writer-thread.js';
import {
  checkRotateOptions,
  type MetricsLineWriter,
  RotatingNdjsonWriter,
  type RotatingNdjsonWriterOptions,
  type WriterHealthChange,
  type WriterStats,
} from './rotating-ndjson-writer.js';
import {
  CONTROL_SLOTS,
  FIGURE_SLOTS,
  Figure,
  RECORD_HEADER_BYTES,
  recordBytes,
  Slot,
  ThreadState,
  WRAP,
  WRITER_BATCH_BYTES,
  WRITER_RING_BYTES,
  type WriterThreadMessage,
} from './writer-thread-layout.js';

/** The thread's entry, built beside this file. */
const THREAD_ENTRY = new URL('./ndjson-writer-thread.js', import.meta.url);

/** Longest wait for the thread to open the file, or to write everything at close, before giving up on it. */
const THREAD_DEADLINE_MS = 60_000;

/** True when the writer thread can be started: the built entry exists (not when run from TypeScript sources). */
export function writerThreadAvailable(): boolean {
  return THREAD_ENTRY.protocol === 'file:' && fs.existsSync(fileURLToPath(THREAD_ENTRY));
}

/**
 * A {@link MetricsLineWriter} whose file work (write(2), rotation, pruning, fsync, disk-full handling) runs
 * on a worker thread, with the same code and guarantees as {@link RotatingNdjsonWriter}: the loop's thread
 * only encodes lines into a batch and, at each flush, copies the batch into a shared ring (pino's
 * thread-stream design). Order is kept; a full ring makes the loop's thread wait, nothing is dropped for
 * speed. `close()` waits until every line is written. Figures come back through shared memory.
 *
 * Until the thread has started (a few hundred ms on a busy machine), the loop's thread writes with a
 * {@link RotatingNdjsonWriter} of its own, so the loop never waits for the thread to start; at the first
 * flush after the thread is loaded (and while writes succeed) it closes that writer and the thread reopens
 * the file where it was left, as a restart does: the files are the same bytes, the figures add up.
 */
export class ThreadedNdjsonWriter implements MetricsLineWriter {
  readonly file: string;
  private readonly batch = Buffer.allocUnsafe(WRITER_BATCH_BYTES);
  private end = 0;
  /** Whole lines in the batch. */
  private lines = 0;
  private readonly control: Int32Array;
  private readonly figures: Float64Array;
  private readonly ring: Buffer;
  private readonly headers: Int32Array;
  private readonly mask: number;
  /** Bytes put in the ring so far (mod 2^32), as the WRITE slot holds them. */
  private written = 0;
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
  /** The direct writer's final figures, added to the thread's. */
  private base: WriterStats | undefined;

  /**
   * Opens the file on the loop's thread (so an unusable run dir throws here, as {@link RotatingNdjsonWriter}'s
   * constructor does) and starts the thread. `fileSystem` is not supported (it cannot cross threads).
   */
  constructor(options: RotatingNdjsonWriterOptions) {
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
    const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
    const figures = new SharedArrayBuffer(FIGURE_SLOTS * 8);
    const ring = new SharedArrayBuffer(WRITER_RING_BYTES);
    this.control = new Int32Array(control);
    this.figures = new Float64Array(figures);
    this.ring = Buffer.from(ring);
    this.headers = new Int32Array(ring);
    this.mask = WRITER_RING_BYTES - 1;
    const channel = new MessageChannel();
    this.port = channel.port1;
    const data: WriterThreadData = {
      control,
      figures,
      ring,
      port: channel.port2,
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
    try {
      this.worker = new Worker(THREAD_ENTRY, {
        workerData: data,
        transferList: [channel.port2],
        // The thread needs no loaders (it is plain built JavaScript) and must not inherit test runners' flags.
        execArgv: [],
        stdout: false,
        stderr: false,
      });
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
    this.worker.unref();
    this.port.on('message', (message: WriterThreadMessage) => this.onMessage(message));
    this.port.unref();
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
    const bytes = Buffer.byteLength(line);
    if (bytes > this.batch.length - this.end) {
      this.handOver();
      if (bytes > this.batch.length) {
        // Longer than a batch: handed over in batch-sized pieces, the last one ending the line.
        const data = Buffer.from(line);
        for (let at = 0; at < data.length; at += this.batch.length) {
          const end = Math.min(at + this.batch.length, data.length);
          this.put(data, at, end, end === data.length ? 1 : 0);
        }
        return;
      }
    }
    this.end += this.batch.write(line, this.end);
    this.lines++;
  }

  /** As {@link RotatingNdjsonWriter.writeEncoded}: `encode` writes the line straight into the batch. */
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
    let next = encode(value, this.batch, this.end);
    if (next < 0) {
      this.handOver();
      next = encode(value, this.batch, 0);
      if (next < 0) {
        this.writeLine(text(value));
        return;
      }
    }
    this.end = next;
    this.lines++;
  }

  /**
   * Hands the batch to the writer thread, which writes it at once. Returns false while writes fail (as
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
    this.drain();
    return this.figures[Figure.FAILING] !== 1;
  }

  /** Hands over the batch, waits until the thread has written every line and closed the file. */
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

  /** Copies the batch into the ring as one record. */
  private handOver(): void {
    if (this.end === 0) return;
    this.put(this.batch, 0, this.end, this.lines);
    this.end = 0;
    this.lines = 0;
  }

  /**
   * Puts `source[start..end)` (`lines` whole lines) in the ring as one contiguous record, waiting for room
   * when the ring is full (the loop waits; nothing is dropped unless the thread is gone).
   */
  private put(source: Buffer, start: number, end: number, lines: number): void {
    const control = this.control;
    const capacity = this.ring.length;
    const size = recordBytes(end - start);
    let at = this.written & this.mask;
    // A record never wraps: if it does not fit before the ring's end, a marker sends the thread back to 0.
    const skip = capacity - at < size ? capacity - at : 0;
    if (!this.waitForRoom(skip + size)) {
      this.droppedHere += lines;
      return;
    }
    if (skip > 0) {
      this.headers[at >> 2] = WRAP;
      at = 0;
    }
    this.headers[at >> 2] = end - start;
    this.headers[(at >> 2) + 1] = lines;
    source.copy(this.ring, at + RECORD_HEADER_BYTES, start, end);
    this.written = (this.written + skip + size) | 0;
    Atomics.store(control, Slot.WRITE, this.written);
    if (Atomics.load(control, Slot.WRITER_SLEEPING) === 1) Atomics.notify(control, Slot.WRITE);
  }

  /** Waits until the ring has `bytes` free; false if the thread is gone. */
  private waitForRoom(bytes: number): boolean {
    const control = this.control;
    const capacity = this.ring.length;
    if (capacity - ((this.written - Atomics.load(control, Slot.READ)) >>> 0) >= bytes) return true;
    const deadline = Date.now() + THREAD_DEADLINE_MS;
    Atomics.store(control, Slot.LOOP_WAITING, 1);
    try {
      for (;;) {
        const read = Atomics.load(control, Slot.READ);
        if (capacity - ((this.written - read) >>> 0) >= bytes) return true;
        const state = Atomics.load(control, Slot.STATE);
        if (state === ThreadState.FAILED || state === ThreadState.DONE || Date.now() > deadline) return false;
        Atomics.notify(control, Slot.WRITE);
        Atomics.wait(control, Slot.READ, read, 1000);
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
