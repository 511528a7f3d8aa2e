// @loop/metrics: per-stage metrics for trading loops, usable in any bot without the rest of Loop.
export * from './errors.js';
export * from './flush-policy.js';
export * from './latency-histogram.js';
export { makeDirectory } from './make-directory.js';
export * from './metrics-file-snapshot.js';
export * from './metrics-reader.js';
export * from './metrics-recorder.js';
export * from './pid-lock.js';
export * from './rotating-ndjson-writer.js';
export * from './schema.js';
export * from './stage-event.js';
export * from './stage-metrics-collector.js';
export * from './summary-file.js';
export * from './writer-lock.js';
