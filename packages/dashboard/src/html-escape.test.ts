import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeJsonForScript } from './html-escape.js';

describe('escapeJsonForScript', () => {
  it('escapes < > & U+2028 U+2029 and still parses back to the same value', () => {
    const value = {
      s: '</script><script>alert(1)</script>',
      amp: 'a&b',
      ls: 'x\u2028y\u2029z',
      comment: '<!--',
    };
    const text = escapeJsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(text).toContain('\\u003c/script\\u003e');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('escapeHtml', () => {
  it('makes markup inert', () => {
    expect(escapeHtml(`<img src=x onerror="a('1')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;',
    );
    expect(escapeHtml('plain')).toBe('plain');
  });
});
