// `loop dashboard`: placeholder until its issue lands.
import type { Command } from '../command.js';
import { LoopCliError } from '../errors.js';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'not implemented yet',
  async run() {
    throw new LoopCliError('LOOP_CLI_RUNTIME', 'loop dashboard: not implemented yet');
  },
};
