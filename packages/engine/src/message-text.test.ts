// Feed text in messages: one line, control characters escaped, JSON shown without recursion.
import { describe, expect, it } from 'vitest';
import { describeJsonValue, escapeForMessage } from './message-text.js';

describe('escapeForMessage', () => {
  it('escapes control characters and line or direction overrides, and cuts long text', () => {
    expect(escapeForMessage('\u001b[31mred\u0007\r\n\u0000\u007f\u009b\u202e')).toBe(
      '\\x1b[31mred\\x07\\x0d\\x0a\\x00\\x7f\\x9b\\u202e',
    );
    expect(escapeForMessage('é ü 日本 ok')).toBe('é ü 日本 ok');
    expect(escapeForMessage('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('describeJsonValue', () => {
  it('writes values as JSON.stringify does', () => {
    for (const value of [[1, 'a', null, true, { k: [2, 3] }], 'x', 0, {}, []]) {
      expect(describeJsonValue(value, 1000)).toBe(JSON.stringify(value));
    }
  });

  it('shows a value nested 100,000 deep, and a huge array, in bounded time and stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(describeJsonValue(deep)).toBe(`${'['.repeat(59)}…`);
    expect(
      describeJsonValue(
        Array.from({ length: 1_000_000 }, (_, i) => i),
        12,
      ),
    ).toBe('[0,1,2,3,4,…');
  });
});
