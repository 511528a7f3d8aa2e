// Programmatic entry of the `loop` command, for tests and embedding.
export type { Command, CommandIo } from './command.js';
export { isLoopCliError, LoopCliError, type LoopCliErrorCode } from './errors.js';
export { main } from './main.js';
export { cliVersion, packageVersions } from './version.js';
