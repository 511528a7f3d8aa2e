// `loop supervise`: placeholder until its issue lands.
import type { Command } from '../command.js';
import { LoopCliError } from '../errors.js';

export const superviseCommand: Command = {
  name: 'supervise',
  summary: 'not implemented yet',
  async run() {
    throw new LoopCliError('LOOP_CLI_RUNTIME', 'loop supervise: not implemented yet');
  },
};
