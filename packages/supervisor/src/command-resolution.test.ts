import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCommand } from './command-resolution.js';

describe('resolveCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loop-resolve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tool = join(dir, 'tool');
  writeFileSync(tool, '#!/bin/sh\n');
  chmodSync(tool, 0o755);
  const plain = join(dir, 'plain');
  writeFileSync(plain, 'not executable');

  it('finds a name on PATH, first match wins', () => {
    expect(resolveCommand('tool', { path: `/nonexistent:${dir}` })).toBe(tool);
    expect(resolveCommand('sh')).toMatch(/\/sh$/);
  });

  it('takes a path with a slash as is, relative to cwd', () => {
    expect(resolveCommand('./tool', { cwd: dir })).toBe(tool);
    expect(resolveCommand(tool)).toBe(tool);
  });

  it('rejects a missing command, a non-executable file and a directory', () => {
    for (const [name, path] of [
      ['no-such-command-anywhere', dir],
      ['plain', dir],
      [plain, dir],
      [dir, dir],
    ] as const) {
      expect(() => resolveCommand(name, { path })).toThrowError(
        expect.objectContaining({ code: 'LOOP_SUPERVISOR_COMMAND_NOT_FOUND' }),
      );
    }
  });
});
