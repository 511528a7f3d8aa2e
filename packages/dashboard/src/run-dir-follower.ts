// Reads a run dir's NDJSON files into a RunHistory and, when called again, reads only what was appended,
// following the current file through rotation (same inode, new name).
import { type MetricsFileSnapshot, snapshotMetricsFiles } from '@loop/metrics';
import { LoopDashboardError } from './errors.js';
import { readNdjsonLines } from './ndjson-file-reader.js';
import { METRICS_FILE } from './run-dir-files.js';
import { RunHistory, type RunHistoryLimits } from './run-history.js';
import { readStageEventLine } from './stage-event-line.js';

interface FileProgress {
  name: string;
  /** Byte offset after the last complete line read. */
  offset: number;
  nextLine: number;
  bytes: number;
}

/** What one {@link RunDirFollower.refresh} did. */
export interface RefreshResult {
  /** Events or skipped lines were added (or the history was rebuilt). */
  changed: boolean;
  /** The files no longer matched what was read before (replaced, truncated), so the history was rebuilt. */
  rebuilt: boolean;
}

/**
 * Follows the NDJSON files of a run dir. `refresh({ final: true })` treats the current file as complete (its
 * unterminated last line, if any, is judged: a torn line is skipped and counted); with `final: false` an
 * unterminated last line is left for the next refresh, since the writer may be in the middle of it.
 */
export class RunDirFollower {
  history: RunHistory;
  private progress = new Map<string, FileProgress>();
  private order: string[] = [];

  constructor(
    readonly runDir: string,
    private readonly limits: Partial<RunHistoryLimits> = {},
  ) {
    this.history = new RunHistory(limits);
  }

  /** The files read so far, in chronological order, with lines and bytes read. */
  files(): Array<{ name: string; lines: number; bytes: number }> {
    return this.order.flatMap((key) => {
      const p = this.progress.get(key);
      return p ? [{ name: p.name, lines: p.nextLine - 1, bytes: p.bytes }] : [];
    });
  }

  /** Reads whatever is new. Throws {@link LoopDashboardError} if a file cannot be read. */
  async refresh(options: { final?: boolean } = {}): Promise<RefreshResult> {
    const first = await this.pass(options.final ?? false);
    if (first !== 'inconsistent') return { changed: first === 'changed', rebuilt: false };
    this.history = new RunHistory(this.limits);
    this.progress = new Map();
    this.order = [];
    await this.pass(options.final ?? false);
    return { changed: true, rebuilt: true };
  }

  private async pass(final: boolean): Promise<'changed' | 'unchanged' | 'inconsistent'> {
    // A rotation-safe snapshot (@loop/metrics, the same as readEvents): the files are opened before they are
    // read, so a writer rotating and pruning meanwhile cannot make a line be skipped or read twice.
    let snapshot: MetricsFileSnapshot;
    try {
      snapshot = await snapshotMetricsFiles(this.runDir);
    } catch (cause) {
      throw new LoopDashboardError('LOOP_DASHBOARD_READ_FAILED', `cannot list run dir ${this.runDir}`, {
        cause,
        context: { runDir: this.runDir },
      });
    }
    try {
      return await this.readSnapshot(snapshot, final);
    } finally {
      await snapshot.close();
    }
  }

  private async readSnapshot(
    snapshot: MetricsFileSnapshot,
    final: boolean,
  ): Promise<'changed' | 'unchanged' | 'inconsistent'> {
    const files = snapshot.files;
    const keys = files.map((file) => `${file.dev}:${file.ino}`);
    // A file never read before that is older than one already read means the history was replaced.
    let seenKnownAfter = false;
    for (let i = files.length - 1; i >= 0; i--) {
      const known = this.progress.get(keys[i]!);
      if (known) {
        if (files[i]!.size < known.offset) return 'inconsistent';
        seenKnownAfter = true;
      } else if (seenKnownAfter) return 'inconsistent';
    }
    let changed = false;
    for (const [i, file] of files.entries()) {
      const key = keys[i]!;
      let p = this.progress.get(key);
      if (!p) {
        p = { name: file.name, offset: 0, nextLine: 1, bytes: 0 };
        this.progress.set(key, p);
        this.order.push(key);
        changed = true;
      }
      p.name = file.name;
      const complete = final || file.name !== METRICS_FILE;
      if (file.size <= p.offset) continue;
      const progress = p;
      let result: Awaited<ReturnType<typeof readNdjsonLines>>;
      try {
        const handle = await snapshot.open(file);
        // Pruned before it could be opened (only beyond the snapshot's bound of open files): nothing to read.
        if (handle === undefined) continue;
        try {
          result = await readNdjsonLines(
            handle,
            {
              line: (text, line) => {
                const read = readStageEventLine(text);
                if (typeof read === 'string') this.history.addSkipped(progress.name, line, read);
                else this.history.addEvent(read, progress.name, line);
              },
              overlong: (line) => this.history.addSkipped(progress.name, line, 'line too long'),
            },
            { offset: p.offset, firstLine: p.nextLine },
          );
        } finally {
          await handle.close();
        }
      } catch (cause) {
        throw new LoopDashboardError('LOOP_DASHBOARD_READ_FAILED', `cannot read ${file.path}`, {
          cause,
          context: { file: file.path },
        });
      }
      if (result.endOffset !== p.offset || result.nextLine !== p.nextLine) changed = true;
      p.bytes += result.endOffset - p.offset;
      p.offset = result.endOffset;
      p.nextLine = result.nextLine;
      if (result.trailing && complete) {
        // The file will not grow: its unterminated last line is what a crash left behind.
        const read = readStageEventLine(result.trailing.text);
        if (typeof read === 'string')
          this.history.addSkipped(p.name, result.trailing.line, 'torn last line (no newline)');
        else this.history.addEvent(read, p.name, result.trailing.line);
        const trailingBytes = Buffer.byteLength(result.trailing.text);
        p.bytes += trailingBytes;
        p.offset += trailingBytes;
        p.nextLine += 1;
        changed = true;
      }
    }
    this.order.sort((a, b) => keys.indexOf(a) - keys.indexOf(b));
    return changed ? 'changed' : 'unchanged';
  }
}
