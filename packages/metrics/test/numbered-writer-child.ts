// Shared by the end-to-end tests that run test/fixtures/numbered-writer.ts as a child: temp dirs, the child
// (SIGKILLed after the test if still running) and waiting for the count it reports on stdout.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

/** The package directory (`packages/metrics`). */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The writer fixture: writes numbered events to a run dir, printing how many it has recorded. */
export const numberedWriter = path.join(packageDir, 'test/fixtures/numbered-writer.ts');

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory named `<prefix>XXXXXX`, removed after the test. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Starts the numbered writer with `args` (stdout piped, stderr inherited). */
export function startNumberedWriter(args: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', numberedWriter, ...args], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return child;
}

/** What the writer has reported so far, and a wait for a count. */
export interface WriterProgress {
  /** The count it last reported (0 before the first report). */
  last(): number;
  /**
   * Resolves once the writer has reported at least `count`, calling `onReached` first (synchronously, on the
   * stdout chunk that got there); rejects if the writer exits before.
   */
  reached(count: number, onReached?: () => void): Promise<void>;
}

/** Follows the counts the writer prints on stdout. */
export function writerProgress(child: ChildProcess): WriterProgress {
  let last = 0;
  const stdout = child.stdout!.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    last = Number(chunk.trim().split('\n').at(-1));
  });
  return {
    last: () => last,
    reached: (count, onReached) =>
      new Promise<void>((resolve, reject) => {
        stdout.on('data', () => {
          if (last >= count) {
            onReached?.();
            resolve();
          }
        });
        child.once('exit', (code) =>
          reject(new Error(`writer exited early with ${code} after ${last} events`)),
        );
      }),
  };
}
