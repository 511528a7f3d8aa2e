import { describe, expect, it } from 'vitest';
import { closestWord, didYouMean, editDistance } from './suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    expect(editDistance('max-step', 'max-steps')).toBe(1);
    expect(editDistance('seeed', 'seed')).toBe(1);
    expect(editDistance('colck', 'clock')).toBe(1);
    expect(editDistance('seed', 'feed')).toBe(1);
    expect(editDistance('', 'run')).toBe(3);
    expect(editDistance('fast', 'feed')).toBe(3);
  });
});

describe('closestWord', () => {
  const flags = ['run-dir', 'max-steps', 'seed', 'feed', 'clock', 'ma-fast', 'ma-slow', 'enable-metrics'];
  it('suggests the flag a typo was meant to be', () => {
    expect(closestWord('max-step', flags)).toBe('max-steps');
    expect(closestWord('rundir', flags)).toBe('run-dir');
    expect(closestWord('enable-metric', flags)).toBe('enable-metrics');
    expect(closestWord('colck', flags)).toBe('clock');
  });
  it('suggests a flag the word is the start of, when only one starts so', () => {
    expect(closestWord('enable', flags)).toBe('enable-metrics');
    expect(closestWord('ma', flags)).toBeUndefined();
  });
  it('suggests nothing for a word far from every flag', () => {
    expect(closestWord('fast', flags)).toBeUndefined();
    expect(closestWord('verbose', flags)).toBeUndefined();
    expect(didYouMean('verbose', flags, '--')).toBe('');
    expect(didYouMean('max-step', flags, '--')).toBe('; did you mean --max-steps?');
  });
});
