// Creating a directory and its missing parents without `mkdir -p`'s Node 20 pitfall: fs.mkdirSync(dir,
// { recursive: true }) never returns for a path under /proc (it retries ENOENT forever at 100% CPU).
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Creates `dir` and any missing parents, like `mkdir -p`, one level at a time. Throws the file system's error
 * (`ENOENT` where a directory cannot be made, `ENOTDIR` through a file, `EEXIST` if `dir` is a file,
 * `EACCES`, ...) instead of looping.
 */
export function makeDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && fs.statSync(dir).isDirectory()) return;
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    makeDirectory(parent);
  }
  try {
    fs.mkdirSync(dir); // once: if the parent exists and this still fails, that is the answer
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(dir).isDirectory()) throw error;
  }
}
