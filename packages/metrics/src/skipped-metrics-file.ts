// An entry with a metrics file's name that is not a regular file: skipped by every reader, counted and named.

/** What a skipped entry is: a FIFO (named pipe), a directory, a socket, a device, or another special file. */
export type NonRegularFileType =
  | 'fifo'
  | 'directory'
  | 'socket'
  | 'character-device'
  | 'block-device'
  | 'other';

/**
 * An entry of a run dir named like a metrics file (`metrics.ndjson`, `metrics.ndjson.N`) that is not a regular
 * file. Readers skip it without opening it blocking and without reading it, and read the files on either side
 * of it: it is not a file a writer pruned (those are `vanished`).
 */
export interface SkippedMetricsFile {
  /** Entry name in the run dir, e.g. `metrics.ndjson.2`. */
  name: string;
  /** Rotation number, or `null` for `metrics.ndjson`. */
  index: number | null;
  /** What the entry is. */
  type: NonRegularFileType;
}

const TYPE_TEXT: Record<NonRegularFileType, string> = {
  fifo: 'a FIFO (named pipe)',
  directory: 'a directory',
  socket: 'a socket',
  'character-device': 'a character device',
  'block-device': 'a block device',
  other: 'a special file',
};

/** What a skipped entry is, in words: `a FIFO (named pipe)`, `a directory`, ...; `a special file` for any other value. */
export function describeFileType(type: NonRegularFileType): string {
  return Object.hasOwn(TYPE_TEXT, type) ? TYPE_TEXT[type] : TYPE_TEXT.other;
}

/** One line on a skipped entry: `metrics.ndjson.2 is a FIFO (named pipe), not a regular file: skipped`. */
export function describeSkippedMetricsFile(file: SkippedMetricsFile): string {
  return `${file.name} is ${describeFileType(file.type)}, not a regular file: skipped`;
}
