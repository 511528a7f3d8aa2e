// The real `loop` CLI (apps/cli, built) for the tests that make their run dirs with it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The built CLI's entry point. */
export const BIN = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
const run = promisify(execFile);

/** Throws, naming the fix, when the CLI is not built. */
export function requireBuiltCli(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` first`);
}

/** `loop ...args`; resolves with the exit code (never rejects on a non-zero one). */
export async function loop(args: string[], timeoutMs = 180_000): Promise<number> {
  try {
    await run(process.execPath, [BIN, ...args], { timeout: timeoutMs });
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw error;
  }
}
