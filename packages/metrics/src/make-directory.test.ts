import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from './make-directory.js';

describe('makeDirectory', () => {
  it('creates missing parents and accepts an existing directory', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-mkdir-'));
    const deep = path.join(base, 'a', 'b', 'c');
    makeDirectory(deep);
    expect(fs.statSync(deep).isDirectory()).toBe(true);
    makeDirectory(deep);
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('throws instead of looping where a directory cannot be made', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-mkdir-'));
    const file = path.join(base, 'file');
    fs.writeFileSync(file, 'x');
    expect(() => makeDirectory(path.join(file, 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirectory(file)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    fs.rmSync(base, { recursive: true, force: true });
  });

  it.skipIf(process.platform !== 'linux')(
    'fails under /proc (where recursive mkdirSync never returns on Node 20)',
    () => {
      expect(() => makeDirectory('/proc/loop-no-such/dir')).toThrow(
        expect.objectContaining({ code: 'ENOENT' }),
      );
    },
  );
});
