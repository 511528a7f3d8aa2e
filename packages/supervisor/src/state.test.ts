import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../test/temp-dir.js';
import { AtomicJsonFile } from './state.js';

describe('AtomicJsonFile', () => {
  it('ends with the last published value and leaves no temp file', async () => {
    const dir = testTempDir('loop-state-');
    const file = new AtomicJsonFile(join(dir, 'state.json'));
    for (let i = 0; i < 50; i += 1) file.publish({ i, pad: 'x'.repeat(i * 100) });
    await file.flush();
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({ i: 49 });
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('a reader polling during writes always parses a whole value', async () => {
    const dir = testTempDir('loop-state-');
    const path = join(dir, 'state.json');
    const file = new AtomicJsonFile(path);
    file.publish({ i: -1 });
    await file.flush();
    let reads = 0;
    let last = -1;
    for (let i = 0; i < 300; i += 1) {
      file.publish({ i, pad: 'y'.repeat(4000 + (i % 7) * 3000) });
      if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
      const value = JSON.parse(readFileSync(path, 'utf8')) as { i: number };
      expect(value.i).toBeGreaterThanOrEqual(last);
      last = value.i;
      reads += 1;
    }
    await file.flush();
    expect(reads).toBe(300);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ i: 299 });
  });

  it('reports a failed write instead of throwing', async () => {
    const errors: unknown[] = [];
    const file = new AtomicJsonFile('/nonexistent-dir/state.json', (error) => errors.push(error));
    file.publish({ a: 1 });
    await file.flush();
    expect(file.failures).toBe(1);
    expect(errors).toHaveLength(1);
  });
});
