// The threshold grammar (k6-style `metric op number`): a hand-written parser that names the column of any error.
import { LoopCheckError } from './errors.js';

/** A comparison of a threshold. */
export type ComparisonOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** The metric a threshold reads: dotted names, optionally one `{key=value,...}` label set. */
export interface MetricReference {
  /** Dotted names, e.g. `['exec', 'p99_ms']`, `['rejections']`, `['exec', 'p99_ms', 'ratio']`. */
  path: string[];
  /** Labels, e.g. `{ reason: 'PRICE_BAND' }`; empty when none were given. */
  labels: Record<string, string>;
  /** How many names come before the label set (e.g. 1 for `rejections{reason=X}`); 0 when there are no labels. */
  labelsAfter: number;
  /** The metric as written, e.g. `rejections{reason=PRICE_BAND}`. */
  text: string;
  /** 1-based column of the metric's first character in the expression. */
  column: number;
  /** 1-based column of each name in `path`, for error messages. */
  columns: number[];
}

/** One parsed threshold, e.g. `exec.p99_ms < 5`. */
export interface ThresholdExpression {
  /** The expression as given (trimmed). */
  source: string;
  metric: MetricReference;
  operator: ComparisonOperator;
  /** The number compared against. */
  value: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_-]/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;
const OPERATORS: readonly ComparisonOperator[] = ['<=', '>=', '==', '!=', '<', '>'];

/**
 * Parses one threshold expression. Grammar (whitespace allowed between tokens):
 *
 * ```
 * threshold = metric operator number
 * metric    = name { "." name } [ labels { "." name } ]
 * labels    = "{" label { "," label } "}"
 * label     = name "=" ( word | '"' text '"' )
 * name      = [A-Za-z_] { [A-Za-z0-9_-] }
 * operator  = "<" | "<=" | ">" | ">=" | "==" | "!="
 * number    = [ "+" | "-" ] digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]
 * ```
 *
 * @throws LoopCheckError `LOOP_CHECK_SYNTAX`, whose message quotes the expression and names the 1-based column.
 */
export function parseThreshold(expression: string): ThresholdExpression {
  return new ThresholdParser(expression).parse();
}

class ThresholdParser {
  private at = 0;
  constructor(private readonly text: string) {}

  parse(): ThresholdExpression {
    this.skipSpace();
    if (this.at >= this.text.length) this.fail('empty threshold: expected a metric, e.g. exec.p99_ms < 5');
    const metric = this.metric();
    this.skipSpace();
    const operator = this.operator();
    this.skipSpace();
    const value = this.number();
    this.skipSpace();
    if (this.at < this.text.length) this.fail(`unexpected "${this.text[this.at]}" after the number`);
    return { source: this.text.trim(), metric, operator, value };
  }

  private metric(): MetricReference {
    const start = this.at;
    const path: string[] = [];
    const columns: number[] = [];
    let labels: Record<string, string> = {};
    let labelsAfter = 0;
    for (;;) {
      columns.push(this.at + 1);
      path.push(this.name('a metric name'));
      if (this.text[this.at] === '{') {
        if (labelsAfter > 0) this.fail('only one {label=value} set is allowed');
        labels = this.labels();
        labelsAfter = path.length;
      }
      if (this.text[this.at] !== '.') break;
      this.at += 1;
    }
    return {
      path,
      labels,
      labelsAfter,
      text: this.text.slice(start, this.at),
      column: start + 1,
      columns,
    };
  }

  private labels(): Record<string, string> {
    const labels: Record<string, string> = {};
    this.at += 1; // {
    for (;;) {
      this.skipSpace();
      const key = this.name('a label name (e.g. reason)');
      this.skipSpace();
      if (this.text[this.at] !== '=') this.fail(`expected "=" after label ${key}`);
      this.at += 1;
      this.skipSpace();
      if (Object.hasOwn(labels, key)) this.fail(`label ${key} is given twice`);
      labels[key] = this.labelValue();
      this.skipSpace();
      const next = this.text[this.at];
      if (next === ',') {
        this.at += 1;
        continue;
      }
      if (next === '}') {
        this.at += 1;
        return labels;
      }
      this.fail(next === undefined ? 'missing "}"' : `expected "," or "}", got "${next}"`);
    }
  }

  private labelValue(): string {
    if (this.text[this.at] === '"') {
      const end = this.text.indexOf('"', this.at + 1);
      if (end < 0) this.fail('unterminated quoted label value');
      const value = this.text.slice(this.at + 1, end);
      this.at = end + 1;
      return value;
    }
    const start = this.at;
    while (this.at < this.text.length && !/[\s,}{"=]/.test(this.text[this.at]!)) this.at += 1;
    if (this.at === start) this.fail('expected a label value');
    return this.text.slice(start, this.at);
  }

  private operator(): ComparisonOperator {
    for (const op of OPERATORS) {
      if (this.text.startsWith(op, this.at)) {
        this.at += op.length;
        if (op.length === 1 && this.text[this.at] === op) this.fail(`"${op}${op}" is not an operator`);
        return op;
      }
    }
    const got = this.text[this.at];
    if (got === '=') this.fail('expected an operator (<, <=, >, >=, ==, !=); use "==" to compare equal');
    this.fail(
      got === undefined
        ? 'expected an operator (<, <=, >, >=, ==, !=) after the metric'
        : `expected an operator (<, <=, >, >=, ==, !=), got "${got}"`,
    );
  }

  private number(): number {
    const match = NUMBER.exec(this.text.slice(this.at));
    if (!match) {
      const got = this.text[this.at];
      this.fail(
        got === undefined ? 'expected a number after the operator' : `expected a number, got "${got}"`,
      );
    }
    const value = Number(match[0]);
    if (!Number.isFinite(value)) this.fail(`number ${match[0]} is out of range`);
    this.at += match[0].length;
    return value;
  }

  private name(what: string): string {
    const start = this.at;
    if (!NAME_START.test(this.text[this.at] ?? '')) {
      const got = this.text[this.at];
      this.fail(got === undefined ? `expected ${what}` : `expected ${what}, got "${got}"`);
    }
    this.at += 1;
    while (this.at < this.text.length && NAME_CHAR.test(this.text[this.at]!)) this.at += 1;
    return this.text.slice(start, this.at);
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at += 1;
  }

  private fail(message: string): never {
    throw syntaxError(this.text, this.at + 1, message);
  }
}

/** A `LOOP_CHECK_SYNTAX` error quoting `expression` and naming the 1-based `column`. */
export function syntaxError(expression: string, column: number, message: string): LoopCheckError {
  return new LoopCheckError('LOOP_CHECK_SYNTAX', `"${expression}": column ${column}: ${message}`, {
    context: { expression, column },
  });
}

/** Applies `operator` to `value` and `limit`. Pure. */
export function compareNumbers(value: number, operator: ComparisonOperator, limit: number): boolean {
  switch (operator) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '==':
      return value === limit;
    case '!=':
      return value !== limit;
  }
}
