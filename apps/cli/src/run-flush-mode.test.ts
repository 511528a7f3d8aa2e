import { describe, expect, it } from 'vitest';
import { runUsesWriterThread } from './run-flush-mode.js';

describe('runUsesWriterThread', () => {
  it.each([
    [['--run-dir', 'r', '--enable-metrics'], true],
    [['--enable-metrics', '--clock', 'simulated'], true],
    [['--enable-metrics', '--metrics-flush', 'batch', '--clock', 'real'], true],
    [['--enable-metrics', '--metrics-flush=interval'], true],
    [['--run-dir', 'r'], false],
    [['--enable-metrics', '--clock', 'real'], false],
    [['--enable-metrics', '--clock=real'], false],
    [['--enable-metrics', '--metrics-flush', 'step'], false],
    [['--enable-metrics', '--help'], false],
    [['--metrics-port', '0'], false],
  ])('%j: %s', (args, expected) => {
    expect(runUsesWriterThread(args)).toBe(expected);
  });
});
