// Browser discovery for .ci/run and the browser tests: each name, the variables, none found.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM_NAMES, findChromium } from '../find-chromium.mjs';

const script = fileURLToPath(new URL('../find-chromium.mjs', import.meta.url));
const dirs = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder holding fake executables with the given names. */
function binDir(...names) {
  const dir = mkdtempSync(join(tmpdir(), 'find-chromium-'));
  dirs.push(dir);
  for (const name of names) {
    writeFileSync(join(dir, name), '#!/bin/sh\n');
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('findChromium', () => {
  it.each(CHROMIUM_NAMES)('finds %s on PATH', (name) => {
    const dir = binDir(name);
    expect(findChromium({ env: { PATH: `/nonexistent:${dir}` } })).toEqual({
      path: join(dir, name),
      source: `${name} on PATH`,
    });
  });

  it('prefers chromium over chromium-browser over google-chrome', () => {
    const dir = binDir('google-chrome', 'chromium-browser', 'chromium');
    expect(findChromium({ env: { PATH: dir } }).path).toBe(join(dir, 'chromium'));
  });

  it('skips a file that is not executable and a directory of the same name', () => {
    const dir = binDir();
    writeFileSync(join(dir, 'chromium'), 'not executable');
    mkdirSync(join(dir, 'chromium-browser'));
    const other = binDir('google-chrome');
    expect(findChromium({ env: { PATH: `${dir}:${other}` } }).path).toBe(join(other, 'google-chrome'));
  });

  it('LOOP_CHROMIUM wins over CHROME_PATH and PATH; CHROME_PATH over PATH', () => {
    const dir = binDir('chromium', 'mine', 'theirs');
    const mine = join(dir, 'mine');
    const theirs = join(dir, 'theirs');
    expect(findChromium({ env: { PATH: dir, LOOP_CHROMIUM: mine, CHROME_PATH: theirs } })).toEqual({
      path: mine,
      source: 'LOOP_CHROMIUM',
    });
    expect(findChromium({ env: { PATH: dir, CHROME_PATH: theirs } })).toEqual({
      path: theirs,
      source: 'CHROME_PATH',
    });
  });

  it('a variable naming a missing browser is an error naming the variable', () => {
    const dir = binDir('chromium');
    const found = findChromium({ env: { PATH: dir, LOOP_CHROMIUM: '/no/such/chrome' } });
    expect(found.path).toBeUndefined();
    expect(found.error).toBe(
      'LOOP_CHROMIUM=/no/such/chrome is not an executable file (unset it or point it at Chromium)',
    );
  });

  it('none found: one line naming the names tried and LOOP_CHROMIUM', () => {
    const found = findChromium({ env: { PATH: binDir() } });
    expect(found.error).toMatch(
      /^no Chromium found: looked for chromium, chromium-browser, google-chrome.*set LOOP_CHROMIUM/,
    );
    expect(found.error).not.toContain('\n');
  });
});

describe('find-chromium.mjs as a command', () => {
  it('prints the path on stdout and which name found it on stderr', () => {
    const dir = binDir('chromium-browser');
    const out = spawnSync(process.execPath, [script], { env: { PATH: dir }, encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(`${join(dir, 'chromium-browser')}\n`);
    expect(out.stderr).toBe(`chromium: using ${join(dir, 'chromium-browser')} (chromium-browser on PATH)\n`);
  });

  it('exits 1 with one line when there is none', () => {
    const out = spawnSync(process.execPath, [script], { env: { PATH: binDir() }, encoding: 'utf8' });
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toContain('LOOP_CHROMIUM');
  });
});
