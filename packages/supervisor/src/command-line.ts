// A command as one line a POSIX shell would read back the same (for the state file and the log).

const safeWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument for a POSIX shell, only when it needs quoting. */
export function shellQuote(arg: string): string {
  if (safeWord.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command as one shell-quoted line. */
export function formatCommandLine(command: readonly string[]): string {
  return command.map(shellQuote).join(' ');
}
