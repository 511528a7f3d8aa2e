import { describe, expect, it } from 'vitest';
import { keepWhole } from './keep-whole.js';

const nw = (s: string) => `<span class="nowrap">${s}</span>`;

describe('keepWhole', () => {
  it('wraps dates with their time, numbers with separators and codes, and nothing else', () => {
    expect(keepWhole('Steps per 1 min bucket: 3,000 in all (from 2024-01-01 00:17:00Z)')).toBe(
      `Steps per 1 min bucket: ${nw('3,000')} in all (from ${nw('2024-01-01 00:17:00Z')})`,
    );
    expect(keepWhole('MAX_LOSS: pnl=-5.26 limit=-5, 44% at 00:08:15.250')).toBe(
      `${nw('MAX_LOSS')}: pnl=${nw('-5.26')} limit=${nw('-5')}, ${nw('44%')} at ${nw('00:08:15.250')}`,
    );
    expect(keepWhole('risk · TRADING_REDUCING 1,326')).toBe(
      `risk · ${nw('TRADING_REDUCING')} ${nw('1,326')}`,
    );
    expect(keepWhole('plain words, 7 steps, v2 and CAPS')).toBe('plain words, 7 steps, v2 and CAPS');
  });

  it('escapes the text around and inside the tokens', () => {
    expect(keepWhole(`<b onclick="x">1,000 & 'A_B'`)).toBe(
      `&lt;b onclick=&quot;x&quot;&gt;${nw('1,000')} &amp; &#39;${nw('A_B')}&#39;`,
    );
    expect(keepWhole(12.5)).toBe(nw('12.5'));
  });
});
