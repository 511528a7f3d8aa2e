// The loop thread's side of the NDJSON writer thread: lines are encoded here, written (and rotated) there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { MetricsError } from './errors.js';
import type { WriterThreadData } from './ndjson-writer-thread.js';
import {
  checkRotateOptions,
  METRICS_FILE,
  type MetricsLineWriter,
  type RotatingNdjsonWriterOptions,
  type WriterHealthChange,
  type WriterStats,
} from './rotating-ndjson-writer.js';
import {
  CONTROL_SLOTS,
  FIGURE_SLOTS,
  Figure,
  Slot,
  ThreadState,
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
 */
export class ThreadedNdjsonWriter implements MetricsLineWriter {
  readonly file: string;
  private readonly batch = Buffer.allocUnsafe(WRITER_BATCH_BYTES);
  private end = 0;
  private readonly control: Int32Array;
  private readonly figures: Float64Array;
  private readonly ring: Buffer;
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

  /**
   * Starts the thread and waits until it has opened the file (so an unusable run dir throws here, as
   * {@link RotatingNdjsonWriter}'s constructor does). `fileSystem` is not supported (it cannot cross threads).
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
    this.file = path.join(dir, METRICS_FILE);
    this.onHealthChange = options.onHealthChange;
    const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
    const figures = new SharedArrayBuffer(FIGURE_SLOTS * 8);
    const ring = new SharedArrayBuffer(WRITER_RING_BYTES);
    this.control = new Int32Array(control);
    this.figures = new Float64Array(figures);
    this.ring = Buffer.from(ring);
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
    this.worker = new Worker(THREAD_ENTRY, {
      workerData: data,
      transferList: [channel.port2],
      // The thread needs no loaders (it is plain built JavaScript) and must not inherit test runners' flags.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.port.on('message', (message: WriterThreadMessage) => this.onMessage(message));
    this.port.unref();
    const state = this.waitWhile(Slot.STATE, ThreadState.STARTING);
    if (state !== ThreadState.READY) {
      let reason = 'the writer thread did not start';
      for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
        const message = m.message as WriterThreadMessage;
        if (message.type === 'open-failed') reason = message.message;
        else if (message.type === 'last-error' && message.error !== null) reason = message.error;
      }
      void this.worker.terminate();
      this.port.close();
      throw new MetricsError('LOOP_METRICS_OPEN_FAILED', reason, { context: { file: this.file } });
    }
  }

  /** Appends one line; it must end with `\n` and contain no other newline. Never throws. */
  writeLine(line: string): void {
    if (this.closed) {
      this.droppedHere++;
      return;
    }
    const bytes = Buffer.byteLength(line);
    if (bytes > this.batch.length - this.end) {
      this.handOver();
      if (bytes > this.batch.length) {
        const data = Buffer.from(line);
        this.put(data, 0, data.length);
        return;
      }
    }
    this.end += this.batch.write(line, this.end);
  }

  /** As {@link RotatingNdjsonWriter.writeEncoded}: `encode` writes the line straight into the batch. */
  writeEncoded<T>(
    value: T,
    encode: (value: T, out: Buffer, at: number) => number,
    text: (value: T) => string,
  ): void {
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
  }

  /**
   * Hands the batch to the writer thread, which writes it at once. Returns false while writes fail (as
   * the thread last said); the lines stay queued there and are retried.
   */
  flush(): boolean {
    if (this.closed) return this.closedClean;
    this.handOver();
    this.drain();
    return this.figures[Figure.FAILING] !== 1;
  }

  /** Hands over the batch, waits until the thread has written every line and closed the file. */
  close(): boolean {
    if (this.closed) return true;
    this.handOver();
    this.closed = true;
    Atomics.store(this.control, Slot.CLOSE, 1);
    Atomics.notify(this.control, Slot.WRITE);
    const state = this.waitWhile(Slot.STATE, ThreadState.READY);
    this.closedClean = state === ThreadState.DONE && Atomics.load(this.control, Slot.CLOSED_CLEAN) === 1;
    this.drain();
    this.port.close();
    if (state !== ThreadState.DONE) void this.worker.terminate();
    return this.closedClean;
  }

  /** The writer thread's figures as it last published them (after its last flush), plus lines refused here. */
  getStats(): WriterStats {
    this.drain();
    const f = this.figures;
    return {
      lines_written: f[Figure.LINES_WRITTEN]!,
      bytes_written: f[Figure.BYTES_WRITTEN]!,
      rotations: f[Figure.ROTATIONS]!,
      write_errors: f[Figure.WRITE_ERRORS]!,
      last_write_error: this.lastError,
      lines_dropped: f[Figure.LINES_DROPPED]! + this.droppedHere,
      rotated_files_deleted: f[Figure.ROTATED_FILES_DELETED]!,
    };
  }

  /** Numbers of the rotated files that exist, oldest first (as the thread last said). */
  rotatedNumbers(): readonly number[] {
    this.drain();
    return this.rotated;
  }

  /** Copies the batch into the ring. */
  private handOver(): void {
    if (this.end === 0) return;
    this.put(this.batch, 0, this.end);
    this.end = 0;
  }

  /** Copies bytes into the ring, waiting for room when it is full (the loop waits; nothing is dropped). */
  private put(source: Buffer, start: number, end: number): void {
    const control = this.control;
    const capacity = this.ring.length;
    while (start < end) {
      const used = (this.written - Atomics.load(control, Slot.READ)) >>> 0;
      if (used === capacity) {
        if (!this.waitForRoom()) {
          this.droppedHere += countLines(source, start, end);
          return;
        }
        continue;
      }
      const at = this.written & this.mask;
      const n = Math.min(end - start, capacity - used, capacity - at);
      source.copy(this.ring, at, start, start + n);
      start += n;
      this.written = (this.written + n) | 0;
      Atomics.store(control, Slot.WRITE, this.written);
      if (Atomics.load(control, Slot.WRITER_SLEEPING) === 1) Atomics.notify(control, Slot.WRITE);
    }
  }

  /** Waits until the thread takes bytes out of the full ring; false if it is gone. */
  private waitForRoom(): boolean {
    const control = this.control;
    const deadline = Date.now() + THREAD_DEADLINE_MS;
    Atomics.store(control, Slot.LOOP_WAITING, 1);
    try {
      for (;;) {
        const read = Atomics.load(control, Slot.READ);
        if ((this.written - read) >>> 0 < this.ring.length) return true;
        if (Atomics.load(control, Slot.STATE) !== ThreadState.READY || Date.now() > deadline) return false;
        Atomics.notify(control, Slot.WRITE);
        Atomics.wait(control, Slot.READ, read, 1000);
      }
    } finally {
      Atomics.store(control, Slot.LOOP_WAITING, 0);
    }
  }

  /** Waits while `slot` holds `value` (up to the deadline); returns what it holds then. */
  private waitWhile(slot: number, value: number): number {
    const deadline = Date.now() + THREAD_DEADLINE_MS;
    for (;;) {
      const now = Atomics.load(this.control, slot);
      if (now !== value || Date.now() > deadline) return now;
      Atomics.wait(this.control, slot, value, 1000);
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
          this.onHealthChange?.(message.change);
        } catch {
          // a listener's failure is not the writer's
        }
        break;
      case 'open-failed':
        break;
    }
  }
}

function countLines(source: Buffer, start: number, end: number): number {
  let lines = 0;
  for (let i = source.indexOf(0x0a, start); i !== -1 && i < end; i = source.indexOf(0x0a, i + 1)) lines++;
  return lines;
}
