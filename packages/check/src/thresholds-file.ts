// A thresholds file (JSON or YAML), validated with zod; every error names the file and the line.
import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { LoopCheckError } from './errors.js';
import { compileThreshold, type Threshold, withOrigin } from './thresholds.js';

const thresholdItemSchema = z.union([
  z.string().min(1),
  z.strictObject({
    threshold: z.string().min(1),
    /** Stop `loop run` as soon as this threshold fails (like k6's abortOnFail). */
    abort_on_fail: z.boolean().optional(),
  }),
]);

/** The schema of a thresholds file: `{ thresholds: [...] }` or a bare list. */
export const thresholdsFileSchema = z.union([
  z.strictObject({ thresholds: z.array(thresholdItemSchema) }),
  z.array(thresholdItemSchema),
]);

/** A threshold from a file, with its own abort flag. */
export interface FileThreshold extends Threshold {
  abortOnFail: boolean;
}

function fileError(file: string, line: number | undefined, message: string, cause?: unknown): LoopCheckError {
  return new LoopCheckError(
    'LOOP_CHECK_THRESHOLDS_FILE',
    `${file}${line === undefined ? '' : `:${line}`}: ${message}`,
    { cause, context: { file, line } },
  );
}

/**
 * Parses a thresholds file's text (JSON is read as YAML, of which it is a subset) and compiles each
 * threshold. `file` is only used in messages, which read `file:line: ...`.
 *
 * @throws LoopCheckError `LOOP_CHECK_THRESHOLDS_FILE` for YAML/JSON or schema errors; `LOOP_CHECK_SYNTAX`
 *   or `LOOP_CHECK_UNKNOWN_METRIC` (prefixed with `file:line`) for a bad expression.
 */
export function parseThresholdsFile(text: string, file: string): FileThreshold[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw fileError(file, lineOf(error.pos[0]), `not valid JSON or YAML: ${error.message.split('\n')[0]}`);
  }
  const parsed = thresholdsFileSchema.safeParse(doc.toJS());
  // The line of the node at `path`, or of its nearest ancestor that exists (a missing key: its parent's).
  const nodeLine = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lineOf(node.range[0]);
    }
    return undefined;
  };
  if (!parsed.success) {
    // The union's issues are nested; the deepest path says most.
    const issues = parsed.error.issues.flatMap((issue) =>
      issue.code === 'invalid_union' ? issue.errors.flat() : [issue],
    );
    const issue = issues.sort((a, b) => b.path.length - a.path.length)[0] ?? parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw fileError(
      file,
      nodeLine(issue.path),
      `${where}${issue.message} (expected {thresholds: ["exec.p99_ms < 5", {threshold: "...", abort_on_fail: true}]})`,
    );
  }
  const items = Array.isArray(parsed.data) ? parsed.data : parsed.data.thresholds;
  const prefix = Array.isArray(parsed.data) ? [] : ['thresholds'];
  return items.map((item, index) => {
    const line = nodeLine([...prefix, index]);
    const origin = `${file}${line === undefined ? '' : `:${line}`}`;
    const text = typeof item === 'string' ? item : item.threshold;
    try {
      return {
        ...compileThreshold(text, origin),
        abortOnFail: typeof item !== 'string' && item.abort_on_fail === true,
      };
    } catch (error) {
      throw withOrigin(error, origin);
    }
  });
}

/** Reads and parses a thresholds file; see {@link parseThresholdsFile}. */
export async function readThresholdsFile(file: string): Promise<FileThreshold[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fileError(file, undefined, code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`, error);
  }
  return parseThresholdsFile(text, file);
}
