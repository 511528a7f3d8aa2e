// RunHistory and LifetimeTracker given options they cannot honour: a coded LoopRunDirError naming the option.
import { describe, expect, it } from 'vitest';
import { isLoopRunDirError, LifetimeTracker, RunHistory } from './index.js';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('builder options', () => {
  it.each([
    [{ maxBuckets: 0 }, /^limits\.maxBuckets must be a whole number >= 1, got 0$/],
    [{ tailLines: -1 }, /^limits\.tailLines must be a whole number >= 0, got -1$/],
    [{ maxStages: 2.5 }, /^limits\.maxStages must be a whole number >= 0, got 2\.5$/],
    [{ maxAttrKeys: '4' }, /^limits\.maxAttrKeys must be a whole number >= 0, got "4"$/],
    [{ maxBucket: 9 }, /^limits\.maxBucket is not a RunHistory limit \(known: .*maxBuckets/],
  ])('RunHistory(%j)', (limits, message) => {
    const error = thrown(() => new RunHistory(limits as never));
    expect(isLoopRunDirError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('LOOP_RUN_DIR_OPTION_INVALID');
    expect((error as Error).message).toMatch(message);
  });

  it('RunHistory(null) and LifetimeTracker(0)', () => {
    expect((thrown(() => new RunHistory(null as never)) as Error).message).toBe(
      'RunHistory limits must be an object',
    );
    const error = thrown(() => new LifetimeTracker(0));
    expect(isLoopRunDirError(error)).toBe(true);
    expect((error as Error).message).toBe('maxLifetimes must be a whole number >= 1, got 0');
  });

  it('accepts the documented limits, undefined ones meaning the default', () => {
    const history = new RunHistory({ tailLines: 0, maxBuckets: 1, maxStages: undefined });
    expect(history.limits.maxStages).toBe(64);
    expect(new LifetimeTracker(1).lifetimes()).toEqual([]);
  });
});
