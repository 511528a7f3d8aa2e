import { describe, expect, it } from 'vitest';
import { applyBodyDelta, bodyDelta } from './live-delta.js';

describe('bodyDelta', () => {
  it('turns one body into the next, sending only the changed lines', () => {
    const before = ['<h2>Recent</h2>', '<tr>1</tr>', '<tr>2</tr>', '<tr>3</tr>', '<p>3 events</p>'];
    const after = ['<h2>Recent</h2>', '<tr>2</tr>', '<tr>3</tr>', '<tr>4</tr>', '<p>4 events</p>'];
    const delta = bodyDelta(before, after)!;
    expect(applyBodyDelta(before, delta)).toEqual(after);
    const sent = delta.filter((op) => Array.isArray(op)).flat();
    expect(sent).toEqual(['<tr>4</tr>', '<p>4 events</p>']);
  });

  it('handles empty bodies, identical bodies and bodies with nothing in common', () => {
    for (const [a, b] of [
      [[], ['x']],
      [['x'], []],
      [
        ['a', 'b'],
        ['a', 'b'],
      ],
      [
        ['a', 'b'],
        ['c', 'd', 'e'],
      ],
    ] as Array<[string[], string[]]>) {
      expect(applyBodyDelta(a, bodyDelta(a, b)!)).toEqual(b);
    }
    expect(bodyDelta(['a', 'b'], ['a', 'b'])).toEqual([2]);
  });

  it('matches a seeded random stream of edits', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let body = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    for (let round = 0; round < 50; round += 1) {
      const next = body.filter(() => random() > 0.1).map((l) => (random() < 0.05 ? `${l}*` : l));
      for (let k = 0; k < 20; k += 1) next.splice(Math.floor(random() * next.length), 0, `new ${round}.${k}`);
      expect(applyBodyDelta(body, bodyDelta(body, next)!)).toEqual(next);
      body = next;
    }
  });

  it('refuses a delta that does not fit the body it is applied to', () => {
    expect(() => applyBodyDelta(['a'], [2])).toThrow(RangeError);
    expect(() => applyBodyDelta(['a', 'b'], [1])).toThrow(RangeError);
  });
});
