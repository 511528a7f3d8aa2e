// Test double shared by the writer and recorder tests: node:fs with one call that fails on demand.
import * as fs from 'node:fs';
import type { WriterFileSystem } from '../src/rotating-ndjson-writer.js';

/**
 * node:fs as a {@link WriterFileSystem}, except that `call` throws an error with `code` and `message` whenever
 * `fails()` (asked once per call) says so, and otherwise does the real thing.
 */
export function failingFileSystem(
  call: 'writeSync' | 'renameSync',
  fails: () => boolean,
  code: string,
  message: string,
): WriterFileSystem {
  const real = (call === 'writeSync' ? fs.writeSync : fs.renameSync) as (...args: unknown[]) => unknown;
  const failing = (...args: unknown[]) => {
    if (fails()) throw Object.assign(new Error(message), { code });
    return real(...args);
  };
  return { ...fs, [call]: failing } as WriterFileSystem;
}
