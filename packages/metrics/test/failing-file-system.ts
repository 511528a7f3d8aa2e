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

/** A disk of `capacity` bytes for the writer: writes past it are cut short, then fail with ENOSPC. */
export interface SmallDisk {
  fileSystem: WriterFileSystem;
  /** Bytes the writer's files use on it. */
  used(): number;
  /** Changes the capacity (free space appears or goes). */
  setCapacity(bytes: number): void;
}

/** node:fs as a {@link WriterFileSystem} on a {@link SmallDisk}: partial writes, ENOSPC, truncation frees space. */
export function smallDisk(capacity: number): SmallDisk {
  let limit = capacity;
  let used = 0;
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const fileSystem = {
    ...fs,
    writeSync: (fd: number, buffer: Buffer, offset: number, length: number) => {
      const room = limit - used;
      if (room <= 0) throw enospc();
      const n = fs.writeSync(fd, buffer, offset, Math.min(length, room));
      used += n;
      return n;
    },
    ftruncateSync: (fd: number, length = 0) => {
      const before = fs.fstatSync(fd).size;
      fs.ftruncateSync(fd, length);
      used -= before - length;
    },
    unlinkSync: (file: fs.PathLike) => {
      const size = fs.statSync(file).size;
      fs.unlinkSync(file);
      used -= size;
    },
  } as unknown as WriterFileSystem;
  return { fileSystem, used: () => used, setCapacity: (bytes) => (limit = bytes) };
}
