import { describe, expect, it } from 'vitest';
import { isLoopCheckError } from './errors.js';
import { compareNumbers, parseThreshold } from './threshold-expression.js';

function syntaxMessage(text: string): string {
  try {
    parseThreshold(text);
  } catch (error) {
    expect(isLoopCheckError(error) && error.code).toBe('LOOP_CHECK_SYNTAX');
    return (error as Error).message;
  }
  throw new Error(`parsed: ${text}`);
}

describe('parseThreshold', () => {
  it('parses stage, run-level and labelled metrics with every operator', () => {
    expect(parseThreshold('exec.p99_ms < 5')).toMatchObject({
      metric: { path: ['exec', 'p99_ms'], labels: {}, text: 'exec.p99_ms', column: 1 },
      operator: '<',
      value: 5,
    });
    expect(parseThreshold('  pnl>-50 ')).toMatchObject({
      metric: { path: ['pnl'] },
      operator: '>',
      value: -50,
    });
    expect(parseThreshold('strategy.p95_ms <= 1.5').value).toBe(1.5);
    expect(parseThreshold('risk.count >= 1e3').value).toBe(1000);
    expect(parseThreshold('error_rate == 0').operator).toBe('==');
    expect(parseThreshold('fills != 0').operator).toBe('!=');
    const labelled = parseThreshold('rejections{reason=PRICE_BAND, stage="risk"} < 10');
    expect(labelled.metric).toMatchObject({
      path: ['rejections'],
      labels: { reason: 'PRICE_BAND', stage: 'risk' },
      labelsAfter: 1,
    });
    expect(parseThreshold('rejections{reason=X}.diff > 0').metric.path).toEqual(['rejections', 'diff']);
  });

  it('names the expression and the 1-based column of a syntax error, in one line', () => {
    expect(syntaxMessage('exec.p99_ms <> 5')).toBe(
      '"exec.p99_ms <> 5": column 14: expected a number, got ">"',
    );
    expect(syntaxMessage('exec.p99_ms 5')).toBe(
      '"exec.p99_ms 5": column 13: expected an operator (<, <=, >, >=, ==, !=), got "5"',
    );
    expect(syntaxMessage('exec.p99_ms = 5')).toContain('column 13: expected an operator');
    expect(syntaxMessage('exec. < 5')).toContain('column 6: expected a metric name');
    expect(syntaxMessage('exec.p99_ms < five')).toContain('column 15: expected a number, got "f"');
    expect(syntaxMessage('exec.p99_ms < 5 ms')).toContain('column 17: unexpected "m" after the number');
    expect(syntaxMessage('rejections{reason=X < 1')).toContain('column 21: expected "," or "}"');
    expect(syntaxMessage('')).toContain('column 1: empty threshold');
    expect(syntaxMessage('exec.p99_ms <')).toContain('column 14: expected a number after the operator');
    expect(syntaxMessage('exec.p99_ms << 5')).toContain('"<<" is not an operator');
    for (const bad of ['exec.p99_ms <> 5', '1 < 2', 'a{b=c}{d=e} < 1'])
      expect(syntaxMessage(bad)).not.toContain('\n');
  });
});

describe('compareNumbers', () => {
  it('applies each operator', () => {
    expect([compareNumbers(1, '<', 2), compareNumbers(2, '<', 2), compareNumbers(2, '<=', 2)]).toEqual([
      true,
      false,
      true,
    ]);
    expect([
      compareNumbers(3, '>', 2),
      compareNumbers(2, '>=', 2),
      compareNumbers(2, '==', 2),
      compareNumbers(2, '!=', 2),
    ]).toEqual([true, true, true, false]);
  });
});
