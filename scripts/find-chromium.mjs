#!/usr/bin/env node
// Finds the Chromium the browser tests drive: LOOP_CHROMIUM, then CHROME_PATH, then the names distributions use.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variables that name a browser, in the order they win. */
export const CHROMIUM_VARIABLES = ['LOOP_CHROMIUM', 'CHROME_PATH'];
/** The executable names distributions give Chromium, in the order they are tried on PATH. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where Chromium is: `{ path, source }` (source says which variable or name found it), or `{ error }` with one
 * line naming what was tried and the variable that fixes it. A variable that names a missing file is an error,
 * not skipped: the operator asked for that browser.
 */
export function findChromium({ env = process.env, isExecutable = isExecutableFile } = {}) {
  for (const variable of CHROMIUM_VARIABLES) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    if (isExecutable(value)) return { path: value, source: variable };
    return { error: `${variable}=${value} is not an executable file (unset it or point it at Chromium)` };
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && isAbsolute(dir));
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (isExecutable(path)) return { path, source: `${name} on PATH` };
    }
  }
  return {
    error: `no Chromium found: looked for ${CHROMIUM_NAMES.join(', ')} on PATH; install Debian's chromium or set LOOP_CHROMIUM to the browser's path`,
  };
}

// As a command: prints the path on stdout and what found it on stderr; exit 1 with the one-line error.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const found = findChromium();
  if (found.error) {
    process.stderr.write(`find-chromium: ${found.error}\n`);
    process.exit(1);
  }
  process.stderr.write(`chromium: using ${found.path} (${found.source})\n`);
  process.stdout.write(`${found.path}\n`);
}
