// `mkdir -p` that cannot hang: Node 20's mkdirSync(dir, { recursive: true }) retries ENOENT forever under /proc.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errnoCode } from './errors.js';

/**
 * Creates `dir` and its missing parents, top down, each once. Throws the file system's error (`ENOENT` where
 * a directory cannot be made, `ENOTDIR` through a file, `EEXIST` if `dir` is a file, `EACCES`, ...).
 */
export function createDirectories(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    let exists = true;
    try {
      statSync(at);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
      exists = false;
    }
    if (exists || dirname(at) === at) break;
    missing.push(at);
    at = dirname(at);
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
  }
  if (!statSync(dir).isDirectory()) {
    throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${dir}'`), { code: 'EEXIST' });
  }
}
