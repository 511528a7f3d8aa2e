// Change detection for the live server: which run-dir files it stamps, and the fs.watch + polling loop that
// says "something may have changed, read again".
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  HEARTBEAT_FILE,
  METRICS_FILE,
  RUN_FILE,
  SUMMARY_FILE,
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_STATE_FILE,
} from '@loop/run-dir';

/**
 * The documents the page (and the health model in it) reads besides the NDJSON history: a change to any of them
 * changes the page without a new NDJSON line. The rotated NDJSON files are covered by the run dir's own stamp:
 * rotation and pruning rename, create or delete entries, which changes the directory's mtime, and a rotated
 * file is never written after its rename.
 */
export const STAMPED_DOCUMENTS = [
  SUMMARY_FILE,
  RUN_FILE,
  HEARTBEAT_FILE,
  SUPERVISOR_STATE_FILE,
  SUPERVISOR_LOG_FILE,
] as const;

/** What the live server compares between reads: identity, size and mtime of the run dir and its files. */
export interface RunDirStamp {
  /** The run dir, the current NDJSON file and every stamped document: any change means something to read. */
  all: string;
  /** The {@link STAMPED_DOCUMENTS} alone, whose change alters the page without new NDJSON lines. */
  documents: string;
  /** The run dir is (still) a directory. */
  isDirectory: boolean;
}

/** Stamps the run dir, `metrics.ndjson` and the {@link STAMPED_DOCUMENTS}: one `stat` each, no read. */
export async function stampRunDir(runDir: string): Promise<RunDirStamp> {
  const stats = await Promise.all(
    ['.', METRICS_FILE, ...STAMPED_DOCUMENTS].map((name) => stat(join(runDir, name)).catch(() => undefined)),
  );
  const parts = stats.map((s) => (s === undefined ? '-' : `${s.ino}:${s.size}:${s.mtimeMs}`));
  return {
    all: parts.join('|'),
    documents: parts.slice(2).join('|'),
    isDirectory: stats[0]?.isDirectory() ?? false,
  };
}

/** Options of {@link watchRunDir}. */
export interface RunDirWatchOptions {
  runDir: string;
  /** Interval of the polling fallback (ms). */
  pollMs: number;
  /** Changes closer together than this are reported once (ms). */
  debounceMs: number;
  /** The `all` stamp last read; the poll reports a change when the run dir's differs. */
  seenStamp(): string;
  /** True when the poll should report a change even with an unchanged stamp (a failed read, a pending line). */
  wantsRead(): boolean;
  /** Called (debounced) when the run dir may have changed. */
  onChange(): void;
}

/** A running watch; {@link RunDirWatch.close} stops it. */
export interface RunDirWatch {
  close(): void;
}

/**
 * Watches a run dir with `fs.watch` and a polling fallback (for file systems where watch events are missed):
 * the poll stats a few files ({@link stampRunDir}) and reports a change only when the stamp moved, so thousands
 * of rotated files cost nothing between changes.
 */
export function watchRunDir(options: RunDirWatchOptions): RunDirWatch {
  const { runDir, pollMs, debounceMs } = options;
  let closed = false;
  let debounce: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (closed || debounce) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      options.onChange();
    }, debounceMs);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(runDir, { persistent: false }, schedule);
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined; // no inotify (or no watch support): the poll below does the work
  }
  let polling = false;
  const poll = setInterval(() => {
    if (polling || closed) return;
    polling = true;
    stampRunDir(runDir)
      .then((stamp) => {
        if (stamp.all !== options.seenStamp() || options.wantsRead()) schedule();
      })
      .finally(() => {
        polling = false;
      });
  }, pollMs);

  return {
    close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(debounce);
      watcher?.close();
    },
  };
}
