// The fast number texts must be exactly what String() / JSON would write.
import { describe, expect, it } from 'vitest';
import { microsAsMsText, numberText, wholeText } from './number-text.js';

describe('numberText', () => {
  it('is String(value) for prices, equities, quantities, integers and awkward doubles', () => {
    let state = 12345; // mulberry32: a fixed sample, no flakiness
    const random = () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const values = [
      0,
      -0,
      1,
      -1,
      0.1,
      0.000001,
      0.0000015,
      1e-7,
      99995.43,
      100000.12345,
      2 ** 31,
      2 ** 33 - 0.5,
      2 ** 33,
      2 ** 53,
      -123.456789,
      0.1 + 0.2,
      1e21,
      123456789.000001,
      8589934591.999999,
    ];
    for (let i = 0; i < 50_000; i++) {
      const scale = 10 ** Math.floor(random() * 14 - 4);
      const raw = (random() - 0.5) * scale;
      values.push(raw, Math.round(raw * 100) / 100, Math.round(raw * 1e6) / 1e6, Math.round(raw));
    }
    for (const value of values) expect(numberText(value)).toBe(String(value));
  });
});

describe('microsAsMsText and wholeText', () => {
  it('write whole microseconds as ms with up to three decimals', () => {
    for (const us of [0, 1, 999, 1000, 1500, 1_704_067_200_000_346, 2_147_483_648_123]) {
      expect(microsAsMsText(us)).toBe(String(us / 1000));
      expect(wholeText(us)).toBe(String(us));
    }
    // Exact at µs even where us / 1000 is not a double.
    expect(microsAsMsText(2 ** 53 - 1)).toBe('9007199254740.991');
  });
});
