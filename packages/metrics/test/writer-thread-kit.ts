// What the writer-thread tests share: temp dirs removed after each test, files compared by hash, a seeded
// random source, and waiting for the thread (with a deadline, never a bare sleep).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';

/** A maker of temp dirs named `<prefix>XXXXXX`, each removed after the test that made it. Call at top level. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/**
 * Each file's size and SHA-256, by name (a deep compare of megabytes of bytes is far too slow in vitest);
 * the writer lock, whose content is a pid, is left out.
 */
export function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((name) => name !== 'metrics.lock')
      .map((name) => {
        const bytes = fs.readFileSync(path.join(dir, name));
        return [name, `${bytes.length} ${createHash('sha256').update(bytes).digest('hex')}`];
      }),
  );
}

/** A seeded random source in [0, 1) (an LCG: the same numbers on every machine). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Polls `condition` every 10 ms until it holds (deadline 60 s: a thread starts slowly on a loaded machine). */
export async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the writer thread did not take over within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
