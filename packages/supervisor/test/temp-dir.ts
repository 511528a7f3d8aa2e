// Temp dirs that tests leave nothing of: each is removed when its test has finished (after the test's
// afterEach hooks, which stop the processes that write there).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A new dir `<os tmpdir>/<prefix>XXXXXX`, removed when the current test has finished. Call it in a test. */
export function testTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // A process of the test still writing there: a dir left behind beats a failed test.
    }
  });
  return dir;
}
