// `loop run`: placeholder until its issue lands.
import type { Command } from '../command.js';
import { LoopCliError } from '../errors.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'not implemented yet',
  async run() {
    throw new LoopCliError('LOOP_CLI_RUNTIME', 'loop run: not implemented yet');
  },
};
