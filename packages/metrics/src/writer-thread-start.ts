// Starting the NDJSON writer thread, and starting it early: Node takes 50-100 ms to start a worker thread,
// and until it runs, the loop's thread encodes and writes the lines itself. Public part: writer-thread.ts.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { CONTROL_SLOTS, FIGURE_SLOTS, Slot, ThreadState, WRITER_RING_BYTES } from './writer-thread-layout.js';

/** The thread's entry, built beside this file. */
const THREAD_ENTRY = new URL('./ndjson-writer-thread.js', import.meta.url);

/** How long a thread started by {@link prestartWriterThread} waits to be taken before it ends. */
export const PRESTARTED_THREAD_WAIT_MS = 60_000;

/** True when the writer thread can be started: the built entry exists (not when run from TypeScript sources). */
export function writerThreadAvailable(): boolean {
  return THREAD_ENTRY.protocol === 'file:' && fs.existsSync(fileURLToPath(THREAD_ENTRY));
}

/** What the thread gets as its `workerData`. @internal */
export interface WriterThreadData {
  control: SharedArrayBuffer;
  figures: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  port: MessagePort;
  /** A prestarted thread ends after waiting this long for a writer to take it; 0: it was started by one. */
  waitMs: number;
}

/** A started writer thread: the loop's side of its shared memory and port. @internal */
export interface WriterThreadHandle {
  worker: Worker;
  control: SharedArrayBuffer;
  figures: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  port: MessagePort;
}

/** Starts a writer thread; it waits for its options and GO. Throws what `new Worker` throws. @internal */
export function startWriterThread(waitMs = 0): WriterThreadHandle {
  const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
  const figures = new SharedArrayBuffer(FIGURE_SLOTS * 8);
  const ring = new SharedArrayBuffer(WRITER_RING_BYTES);
  const channel = new MessageChannel();
  const data: WriterThreadData = { control, figures, ring, port: channel.port2, waitMs };
  const worker = new Worker(THREAD_ENTRY, {
    workerData: data,
    transferList: [channel.port2],
    // The thread needs no loaders (it is plain built JavaScript) and must not inherit test runners' flags.
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  return { worker, control, figures, ring, port: channel.port1 };
}

let prestarted: WriterThreadHandle | undefined;

/** Options of {@link prestartWriterThread}. */
export interface PrestartOptions {
  /** How long the thread waits to be taken before it ends, in ms (an integer > 0); default {@link PRESTARTED_THREAD_WAIT_MS}. */
  waitMs?: number;
}

/**
 * Starts the NDJSON writer thread now, for the next recorder opened with `writerThread: true` (and a
 * `batch` or `interval` flush) to take: call it first thing when you know one will be opened, e.g. before
 * loading the rest of your program, so that the thread (50-100 ms to start) is running when the loop
 * starts and the loop's thread never encodes lines itself. A thread that no recorder takes within
 * {@link PRESTARTED_THREAD_WAIT_MS} ends by itself; it never keeps the process alive. Returns false (and
 * does nothing) when a thread is already waiting or cannot be started here. Never throws.
 *
 * @example
 * import { prestartWriterThread } from '@loop/metrics/writer-thread';
 * prestartWriterThread();
 * const { openMetricsRecorder } = await import('@loop/metrics');
 */
export function prestartWriterThread(options: PrestartOptions = {}): boolean {
  if (prestarted !== undefined || !writerThreadAvailable()) return false;
  const waitMs = options.waitMs ?? PRESTARTED_THREAD_WAIT_MS;
  if (!(Number.isSafeInteger(waitMs) && waitMs > 0)) return false;
  try {
    const thread = startWriterThread(waitMs);
    // A thread that fails to load is simply not taken (the writer starts its own, which reports errors).
    thread.worker.on('error', () => {});
    thread.worker.unref();
    thread.port.unref();
    prestarted = thread;
    return true;
  } catch {
    return false;
  }
}

/** The prestarted thread, if one is waiting; it is then the caller's (taken at most once). @internal */
export function takePrestartedWriterThread(): WriterThreadHandle | undefined {
  const thread = prestarted;
  prestarted = undefined;
  if (thread === undefined) return undefined;
  if (Atomics.compareExchange(new Int32Array(thread.control), Slot.ADOPTED, 0, 1) === 0) return thread;
  // It gave up waiting (or is ending): let it go.
  thread.port.close();
  return undefined;
}

/**
 * Where the prestarted thread is: `none` (none was started, or a writer took it), `starting`, `waiting` (up,
 * to be taken) or `ended` (it gave up waiting). @internal For tests.
 */
export function prestartedWriterThreadState(): 'none' | 'starting' | 'waiting' | 'ended' {
  if (prestarted === undefined) return 'none';
  const control = new Int32Array(prestarted.control);
  const state = Atomics.load(control, Slot.STATE);
  if (state === ThreadState.DONE || state === ThreadState.FAILED) return 'ended';
  return state === ThreadState.LOADED ? 'waiting' : 'starting';
}
