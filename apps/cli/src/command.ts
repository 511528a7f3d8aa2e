// The shape every `loop` subcommand has, so bin.ts can dispatch without knowing any of them.

/** Where a command writes; tests may pass their own. */
export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/** A `loop` subcommand. */
export interface Command {
  name: string;
  /** Runs the command and resolves to the process exit status. Usage errors are thrown as LoopCliError. */
  run(argv: string[], io: CommandIo): Promise<number>;
}
