// Flag parsing for every `loop` command: node:util parseArgs for the shape, zod for the values.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { usageError } from './errors.js';
import { didYouMean } from './suggest.js';

/** One flag of a command, as `--help` shows it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Shown by `--help`. */
  description: string;
  /** Shown by `--help` as the value's name, e.g. `N` or `DIR`. */
  valueName?: string;
  /** Shown by `--help` when the flag has a default. */
  defaultText?: string;
  /** May be given more than once; the value is then an array (e.g. `--run-dir A --run-dir B`). */
  multiple?: boolean;
}

/** A command's flags: keys are the flag names without the leading `--` (kebab-case, as the user types them). */
export type FlagSpecs = Record<string, FlagSpec>;

const wholeNumber = /^[+-]?\d+$/;
const decimalNumber = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A flag whose value is a whole number within [min, max]. */
export function intFlag(options: { min?: number; max?: number } = {}) {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  return z.string().transform((raw, ctx) => {
    const text = raw.trim();
    const value = Number(text);
    if (!wholeNumber.test(text) || !Number.isSafeInteger(value)) {
      ctx.addIssue({ code: 'custom', message: `expected a whole number, got "${raw}"` });
      return z.NEVER;
    }
    if (value < min || value > max) {
      ctx.addIssue({ code: 'custom', message: rangeMessage(raw, min, max) });
      return z.NEVER;
    }
    return value;
  });
}

/** A flag whose value is a finite decimal number within [min, max]. */
export function numberFlag(options: { min?: number; max?: number; exclusiveMin?: boolean } = {}) {
  const { min = -Infinity, max = Infinity, exclusiveMin = false } = options;
  return z.string().transform((raw, ctx) => {
    const text = raw.trim();
    const value = Number(text);
    if (!decimalNumber.test(text) || !Number.isFinite(value)) {
      ctx.addIssue({ code: 'custom', message: `expected a number, got "${raw}"` });
      return z.NEVER;
    }
    if (value < min || value > max || (exclusiveMin && value === min)) {
      ctx.addIssue({
        code: 'custom',
        message: exclusiveMin ? `expected a number > ${min}, got "${raw}"` : rangeMessage(raw, min, max),
      });
      return z.NEVER;
    }
    return value;
  });
}

/** A flag whose value is one of a fixed set of words. */
export function enumFlag<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().transform((raw, ctx) => {
    if (!(values as readonly string[]).includes(raw)) {
      ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}, got "${raw}"` });
      return z.NEVER;
    }
    return raw as T[number];
  });
}

/** A flag whose value is a non-empty string (a path, a host). */
export function stringFlag() {
  return z.string().refine((s) => s.length > 0, { message: 'expected a non-empty value' });
}

/**
 * A bot's name, the `bot` label on every Prometheus series and the name alerts and notifications use:
 * 1-64 characters, letters, digits and `_ . - : @`, starting with a letter or digit.
 */
export function botNameFlag() {
  return z.string().refine((s) => /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/.test(s), {
    message: 'expected 1-64 letters, digits or _ . - : @ (starting with a letter or digit)',
  });
}

function rangeMessage(raw: string, min: number, max: number): string {
  if (Number.isFinite(min) && Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER) {
    return `expected a number from ${min} to ${max}, got "${raw}"`;
  }
  if (Number.isFinite(min) && min > Number.MIN_SAFE_INTEGER)
    return `expected a number >= ${min}, got "${raw}"`;
  return `expected a number <= ${max}, got "${raw}"`;
}

/** What {@link parseFlags} returns: the validated values and any positional arguments. */
export interface ParsedFlags<T> {
  values: T;
  positionals: string[];
  /** Arguments after a bare `--`, untouched (for `loop supervise -- cmd ...`). */
  rest: string[];
  help: boolean;
}

/**
 * Parses `argv` against `specs` and validates the values with `schema`, whose keys are the flag names.
 * Throws a usage error naming the flag on an unknown flag, a missing value or a bad value.
 */
export function parseFlags<S extends z.ZodType<Record<string, unknown>>>(
  command: string,
  argv: readonly string[],
  specs: FlagSpecs,
  schema: S,
  options: { positionals?: boolean; rest?: boolean } = {},
): ParsedFlags<z.output<S>> {
  let head = [...argv];
  let rest: string[] = [];
  if (options.rest) {
    const split = head.indexOf('--');
    if (split >= 0) {
      rest = head.slice(split + 1);
      head = head.slice(0, split);
    }
  }
  head = joinNegativeValues(head, specs);
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(specs))
    config[name] = spec.multiple ? { type: spec.type, multiple: true } : { type: spec.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: head,
      options: config,
      strict: true,
      allowPositionals: options.positionals ?? false,
      tokens: true,
    });
  } catch (error) {
    throw usageError(`loop ${command}: ${describeParseArgsError(error, Object.keys(config))}`, error);
  }
  // parseArgs keeps the last of a repeated flag; `--seed 1 --seed 2` is more likely a mistake than a wish.
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || token.name === 'help' || specs[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw usageError(`loop ${command}: --${token.name}: given more than once`);
    seen.add(token.name);
  }
  const help = parsed.values.help === true;
  const raw: Record<string, unknown> = { ...parsed.values };
  delete raw.help;
  if (help) return { values: {} as z.output<S>, positionals: parsed.positionals, rest, help };
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const flag = issue.path.length > 0 ? `--${String(issue.path[0])}` : 'flags';
    const message =
      issue.code === 'invalid_type' && raw[String(issue.path[0])] === undefined
        ? 'is required'
        : issue.message;
    throw usageError(`loop ${command}: ${flag}: ${message}`, result.error);
  }
  return { values: result.data, positionals: parsed.positionals, rest, help };
}

/**
 * `--flag -1` -> `--flag=-1`: parseArgs refuses a value that starts with a dash, but a negative number is a
 * value, and the flag's schema should say whether it is allowed ("expected a number >= 0").
 */
function joinNegativeValues(args: string[], specs: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const next = args[i + 1];
    const spec = arg.startsWith('--') && !arg.includes('=') ? specs[arg.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function describeParseArgsError(error: unknown, flagNames: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  // parseArgs says e.g. "Unknown option '--foo'. To specify a positional argument starting with a '-', ..."
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) {
    const typed = unknown[1]!;
    const hint = typed.startsWith('--') ? didYouMean(typed.slice(2), flagNames, '--') : '';
    return `unknown flag ${typed}${hint || ' (see --help)'}`;
  }
  const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(message);
  if (missing) return `${missing[1]!.replace(/^-\w, /, '')}: a value is required`;
  // "Option '--seed <value>' argument is ambiguous. Did you forget to specify the option argument ...": the
  // next word starts with a dash, so the flag's value is missing.
  const ambiguous = /Option '([^' ]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[1]!.replace(/^-\w, /, '')}: a value is required`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument "${positional[1]}" (see --help)`;
  return message.split('\n')[0]!;
}

/** Formats a command's `--help` text from its flag specs. */
export function formatHelp(usage: string, summary: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = `  --${name}${spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : ''}`;
    const right = spec.description + (spec.defaultText ? ` (default: ${spec.defaultText})` : '');
    return [left, right] as const;
  });
  rows.push(['  --help', 'show this help']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return `${usage}\n\n${summary}\n\nFlags:\n${rows.map(([l, r]) => l.padEnd(width) + r).join('\n')}\n`;
}
