// Finds the executable a command names, the way execvp would, so a missing command fails before anything runs.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { SupervisorError } from './errors.js';

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of the executable `name` runs: `name` itself when it contains a slash (relative to
 * `cwd`), else the first executable file of that name on `PATH`. Throws `LOOP_SUPERVISOR_COMMAND_NOT_FOUND`.
 */
export function resolveCommand(
  name: string,
  options: { path?: string | undefined; cwd?: string | undefined } = {},
): string {
  const cwd = options.cwd ?? process.cwd();
  if (name.length === 0) {
    throw new SupervisorError('LOOP_SUPERVISOR_COMMAND_NOT_FOUND', 'the command is an empty string', {
      context: { command: name },
    });
  }
  if (name.includes('/')) {
    const file = isAbsolute(name) ? name : resolve(cwd, name);
    if (isExecutableFile(file)) return file;
    throw new SupervisorError(
      'LOOP_SUPERVISOR_COMMAND_NOT_FOUND',
      `command "${name}" does not exist or is not an executable file`,
      { context: { command: name, file } },
    );
  }
  const searchPath = options.path ?? process.env.PATH ?? '';
  for (const dir of searchPath.split(delimiter)) {
    const file = join(dir === '' ? cwd : resolve(cwd, dir), name);
    if (isExecutableFile(file)) return file;
  }
  throw new SupervisorError('LOOP_SUPERVISOR_COMMAND_NOT_FOUND', `command "${name}" not found on PATH`, {
    context: { command: name, path: searchPath },
  });
}
