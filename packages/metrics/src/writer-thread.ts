// `@loop/metrics/writer-thread`: start the NDJSON writer thread ahead of time. A small entry (no zod, no
// writer), to import before the rest of a program.
export {
  PRESTARTED_THREAD_WAIT_MS,
  type PrestartOptions,
  prestartWriterThread,
  writerThreadAvailable,
} from './writer-thread-start.js';
